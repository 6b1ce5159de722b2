package layers

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Load stores the images of an archive: a docker-save tarball (with
// manifest.json) or an OCI archive (with oci-layout), as docker, podman and
// skopeo write them, with gzip, zstd or uncompressed layers. Every image is
// checked before any is named. It returns docker's lines ("Loaded image:
// busybox:latest", or "Loaded image ID: sha256:…" for an unnamed one).
func (s *Store) Load(ctx context.Context, r io.Reader) ([]string, error) {
	il, err := s.ingestLock()
	if err != nil {
		return nil, err
	}
	defer il.unlock()
	tmp, err := os.MkdirTemp(filepath.Join(s.dir, "tmp"), "load-*")
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	defer os.RemoveAll(tmp)
	spool := filepath.Join(tmp, "archive.tar")
	files, err := spoolArchive(ctx, r, spool)
	if err != nil {
		return nil, err
	}
	type named struct {
		img   v1.Image
		names []string
	}
	var imgs []named
	switch {
	case files["manifest.json"]:
		mf, err := tarball.LoadManifest(fileOpener(spool))
		if err != nil {
			return nil, fmt.Errorf("loading: reading manifest.json: %w: %w", err, ErrBadArchive)
		}
		for i, d := range mf {
			for _, l := range append([]string{d.Config}, d.Layers...) {
				if !files[path.Clean(l)] {
					return nil, fmt.Errorf("loading: manifest.json names %s, which the archive lacks: %w", l, ErrMissingBlob)
				}
			}
			img, err := tarball.Image(fileOpener(spool), nil)
			if len(mf) > 1 {
				img, err = tarballImageAt(spool, mf, i)
			}
			if err != nil {
				return nil, fmt.Errorf("loading image %d of the archive: %w", i+1, err)
			}
			imgs = append(imgs, named{img, d.RepoTags})
		}
	case files["oci-layout"] && files["index.json"]:
		dir := filepath.Join(tmp, "oci")
		if err := extractLayout(spool, dir); err != nil {
			return nil, err
		}
		p, err := layout.FromPath(dir)
		if err != nil {
			return nil, fmt.Errorf("loading: %w: %w", err, ErrBadArchive)
		}
		idx, err := p.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("loading: reading index.json: %w: %w", err, ErrBadArchive)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("loading: reading index.json: %w: %w", err, ErrBadArchive)
		}
		for _, d := range im.Manifests {
			img, err := pickImage(idx, d)
			if err != nil {
				return nil, err
			}
			var names []string
			if n := ociName(d.Annotations); n != "" {
				names = append(names, n)
			}
			imgs = append(imgs, named{img, names})
		}
	default:
		return nil, fmt.Errorf("loading: the archive has neither manifest.json nor oci-layout (not an image archive, or cut short): %w", ErrBadArchive)
	}
	if len(imgs) == 0 {
		return nil, fmt.Errorf("loading: the archive holds no image: %w", ErrBadArchive)
	}
	// Blobs first for every image, names only when all are stored, in one
	// replacement of the index.
	sts := make([]staged, len(imgs))
	for i, n := range imgs {
		full, err := normalizeAll(n.names)
		if err != nil {
			return nil, fmt.Errorf("loading: %w", err)
		}
		if sts[i], err = s.ingest(ctx, n.img, nil); err != nil {
			return nil, fmt.Errorf("loading: %w", err)
		}
		sts[i].names = full
	}
	if err := s.commit(ctx, sts...); err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	var lines []string
	for _, st := range sts {
		if len(st.names) == 0 {
			lines = append(lines, "Loaded image ID: "+st.id.String())
		}
		for _, n := range st.names {
			lines = append(lines, "Loaded image: "+FamiliarName(n))
		}
	}
	return lines, nil
}

// ociName reads an image's name from an OCI index entry: containerd's
// io.containerd.image.name, or a ref.name that is a whole reference. A bare
// tag ("latest", as skopeo writes) is not a name berth can use alone.
func ociName(ann map[string]string) string {
	if n := ann["io.containerd.image.name"]; n != "" {
		return n
	}
	n := ann[AnnotationRefName]
	if n == "" || !strings.ContainsAny(n, "/:") {
		return ""
	}
	if _, err := name.ParseReference(n); err != nil {
		return ""
	}
	return n
}

// pickImage returns the image an index entry names, choosing this
// machine's platform from a nested index.
func pickImage(idx v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	switch d.MediaType {
	case types.OCIManifestSchema1, types.DockerManifestSchema2:
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("loading manifest %s: %w", d.Digest, err)
		}
		return img, nil
	case types.OCIImageIndex, types.DockerManifestList:
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("loading index %s: %w", d.Digest, err)
		}
		cm, err := child.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("loading index %s: %w", d.Digest, err)
		}
		for _, c := range cm.Manifests {
			if c.Platform == nil || (c.Platform.OS == "linux" && c.Platform.Architecture == runtime.GOARCH) {
				return pickImage(child, c)
			}
		}
		return nil, fmt.Errorf("loading index %s: no image for linux/%s", d.Digest, runtime.GOARCH)
	}
	return nil, fmt.Errorf("loading manifest %s of type %q: %w", d.Digest, d.MediaType, ErrMediaType)
}

// spoolArchive copies the archive to path, reading every entry so that a
// corrupt or truncated archive fails here, and returns the names of its
// regular files.
func spoolArchive(ctx context.Context, r io.Reader, p string) (map[string]bool, error) {
	f, err := os.Create(p)
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(io.TeeReader(r, f))
	files := map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("loading: reading the archive after %d entries: %w: %w", len(files), err, ErrBadArchive)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return nil, fmt.Errorf("loading: reading %s from the archive: %w: %w", hdr.Name, err, ErrBadArchive)
		}
		if hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeSymlink {
			files[path.Clean(hdr.Name)] = true
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("loading: the archive is empty: %w", ErrBadArchive)
	}
	return files, nil
}

// extractLayout writes an OCI archive's index, layout marker and blobs into
// dir; every other entry, and any name that is not a plain blob path, is
// left out.
func extractLayout(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("loading: %w: %w", err, ErrBadArchive)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		n := path.Clean(hdr.Name)
		ok := n == "index.json" || n == "oci-layout"
		if d, hexName, found := strings.Cut(strings.TrimPrefix(n, "blobs/"), "/"); strings.HasPrefix(n, "blobs/") && found && d == "sha256" && len(hexName) == 64 && !strings.ContainsAny(hexName, "/.") {
			ok = true
		}
		if !ok {
			continue
		}
		out, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(n)), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("loading: %w", err)
		}
		_, err = io.Copy(out, tr)
		out.Close()
		if err != nil {
			return fmt.Errorf("loading: %w", err)
		}
	}
}

func fileOpener(p string) tarball.Opener {
	return func() (io.ReadCloser, error) { return os.Open(p) }
}

// tarballImageAt opens the i-th image of a docker archive holding several;
// tarball.Image tells them apart by tag.
func tarballImageAt(spool string, mf tarball.Manifest, i int) (v1.Image, error) {
	if len(mf[i].RepoTags) == 0 {
		return nil, fmt.Errorf("image with config %s has no tag among several in the archive: %w", mf[i].Config, ErrBadArchive)
	}
	tag, err := name.NewTag(mf[i].RepoTags[0])
	if err != nil {
		return nil, fmt.Errorf("tag %q: %w", mf[i].RepoTags[0], err)
	}
	return tarball.Image(fileOpener(spool), &tag)
}

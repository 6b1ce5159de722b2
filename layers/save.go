package layers

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Archive formats Save writes.
const (
	FormatDockerArchive = "docker-archive"
	FormatOCIArchive    = "oci-archive"
)

// Save writes images to w as one archive: a docker-save tarball
// ("docker-archive", what docker load and podman load read) or an OCI image
// layout in a tar ("oci-archive"). Layers go out as they are stored, so
// their digests are the same. A name is saved under its name; an ID or
// digest unnamed.
func (s *Store) Save(ctx context.Context, w io.Writer, format string, refs ...string) error {
	if len(refs) == 0 {
		return fmt.Errorf("saving: no image named")
	}
	type entry struct {
		img  v1.Image
		desc v1.Descriptor
		name string
	}
	var entries []entry
	err := s.view(func(idx *v1.IndexManifest) error {
		for _, r := range refs {
			d, err := s.resolve(idx, r)
			if err != nil {
				return err
			}
			img, err := s.image(d)
			if err != nil {
				return err
			}
			e := entry{img: img, desc: d}
			if f, err := NormalizeName(r); err == nil && d.Annotations[AnnotationRefName] == f {
				e.name = f
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch format {
	case FormatDockerArchive, "":
		refToImage := map[name.Reference]v1.Image{}
		for _, e := range entries {
			var ref name.Reference
			if e.name != "" && !strings.Contains(e.name, "@") {
				ref, err = name.NewTag(e.name)
			} else {
				ref, err = name.NewDigest("berth.invalid/unnamed@" + e.desc.Digest.String())
			}
			if err != nil {
				return fmt.Errorf("saving %s: %w", e.name, err)
			}
			refToImage[ref] = e.img
		}
		if err := tarball.MultiRefWrite(refToImage, w); err != nil {
			return fmt.Errorf("saving: %w", err)
		}
		return nil
	case FormatOCIArchive:
		tw := tar.NewWriter(w)
		idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
		written := map[v1.Hash]bool{}
		if err := tarBytes(tw, "oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
			return err
		}
		if err := tarDir(tw, "blobs/"); err != nil {
			return err
		}
		if err := tarDir(tw, "blobs/sha256/"); err != nil {
			return err
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			for _, h := range blobsOf(e.img) {
				if written[h] {
					continue
				}
				written[h] = true
				if err := s.tarBlob(tw, h); err != nil {
					return err
				}
			}
			d := v1.Descriptor{MediaType: e.desc.MediaType, Digest: e.desc.Digest, Size: e.desc.Size}
			if e.name != "" {
				d.Annotations = map[string]string{AnnotationRefName: e.name, "io.containerd.image.name": e.name}
			}
			idx.Manifests = append(idx.Manifests, d)
		}
		b, err := json.Marshal(idx)
		if err != nil {
			return err
		}
		if err := tarBytes(tw, "index.json", b); err != nil {
			return err
		}
		if err := tw.Close(); err != nil {
			return fmt.Errorf("saving: %w", err)
		}
		return nil
	}
	return fmt.Errorf("saving: unknown format %q (docker-archive or oci-archive)", format)
}

func (s *Store) tarBlob(tw *tar.Writer, h v1.Hash) error {
	f, err := os.Open(s.blobPath(h))
	if err != nil {
		return fmt.Errorf("saving blob %s: %w", h, ErrMissingBlob)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: "blobs/sha256/" + h.Hex, Mode: 0o644, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("saving: %w", err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("saving blob %s: %w", h, err)
	}
	return nil
}

func tarBytes(tw *tar.Writer, n string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("saving: %w", err)
	}
	_, err := tw.Write(b)
	return err
}

func tarDir(tw *tar.Writer, n string) error {
	return tw.WriteHeader(&tar.Header{Name: n, Mode: 0o755, Typeflag: tar.TypeDir})
}

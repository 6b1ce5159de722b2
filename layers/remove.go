package layers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Tag gives the image src names the name dst, taking dst from any image that
// had it.
func (s *Store) Tag(ctx context.Context, src, dst string) error {
	return s.update(ctx, func(idx *v1.IndexManifest) error {
		d, err := s.resolve(idx, src)
		if err != nil {
			return err
		}
		full, err := NormalizeName(dst)
		if err != nil {
			return err
		}
		id, err := s.imageID(d)
		if err != nil {
			return err
		}
		desc := v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size,
			Annotations: map[string]string{annotationID: id.String()}}
		nameImage(idx, desc, []string{full})
		return nil
	})
}

// Remove removes a name or an image, as `docker rmi` does. A name of an
// image with other names is only untagged; an image's last name, its ID or
// its digest deletes the image, which needs force when it has several names
// or a container uses it (InUse). It returns docker's lines: "Untagged: …"
// and "Deleted: sha256:…".
func (s *Store) Remove(ctx context.Context, ref string, force bool) ([]string, error) {
	var lines []string
	err := s.update(ctx, func(idx *v1.IndexManifest) error {
		d, err := s.resolve(idx, ref)
		if err != nil {
			return err
		}
		id, err := s.imageID(d)
		if err != nil {
			return err
		}
		var names []string
		for _, e := range idx.Manifests {
			if e.Digest == d.Digest && e.Annotations[AnnotationRefName] != "" {
				names = append(names, e.Annotations[AnnotationRefName])
			}
		}
		byName := false
		if full, err := NormalizeName(ref); err == nil && d.Annotations[AnnotationRefName] == full {
			byName = true
		}
		if byName && len(names) > 1 {
			untag(idx, full(ref))
			lines = append(lines, "Untagged: "+FamiliarName(full(ref)))
			return nil
		}
		if !byName && len(names) > 1 && !force {
			return fmt.Errorf("conflict: unable to delete %s (must be forced): %w", short(id), ErrConflict)
		}
		if !force && s.InUse != nil {
			inUse, err := s.InUse(id)
			if err != nil {
				return err
			}
			if inUse {
				return fmt.Errorf("conflict: unable to remove image %s (%s): %w", ref, short(id), ErrInUse)
			}
		}
		kept := idx.Manifests[:0]
		for _, e := range idx.Manifests {
			if e.Digest != d.Digest {
				kept = append(kept, e)
			}
		}
		idx.Manifests = kept
		for _, n := range names {
			lines = append(lines, "Untagged: "+FamiliarName(n))
		}
		lines = append(lines, "Deleted: "+id.String())
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Blobs go now if no writer is busy; otherwise the next GC takes them.
	if _, err := s.gc(ctx, false); err != nil {
		return lines, err
	}
	return lines, nil
}

func full(ref string) string {
	f, _ := NormalizeName(ref)
	return f
}

func short(h v1.Hash) string {
	if len(h.Hex) < 12 {
		return h.Hex
	}
	return h.Hex[:12]
}

// Prune removes dangling images, or with all every image, that no container
// uses, then collects the blobs they leave. It returns docker's lines and
// the bytes reclaimed.
func (s *Store) Prune(ctx context.Context, all bool) ([]string, int64, error) {
	imgs, err := s.List(ctx)
	if err != nil {
		return nil, 0, err
	}
	var lines []string
	for _, im := range imgs {
		if !all && !im.Dangling {
			continue
		}
		if s.InUse != nil {
			inUse, err := s.InUse(im.ID)
			if err != nil {
				return lines, 0, err
			}
			if inUse {
				continue
			}
		}
		out, err := s.Remove(ctx, im.Digest.String(), true)
		if err != nil {
			return lines, 0, err
		}
		lines = append(lines, out...)
	}
	n, err := s.GC(ctx)
	return lines, n, err
}

// GC deletes the blobs no image in the index references, and what is left in
// images/tmp, and returns the bytes reclaimed. It waits for writers to finish.
func (s *Store) GC(ctx context.Context) (int64, error) {
	return s.gc(ctx, true)
}

func (s *Store) gc(ctx context.Context, wait bool) (int64, error) {
	var il *fileLock
	if wait {
		var err error
		if il, err = lockFile(filepath.Join(s.dir, ".ingest.lock"), true); err != nil {
			return 0, err
		}
	} else {
		var ok bool
		var err error
		if il, ok, err = tryLockFile(filepath.Join(s.dir, ".ingest.lock")); err != nil || !ok {
			return 0, err
		}
	}
	defer il.unlock()
	var reclaimed int64
	err := s.update(ctx, func(idx *v1.IndexManifest) error {
		keep := map[string]bool{}
		for _, d := range idx.Manifests {
			img, err := s.image(d)
			if err != nil {
				return fmt.Errorf("collecting garbage: image %s: %w", d.Digest, err)
			}
			for _, h := range blobsOf(img) {
				keep[h.Hex] = true
			}
		}
		dir := filepath.Join(s.dir, "blobs", "sha256")
		ents, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if keep[e.Name()] {
				continue
			}
			if info, err := e.Info(); err == nil {
				reclaimed += info.Size()
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("collecting garbage: %w", err)
			}
		}
		tmps, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
		for _, e := range tmps {
			os.RemoveAll(filepath.Join(s.dir, "tmp", e.Name()))
		}
		return nil
	})
	return reclaimed, err
}

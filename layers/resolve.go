package layers

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Image returns the image a reference names: a name ("busybox",
// "localhost:5000/app:v1", "repo@sha256:…"), a manifest digest or image ID
// ("sha256:…"), or a unique prefix of an image ID. An unknown reference is
// an error wrapping ErrNotFound.
func (s *Store) Image(ctx context.Context, ref string) (v1.Image, error) {
	var desc v1.Descriptor
	err := s.view(func(idx *v1.IndexManifest) error {
		var err error
		desc, err = s.resolve(idx, ref)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.image(desc)
}

// imageID returns the image ID (config digest) of an index entry.
func (s *Store) imageID(d v1.Descriptor) (v1.Hash, error) {
	if id, ok := d.Annotations[annotationID]; ok {
		if h, err := v1.NewHash(id); err == nil {
			return h, nil
		}
	}
	f, err := os.Open(s.blobPath(d.Digest))
	if err != nil {
		return v1.Hash{}, fmt.Errorf("reading manifest %s: %w", d.Digest, ErrMissingBlob)
	}
	defer f.Close()
	m, err := v1.ParseManifest(f)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("parsing manifest %s: %w", d.Digest, err)
	}
	return m.Config.Digest, nil
}

// resolve finds the index entry a reference names; the caller holds a lock.
func (s *Store) resolve(idx *v1.IndexManifest, ref string) (v1.Descriptor, error) {
	if full, err := NormalizeName(ref); err == nil {
		for _, d := range idx.Manifests {
			if d.Annotations[AnnotationRefName] == full {
				return d, nil
			}
		}
		// repo@sha256:… finds an image by manifest digest under any name of repo.
		if i := strings.Index(full, "@"); i >= 0 {
			if h, err := v1.NewHash(full[i+1:]); err == nil {
				for _, d := range idx.Manifests {
					if d.Digest == h {
						return d, nil
					}
				}
			}
		}
	}
	prefix := strings.TrimPrefix(ref, "sha256:")
	if _, err := hex.DecodeString(padEven(prefix)); err != nil || prefix == "" || prefix != strings.ToLower(prefix) {
		return v1.Descriptor{}, fmt.Errorf("image %s: %w", ref, ErrNotFound)
	}
	full := len(prefix) == 64
	var found *v1.Descriptor
	for i, d := range idx.Manifests {
		if full && d.Digest.Hex == prefix {
			return d, nil
		}
		id, err := s.imageID(d)
		if err != nil {
			continue
		}
		if strings.HasPrefix(id.Hex, prefix) {
			if found != nil && found.Digest != d.Digest {
				return v1.Descriptor{}, fmt.Errorf("image %s: %w", ref, ErrAmbiguous)
			}
			if found == nil {
				found = &idx.Manifests[i]
			}
		}
	}
	if found == nil {
		return v1.Descriptor{}, fmt.Errorf("image %s: %w", ref, ErrNotFound)
	}
	return *found, nil
}

func padEven(s string) string {
	if len(s)%2 == 1 {
		return s + "0"
	}
	return s
}

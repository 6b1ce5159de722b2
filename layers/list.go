package layers

import (
	"context"
	"errors"
	"os"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ImageSummary is one image as `berth images` lists it.
type ImageSummary struct {
	// ID is the image ID, the digest of its config.
	ID v1.Hash
	// Names are its full names ("docker.io/library/busybox:latest").
	Names []string
	// Digest is the digest of its manifest.
	Digest v1.Hash
	// Created is when the image was made, from its config.
	Created time.Time
	// Size is the bytes of its content: manifest, config and layer blobs.
	Size int64
	// Layers is the number of its layers.
	Layers int
	// Dangling is true for an image with no name.
	Dangling bool
}

// List returns every image in the store, newest first.
func (s *Store) List(ctx context.Context) ([]ImageSummary, error) {
	var descs []v1.Descriptor
	if err := s.view(func(idx *v1.IndexManifest) error {
		descs = idx.Manifests
		return nil
	}); err != nil {
		return nil, err
	}
	byDigest := map[v1.Hash]*ImageSummary{}
	var out []*ImageSummary
	for _, d := range descs {
		sum := byDigest[d.Digest]
		if sum == nil {
			img, err := s.image(d)
			if errors.Is(err, ErrMissingBlob) {
				continue // removed since the index was read
			}
			if err != nil {
				return nil, err
			}
			sum = &ImageSummary{Digest: d.Digest, Dangling: true}
			if err := summarise(img, sum); errors.Is(err, ErrMissingBlob) {
				continue
			} else if err != nil {
				return nil, err
			}
			byDigest[d.Digest] = sum
			out = append(out, sum)
		}
		if n := d.Annotations[AnnotationRefName]; n != "" {
			sum.Names = append(sum.Names, n)
			sum.Dangling = false
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	res := make([]ImageSummary, len(out))
	for i, s := range out {
		sort.Strings(s.Names)
		res[i] = *s
	}
	return res, nil
}

func summarise(img v1.Image, sum *ImageSummary) error {
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	sum.ID = m.Config.Digest
	sum.Created = cfg.Created.Time
	sum.Layers = len(m.Layers)
	raw, _ := img.RawManifest()
	sum.Size = int64(len(raw)) + m.Config.Size
	for _, l := range m.Layers {
		sum.Size += l.Size
	}
	return nil
}

// DiskUsage is what `system df` reports of the images.
type DiskUsage struct {
	// Images and Active count images, and those a container uses.
	Images, Active int
	// Size is the bytes of all blobs; Reclaimable those used by no
	// container's image.
	Size, Reclaimable int64
}

// DiskUsage sums the store's blobs and what removing unused images would free.
func (s *Store) DiskUsage(ctx context.Context) (DiskUsage, error) {
	var du DiskUsage
	imgs, err := s.List(ctx)
	if err != nil {
		return du, err
	}
	used := map[v1.Hash]bool{}
	for _, im := range imgs {
		du.Images++
		if s.InUse == nil {
			continue
		}
		inUse, err := s.InUse(im.ID)
		if err != nil {
			return du, err
		}
		if inUse {
			du.Active++
			img, err := s.Image(ctx, im.Digest.String())
			if err != nil {
				return du, err
			}
			for _, h := range blobsOf(img) {
				used[h] = true
			}
		}
	}
	ents, err := os.ReadDir(s.blobPath(v1.Hash{Algorithm: "sha256"}))
	if err != nil {
		return du, err
	}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			continue
		}
		du.Size += info.Size()
		if !used[v1.Hash{Algorithm: "sha256", Hex: e.Name()}] {
			du.Reclaimable += info.Size()
		}
	}
	return du, nil
}

// blobsOf lists the digests of an image's manifest, config and layers.
func blobsOf(img v1.Image) []v1.Hash {
	var hs []v1.Hash
	if d, err := img.Digest(); err == nil {
		hs = append(hs, d)
	}
	if m, err := img.Manifest(); err == nil {
		hs = append(hs, m.Config.Digest)
		for _, l := range m.Layers {
			hs = append(hs, l.Digest)
		}
	}
	return hs
}

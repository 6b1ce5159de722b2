package cli

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/layers"
)

// collectSnapshots removes the unpacked layers no image and no container
// needs any more (those of removed images, of build steps, of cut-short
// unpacks) and returns the bytes freed. It is housekeeping after a removal:
// when anything cannot be read, it removes nothing.
func collectSnapshots(ctx context.Context, opts *Options) int64 {
	e, err := engine.Open(opts.Root)
	if err != nil {
		return 0
	}
	recs, err := e.Containers.List()
	if err != nil {
		return 0
	}
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	s, err := layers.Open(opts.Root)
	if err != nil {
		return 0
	}
	sums, err := s.List(ctx)
	if err != nil {
		return 0
	}
	imgs := make([]v1.Image, 0, len(sums))
	for _, sum := range sums {
		img, err := s.Image(ctx, sum.ID.String())
		if err != nil {
			return 0
		}
		imgs = append(imgs, img)
	}
	ss, err := engine.NewSnapshotStore(opts.Root)
	if err != nil {
		return 0
	}
	_, freed, _ := ss.Collect(ctx, imgs, ids)
	return freed
}

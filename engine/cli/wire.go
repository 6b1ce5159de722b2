package cli

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/layers"
)

// wireEngine fills in the parts of the engine that live in other packages:
// the image store, the snapshotter, the supervisors and the runtime.
func wireEngine(ctx context.Context, e *engine.Engine, opts *Options) error {
	store, err := layers.Open(opts.Root)
	if err != nil {
		return err
	}
	store.InUse = func(id v1.Hash) (bool, error) { return e.ImageInUse(id) }
	e.Images = store
	snaps, err := engine.NewSnapshotStore(opts.Root)
	if err != nil {
		return err
	}
	e.Snapshots = snaps
	e.Supervise = func(ctx context.Context, id string, waitAttach bool) error {
		return engine.SpawnSupervisor(ctx, opts.Root, id, waitAttach)
	}
	nw, err := engine.NewNetworker(opts.Root, e.Containers)
	if err != nil {
		return err
	}
	e.Release = engine.ReleaseRuntime(opts.Root, nw)
	return nil
}

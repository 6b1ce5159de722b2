package cli

import (
	"context"

	"github.com/berth-dev/berth/engine"
)

// wireEngine fills in the parts of the engine that live in other packages:
// the image store, the snapshotter, the runtime behind the supervisors, and
// the network.
func wireEngine(ctx context.Context, e *engine.Engine, opts *Options) error {
	return nil
}

package cli

import (
	"context"
	"errors"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/volume"
)

// openEngine opens the engine under the root the flags name and reconciles
// it: containers whose supervisor died while nobody watched are marked exited.
func openEngine(ctx context.Context, opts *Options) (*engine.Engine, error) {
	e, err := engine.Open(opts.Root)
	if err != nil {
		return nil, err
	}
	if err := wireEngine(ctx, e, opts); err != nil {
		return nil, err
	}
	if err := e.Reconcile(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// notFound turns the engine's "no such ..." errors into docker's exit code 1
// for verbs that name existing objects (docker gives 1 there, 125 for run).
func notFound(err error) error {
	if errors.Is(err, container.ErrNotFound) || errors.Is(err, volume.ErrNotFound) {
		return &ExitError{Code: 1, Err: err}
	}
	return err
}

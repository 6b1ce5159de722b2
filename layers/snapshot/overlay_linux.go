package snapshot

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/layers/archive"
)

// overlay keeps each layer as an overlayfs lower directory and mounts an
// active snapshot as an overlay of its chain.
type overlay struct{ s *store }

var _ Snapshotter = (*overlay)(nil)

// NewOverlay returns the overlay snapshotter keeping its snapshots in dir.
func NewOverlay(dir string) (Snapshotter, error) {
	s, err := newStore(dir)
	if err != nil {
		return nil, err
	}
	return &overlay{s: s}, nil
}

func (o *overlay) Name() string { return "overlay" }

func (o *overlay) Prepare(ctx context.Context, key, parent string) ([]Mount, error) {
	_, err := o.s.create(key, parent, func(dir string) error {
		for _, d := range []string{"fs", "work"} {
			if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return o.Mounts(ctx, key)
}

func (o *overlay) Mounts(ctx context.Context, key string) ([]Mount, error) {
	in, err := o.s.stat(key)
	if err != nil {
		return nil, err
	}
	dir := o.s.path(key)
	if in.Kind == Committed {
		return []Mount{{Type: "bind", Source: filepath.Join(dir, "fs"), Options: []string{"rbind", "ro"}}}, nil
	}
	lowers, err := o.s.chain(in.Parent)
	if err != nil {
		return nil, err
	}
	if len(lowers) == 0 {
		return []Mount{{Type: "bind", Source: filepath.Join(dir, "fs"), Options: []string{"rbind", "rw"}}}, nil
	}
	opts := []string{
		"lowerdir=" + strings.Join(lowers, ":"),
		"upperdir=" + filepath.Join(dir, "fs"),
		"workdir=" + filepath.Join(dir, "work"),
		"index=off",
	}
	return []Mount{{Type: "overlay", Source: "overlay", Options: opts}}, nil
}

// Apply unpacks a layer into the active snapshot's upper directory, keeping
// whiteouts in overlay form, so the committed result is a lower directory.
func (o *overlay) Apply(ctx context.Context, key string, layer io.Reader) error {
	in, err := o.s.stat(key)
	if err != nil {
		return err
	}
	if in.Kind != Active {
		return fmt.Errorf("%w: %s is committed", ErrWrongKind, key)
	}
	_, err = archive.Unpack(ctx, layer, filepath.Join(o.s.path(key), "fs"), archive.Options{Whiteouts: archive.OverlayWhiteouts})
	return err
}

func (o *overlay) Commit(ctx context.Context, name, key string) error {
	return o.s.commit(name, key, func(dir string) error { return os.RemoveAll(filepath.Join(dir, "work")) })
}

func (o *overlay) Diff(ctx context.Context, key string, w io.Writer) error {
	in, err := o.s.stat(key)
	if err != nil {
		return err
	}
	if in.Kind != Active {
		return fmt.Errorf("%w: %s is committed", ErrWrongKind, key)
	}
	return archive.DiffOverlay(ctx, w, filepath.Join(o.s.path(key), "fs"))
}

func (o *overlay) Stat(ctx context.Context, key string) (Info, error) { return o.s.stat(key) }

func (o *overlay) Walk(ctx context.Context, fn func(Info) error) error { return o.s.walk(ctx, fn) }

func (o *overlay) Remove(ctx context.Context, key string) error { return o.s.remove(ctx, key) }

func (o *overlay) Discard(ctx context.Context, key string) (func() error, error) {
	return o.s.discard(ctx, key)
}

func (o *overlay) Usage(ctx context.Context, key string) (int64, error) { return o.s.usage(key) }

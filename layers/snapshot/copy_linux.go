package snapshot

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/layers/archive"
)

// copier keeps every snapshot as a whole tree: an active snapshot starts as
// a copy of its parent. It needs nothing of the kernel beyond a filesystem,
// so it serves where overlayfs cannot be mounted.
type copier struct{ s *store }

var _ Snapshotter = (*copier)(nil)

// NewCopy returns the copy snapshotter keeping its snapshots in dir.
func NewCopy(dir string) (Snapshotter, error) {
	s, err := newStore(dir)
	if err != nil {
		return nil, err
	}
	return &copier{s: s}, nil
}

func (c *copier) Name() string { return "copy" }

func (c *copier) Prepare(ctx context.Context, key, parent string) ([]Mount, error) {
	_, err := c.s.create(key, parent, func(dir string) error {
		fs := filepath.Join(dir, "fs")
		if err := os.Mkdir(fs, 0o755); err != nil {
			return err
		}
		if parent == "" {
			return nil
		}
		return copyTree(ctx, filepath.Join(c.s.path(parent), "fs"), fs)
	})
	if err != nil {
		return nil, err
	}
	return c.Mounts(ctx, key)
}

func (c *copier) Mounts(ctx context.Context, key string) ([]Mount, error) {
	in, err := c.s.stat(key)
	if err != nil {
		return nil, err
	}
	mode := "rw"
	if in.Kind == Committed {
		mode = "ro"
	}
	return []Mount{{Type: "bind", Source: filepath.Join(c.s.path(key), "fs"), Options: []string{"rbind", mode}}}, nil
}

// Apply unpacks a layer onto the active snapshot's whole tree, applying its
// whiteouts.
func (c *copier) Apply(ctx context.Context, key string, layer io.Reader) error {
	in, err := c.s.stat(key)
	if err != nil {
		return err
	}
	if in.Kind != Active {
		return fmt.Errorf("%w: %s is committed", ErrWrongKind, key)
	}
	_, err = archive.Unpack(ctx, layer, filepath.Join(c.s.path(key), "fs"), archive.Options{})
	return err
}

func (c *copier) Commit(ctx context.Context, name, key string) error {
	return c.s.commit(name, key, nil)
}

// Diff compares the active tree with its parent's.
func (c *copier) Diff(ctx context.Context, key string, w io.Writer) error {
	in, err := c.s.stat(key)
	if err != nil {
		return err
	}
	if in.Kind != Active {
		return fmt.Errorf("%w: %s is committed", ErrWrongKind, key)
	}
	base := filepath.Join(c.s.dir, ".empty")
	if in.Parent != "" {
		base = filepath.Join(c.s.path(in.Parent), "fs")
	} else if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	return archive.DiffDirs(ctx, w, base, filepath.Join(c.s.path(key), "fs"))
}

func (c *copier) Stat(ctx context.Context, key string) (Info, error) { return c.s.stat(key) }

func (c *copier) Walk(ctx context.Context, fn func(Info) error) error { return c.s.walk(ctx, fn) }

func (c *copier) Remove(ctx context.Context, key string) error { return c.s.remove(ctx, key) }

func (c *copier) Discard(ctx context.Context, key string) (func() error, error) {
	return c.s.discard(ctx, key)
}

// copyTree copies src into the existing directory dst with everything a
// layer holds (owners, modes, times, links, devices, attributes), by writing
// src as a layer and unpacking it.
func copyTree(ctx context.Context, src, dst string) error {
	empty, err := os.MkdirTemp(filepath.Dir(dst), ".empty-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(empty)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(archive.DiffDirs(ctx, pw, empty, src)) }()
	_, err = archive.Unpack(ctx, pr, dst, archive.Options{})
	pr.CloseWithError(err)
	return err
}

func (c *copier) Usage(ctx context.Context, key string) (int64, error) { return c.s.usage(key) }

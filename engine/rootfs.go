package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/layers/snapshot"
)

// SnapshotStore gives containers their root filesystems from a snapshotter:
// an image's layers unpacked once each, and an active snapshot per
// container on top of them.
type SnapshotStore struct {
	SN      snapshot.Snapshotter
	LockDir string
}

var _ Snapshots = (*SnapshotStore)(nil)

// NewSnapshotStore opens the snapshotter under the berth root (overlay where
// it can be mounted, copy otherwise).
func NewSnapshotStore(root string) (*SnapshotStore, error) {
	sn, err := snapshot.New(root)
	if err != nil {
		return nil, err
	}
	return &SnapshotStore{SN: sn, LockDir: filepath.Join(root, "snapshots", "locks")}, nil
}

// Create unpacks the image's layers that are missing and makes the
// container's own snapshot on top of them.
func (s *SnapshotStore) Create(ctx context.Context, key string, img v1.Image) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("reading image layers: %w", err)
	}
	top, err := snapshot.Unpack(ctx, s.SN, s.LockDir, layers)
	if err != nil {
		return err
	}
	_, err = s.SN.Prepare(ctx, key, top)
	return err
}

// Remove deletes the container's snapshot; one already gone is no error.
func (s *SnapshotStore) Remove(ctx context.Context, key string) error {
	err := s.SN.Remove(ctx, key)
	if errors.Is(err, snapshot.ErrNotFound) {
		return nil
	}
	return err
}

// Discard removes the container's snapshot and returns purge, which
// deletes its files; one already gone is no error.
func (s *SnapshotStore) Discard(ctx context.Context, key string) (purge func() error, err error) {
	purge, err = s.SN.Discard(ctx, key)
	if errors.Is(err, snapshot.ErrNotFound) {
		return func() error { return nil }, nil
	}
	return purge, err
}

// Mount mounts the container's snapshot at target.
func (s *SnapshotStore) Mount(ctx context.Context, key, target string) error {
	mounts, err := s.SN.Mounts(ctx, key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	return snapshot.MountAll(mounts, target)
}

// Diff writes the container's changes as a layer tar.
func (s *SnapshotStore) Diff(ctx context.Context, key string, w io.Writer) error {
	return s.SN.Diff(ctx, key, w)
}

// Usage is the bytes the container's own snapshot holds.
func (s *SnapshotStore) Usage(ctx context.Context, key string) (int64, error) {
	return s.SN.Usage(ctx, key)
}

// Collect removes the snapshots no image and no container needs: the
// layers of images since removed, the leftovers of cut-short unpacks and
// build steps. images are every image in the store, containers every
// container's ID.
func (s *SnapshotStore) Collect(ctx context.Context, images []v1.Image, containers []string) ([]string, int64, error) {
	keep := map[string]bool{}
	for _, id := range containers {
		keep[id] = true
	}
	for _, img := range images {
		cf, err := img.ConfigFile()
		if err != nil {
			// An image that cannot be read keeps everything: better a
			// layer too many than one taken from under it.
			return nil, 0, fmt.Errorf("reading an image's config: %w", err)
		}
		if chain := snapshot.ChainIDs(cf.RootFS.DiffIDs); len(chain) > 0 {
			keep[chain[len(chain)-1].String()] = true
		}
	}
	return snapshot.Collect(ctx, s.SN, keep)
}

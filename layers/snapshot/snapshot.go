// Package snapshot gives containers their root filesystems: each image
// layer is unpacked once, as a committed snapshot named by its chain ID and
// shared by every image that has it, and a container gets an active snapshot
// on top of its image's chain, writable and its own.
//
// # Snapshotters
//
// A Snapshotter keeps snapshots in a directory of its own. The overlay
// snapshotter keeps each layer as an overlayfs lower directory (whiteouts as
// 0/0 character devices, opaque directories marked with an attribute), and
// mounts an active snapshot as an overlay of its chain with its own upper and
// work directories. The copy snapshotter, used where overlayfs cannot be
// mounted, keeps each committed snapshot as a whole tree and copies it for
// an active one. Both pass the same conformance suite (package snapshottest).
//
// # Lifecycle
//
//	mounts, _ := sn.Prepare(ctx, "container-id", chainID) // active, on top of a committed chain
//	snapshot.MountAll(mounts, rootfs)                     // the container's /
//	...
//	snapshot.UnmountAll(rootfs)
//	sn.Diff(ctx, "container-id", w)                       // its changes, as a layer (commit, build)
//	sn.Remove(ctx, "container-id")
//
// Unpack(ctx, sn, layers) makes the committed chain an image needs, one layer
// at a time, skipping layers already there.
package snapshot

import (
	"context"
	"errors"
	"io"
	"time"
)

// Kind tells committed snapshots (read-only layers) from active ones.
type Kind string

// The kinds of snapshot.
const (
	Committed Kind = "committed"
	Active    Kind = "active"
)

// Info describes a snapshot.
type Info struct {
	Key     string    `json:"key"`
	Parent  string    `json:"parent,omitempty"`
	Kind    Kind      `json:"kind"`
	Created time.Time `json:"created"`
}

// Snapshotter makes and keeps snapshots.
type Snapshotter interface {
	// Prepare makes the active snapshot key on top of the committed
	// snapshot parent ("" for an empty one) and says how to mount it.
	Prepare(ctx context.Context, key, parent string) ([]Mount, error)
	// Mounts says how to mount the active snapshot key.
	Mounts(ctx context.Context, key string) ([]Mount, error)
	// Apply unpacks an uncompressed layer tar into the active snapshot key
	// (which must not be mounted), the way its kind of storage needs.
	Apply(ctx context.Context, key string, layer io.Reader) error
	// Commit turns the active snapshot key into the committed one name.
	Commit(ctx context.Context, name, key string) error
	// Diff writes the changes of the active snapshot key against its parent
	// as a layer tar.
	Diff(ctx context.Context, key string, w io.Writer) error
	// Stat describes a snapshot.
	Stat(ctx context.Context, key string) (Info, error)
	// Walk calls fn for every snapshot.
	Walk(ctx context.Context, fn func(Info) error) error
	// Remove deletes a snapshot; a committed one must have no children.
	Remove(ctx context.Context, key string) error
	// Discard removes a snapshot as Remove does, except for its files,
	// which purge deletes: a caller in a hurry purges after it answered.
	Discard(ctx context.Context, key string) (purge func() error, err error)
	// Usage is the bytes a snapshot holds of its own: for overlay an active
	// snapshot's upper directory, for copy its whole tree.
	Usage(ctx context.Context, key string) (int64, error)
	// Name is "overlay" or "copy".
	Name() string
}

var (
	// ErrNotFound is returned for a snapshot that does not exist.
	ErrNotFound = errors.New("snapshot not found")
	// ErrExists is returned when making a snapshot whose key is taken.
	ErrExists = errors.New("snapshot already exists")
	// ErrHasChildren is returned when removing a snapshot others stand on.
	ErrHasChildren = errors.New("snapshot has children")
	// ErrWrongKind is returned for an operation on the wrong kind of snapshot.
	ErrWrongKind = errors.New("wrong kind of snapshot")
)

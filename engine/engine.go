package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/runner"
	"github.com/berth-dev/berth/engine/volume"
)

// Images is what the engine needs of the image store (layers.Store).
type Images interface {
	Image(ctx context.Context, ref string) (v1.Image, error)
}

// Snapshots give each container its own writable root filesystem on top of
// its image's layers (layers/snapshot behind SnapshotStore).
type Snapshots interface {
	// Create makes the container's writable snapshot on the image's layers.
	Create(ctx context.Context, key string, img v1.Image) error
	// Remove deletes it, with everything the container wrote.
	Remove(ctx context.Context, key string) error
	// Discard removes it as Remove does and returns purge, which deletes
	// the files.
	Discard(ctx context.Context, key string) (purge func() error, err error)
	// Mount mounts the container's snapshot at target.
	Mount(ctx context.Context, key, target string) error
	// Diff writes the container's changes as a layer tar.
	Diff(ctx context.Context, key string, w io.Writer) error
}

// Engine is berth's container engine over one root directory. Any number of
// Engines, in any number of processes, may share a root.
type Engine struct {
	Root       string
	Images     Images
	Snapshots  Snapshots
	Containers *container.Store
	Volumes    *volume.Store
	Events     *events.Journal
	// Supervise starts the supervisor of a container; by default the berth
	// binary re-executed (see StartSupervisor).
	Supervise func(ctx context.Context, id string, waitAttach bool) error
	// Release frees what a container held when it stopped without its
	// supervisor cleaning up (its network lease and rules, its rootfs mount).
	Release func(ctx context.Context, rec *container.Record) error
}

// Paths under the root.
const (
	containersDir = "containers"
	volumesDir    = "volumes"
	eventsFile    = "events.log"
	// SeccompCache holds compiled seccomp filters (see seccomp.WarmFrom).
	SeccompCache = "cache/seccomp"
)

// Open opens the engine's own stores under root. The caller fills in the
// parts that live in other packages (Images, Snapshots, Supervise, Release).
func Open(root string) (*Engine, error) {
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("opening berth root %s: %w", root, err)
	}
	cs, err := container.Open(filepath.Join(root, containersDir))
	if err != nil {
		return nil, err
	}
	vs, err := volume.Open(filepath.Join(root, volumesDir))
	if err != nil {
		return nil, err
	}
	j, err := events.Open(filepath.Join(root, eventsFile))
	if err != nil {
		return nil, err
	}
	e := &Engine{Root: root, Containers: cs, Volumes: vs, Events: j}
	vs.InUse = e.volumeUsers
	return e, nil
}

// WarmCodecs builds the JSON codecs of what a container's start reads and
// writes (its record, its events, its config and runtime state), which
// encoding/json builds on their first use in a process.
func WarmCodecs() {
	_, _ = json.Marshal(&container.Record{})
	_, _ = json.Marshal(&events.Event{})
	runner.WarmCodecs()
}

// Made says whether an engine was opened under root before: whether
// opening one there makes nothing new.
func Made(root string) bool {
	_, err := os.Stat(filepath.Join(root, containersDir))
	return err == nil
}

// emit appends an event; a journal that cannot be written must not fail the
// operation it describes, so the error is dropped.
func (e *Engine) emit(typ, action, id string, attrs map[string]string) {
	e.Events.Append(events.Event{Type: typ, Action: action, ID: id, Attributes: attrs})
}

// volumeUsers lists the containers that mount the named volume.
func (e *Engine) volumeUsers(name string) ([]string, error) {
	recs, err := e.Containers.List()
	if err != nil {
		return nil, err
	}
	var users []string
	for _, r := range recs {
		for _, m := range r.Config.Mounts {
			if m.Type == "volume" && m.Source == name {
				users = append(users, r.ID)
			}
		}
	}
	return users, nil
}

// ErrNoRuntime is returned when starting a container in an engine that has
// no container runtime wired in.
var ErrNoRuntime = errors.New("this berth has no container runtime to start containers with")

// ErrRunning is returned when an operation needs a stopped container.
var ErrRunning = errors.New("container is running")

// ErrNotRunning is returned when an operation needs a running container.
var ErrNotRunning = errors.New("container is not running")

// ImageInUse reports whether any container was made from the image with
// this ID, so that the image store refuses to remove it.
func (e *Engine) ImageInUse(id v1.Hash) (bool, error) {
	recs, err := e.Containers.List()
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if r.ImageID == id.String() {
			return true, nil
		}
	}
	return false, nil
}

package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/runner/cgroups"
	"github.com/berth-dev/berth/engine/stats"
)

// CgroupPath is the cgroup the engine gives a container.
func CgroupPath(id string) string { return "/berth/" + id }

// Pause freezes every process of a running container.
func (e *Engine) Pause(ctx context.Context, ref string) error {
	return e.freeze(ref, true)
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(ctx context.Context, ref string) error {
	return e.freeze(ref, false)
}

func (e *Engine) freeze(ref string, pause bool) error {
	id, err := e.Containers.Resolve(ref)
	if err != nil {
		return err
	}
	var name, image string
	_, err = e.Containers.Update(id, func(r *container.Record) error {
		name, image = r.Name, r.Image
		switch {
		case pause && r.State.Status == container.Paused:
			return fmt.Errorf("container %s is already paused", ref)
		case pause && r.State.Status != container.Running:
			return fmt.Errorf("cannot pause container %s: %w", ref, ErrNotRunning)
		case !pause && r.State.Status != container.Paused:
			return fmt.Errorf("container %s is not paused", ref)
		}
		m, err := cgroups.Load(CgroupPath(id))
		if err != nil {
			return err
		}
		if pause {
			err, r.State.Status = m.Freeze(), container.Paused
		} else {
			err, r.State.Status = m.Thaw(), container.Running
		}
		return err
	})
	if err != nil {
		return err
	}
	action := "unpause"
	if pause {
		action = "pause"
	}
	e.emit(events.TypeContainer, action, id, map[string]string{"name": name, "image": image})
	return nil
}

// Targets lists the running containers for the stats sampler.
func (e *Engine) Targets() []stats.Target {
	recs, _ := e.Containers.List()
	var out []stats.Target
	for _, r := range recs {
		if (r.State.Status == container.Running || r.State.Status == container.Paused) && r.State.Pid > 0 {
			out = append(out, stats.Target{ID: r.ID, Name: r.Name, Pid: r.State.Pid, CgroupPath: CgroupPath(r.ID)})
		}
	}
	return out
}

// Stats streams samples of the running containers (or of those named) every
// interval until ctx is done.
func (e *Engine) Stats(ctx context.Context, interval time.Duration, refs ...string) (<-chan []stats.Sample, error) {
	var ids map[string]bool
	if len(refs) > 0 {
		ids = map[string]bool{}
		for _, ref := range refs {
			id, err := e.Containers.Resolve(ref)
			if err != nil {
				return nil, err
			}
			ids[id] = true
		}
	}
	list := func() []stats.Target {
		all := e.Targets()
		if ids == nil {
			return all
		}
		var out []stats.Target
		for _, t := range all {
			if ids[t.ID] {
				out = append(out, t)
			}
		}
		return out
	}
	return stats.NewSampler().Stream(ctx, interval, list), nil
}

// Processes lists the processes of a running container, from its cgroup.
func (e *Engine) Processes(ctx context.Context, ref string) ([]int, error) {
	rec, err := e.Containers.Get(ref)
	if err != nil {
		return nil, err
	}
	if !isRunning(rec.State.Status) {
		return nil, fmt.Errorf("container %s is not running", ref)
	}
	m, err := cgroups.Load(CgroupPath(rec.ID))
	if err != nil {
		return nil, err
	}
	return m.Procs()
}

package engine

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/runner"
)

// ExecOptions describe a process to run in a running container, as
// `docker exec` takes them.
type ExecOptions struct {
	Cmd        []string
	Env        []string
	WorkingDir string
	// User is USER[:GROUP], names or IDs, resolved in the container's files.
	User string
	Tty  bool
}

// Exec starts a process in the running container ref: in its namespaces and
// cgroup, under its hardening, with the container's environment plus
// o.Env. The process's streams are stdio, or with o.Tty a terminal whose
// controlling side the returned Process holds.
func (e *Engine) Exec(ctx context.Context, ref string, o ExecOptions, stdio runner.Stdio) (*runner.Process, error) {
	if len(o.Cmd) == 0 {
		return nil, fmt.Errorf("exec: no command given")
	}
	id, err := e.Containers.Resolve(ref)
	if err != nil {
		return nil, err
	}
	rec, err := e.Containers.Get(id)
	if err != nil {
		return nil, err
	}
	if rec.State.Status != container.Running {
		return nil, fmt.Errorf("container %s is not running", rec.Name)
	}
	r := runner.New(filepath.Join(e.Root, RuntimeDir))
	c, err := r.Load(id)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", rec.Name, err)
	}
	base := c.Spec().Process
	p := *base
	p.Args, p.Terminal, p.ConsoleSize = o.Cmd, o.Tty, nil
	p.Env = append(append([]string(nil), base.Env...), o.Env...)
	if o.WorkingDir != "" {
		p.Cwd = o.WorkingDir
	}
	if o.User != "" {
		u, _, err := ResolveUser(c.Spec().Root.Path, o.User)
		if err != nil {
			return nil, err
		}
		p.User = u
	}
	proc, err := c.Exec(ctx, "", &p, stdio)
	if err != nil {
		return nil, err
	}
	e.emit(events.TypeContainer, "exec_start: "+o.Cmd[0], id, map[string]string{"name": rec.Name, "image": rec.Image})
	return proc, nil
}

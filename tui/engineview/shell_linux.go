package engineview

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/tui"
)

// Shell opens an interactive shell in a running container: bash when its
// image has one, else sh, run by `berth exec -it` (this binary), which
// joins the container's namespaces and cgroup under its hardening and owns
// the terminal until the shell exits.
func (b *Backend) Shell(ctx context.Context, id string) (tui.Process, error) {
	rec, err := b.e.Containers.Get(id)
	if err != nil {
		return nil, err
	}
	if rec.State.Status != container.Running {
		return nil, fmt.Errorf("%w: %s is %s, start it first", ErrNotRunning, rec.Name, rec.State.Status)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the berth binary: %w", err)
	}
	shell := "/bin/sh"
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/root/bin/bash", rec.State.Pid)); err == nil {
		shell = "/bin/bash"
	}
	return &command{cmd: exec.CommandContext(ctx, self, "--root", b.e.Root, "exec", "-it", rec.ID, shell)}, nil
}

// command is a child process the workbench hands the terminal to.
type command struct{ cmd *exec.Cmd }

var _ tui.Process = (*command)(nil)

func (c *command) SetStdin(r io.Reader)  { c.cmd.Stdin = r }
func (c *command) SetStdout(w io.Writer) { c.cmd.Stdout = w }
func (c *command) SetStderr(w io.Writer) { c.cmd.Stderr = w }
func (c *command) Run() error            { return c.cmd.Run() }

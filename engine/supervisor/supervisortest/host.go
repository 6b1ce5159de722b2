// Package supervisortest runs containers' processes on the host, without any
// isolation, for the tests of the supervisor's and the engine's own logic
// (logs, attach, restarts, state, lifecycle). Tests of isolation use the real
// runner; only tests import this package.
package supervisortest

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/supervisor"
)

// HostRuntime runs the spec's process as a plain child process.
type HostRuntime struct{}

var _ supervisor.Runtime = HostRuntime{}

type hostProc struct {
	cmd *exec.Cmd
}

// Create prepares the process; Start runs it. Having no process before
// Start, it never calls cloned.
func (HostRuntime) Create(ctx context.Context, id string, spec *specs.Spec, stdio supervisor.Stdio) (supervisor.Process, error) {
	cmd := exec.Command(spec.Process.Args[0], spec.Process.Args[1:]...)
	cmd.Stdout, cmd.Stderr = stdio.Stdout, stdio.Stderr
	if stdio.Stdin != nil {
		// A pipe rather than cmd.Stdin: Wait would otherwise wait for the
		// copy from stdin, which only ends when the client closes its input.
		w, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		go func() { io.Copy(w, stdio.Stdin); w.Close() }()
	}
	return &hostProc{cmd: cmd}, nil
}

func (p *hostProc) Pid() int {
	if p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *hostProc) Console() *os.File { return nil }

func (p *hostProc) Start() error { return p.cmd.Start() }

func (p *hostProc) Wait() (supervisor.Exit, error) {
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			return supervisor.Exit{Code: 128 + int(ws.Signal())}, nil
		}
		return supervisor.Exit{Code: ee.ExitCode()}, nil
	}
	return supervisor.Exit{}, err
}

func (p *hostProc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

func (p *hostProc) Delete() error { return nil }

// Exec runs the process on the host, killed when ctx ends.
func (p *hostProc) Exec(ctx context.Context, proc *specs.Process, stdio supervisor.Stdio) (int, error) {
	cmd := exec.CommandContext(ctx, proc.Args[0], proc.Args[1:]...)
	cmd.Stdout, cmd.Stderr = stdio.Stdout, stdio.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// ArgsPreparer makes a spec holding only the record's command line, and
// counts how often it was asked.
type ArgsPreparer struct{ Prepared int }

var _ supervisor.Preparer = (*ArgsPreparer)(nil)

// Prepare returns the spec.
func (a *ArgsPreparer) Prepare(ctx context.Context, rec *container.Record) (*specs.Spec, func(), error) {
	a.Prepared++
	args := append(append([]string(nil), rec.Config.Entrypoint...), rec.Config.Cmd...)
	return &specs.Spec{Process: &specs.Process{Args: args}}, func() {}, nil
}

package supervisor

import (
	"context"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Runtime is what a supervisor needs of the OCI runtime (engine/runner): make a
// container from a config without starting its process.
type Runtime interface {
	// Create sets up the container's namespaces, rootfs and cgroup from spec
	// and stops just before it execs the process; stdio is wired as given.
	Create(ctx context.Context, id string, spec *specs.Spec, stdio Stdio) (Process, error)
}

// Stdio is what the container's process gets as its standard streams: pipes
// (Stdin may be nil for /dev/null), or with Terminal, a pseudo-terminal whose
// controlling side the runtime hands back in Process.Console.
type Stdio struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Terminal       bool
}

// Process is a created container's init process.
type Process interface {
	// Pid is the process's ID in berth's PID namespace.
	Pid() int
	// Console is the controlling side of the container's terminal, when it has one.
	Console() *os.File
	// Start lets the process exec the workload.
	Start() error
	// Wait waits for the process to end and says how: an exit code, or the
	// signal that killed it as 128+signal, and whether the kernel's OOM
	// killer was involved.
	Wait() (Exit, error)
	// Signal sends sig to the container's init process.
	Signal(sig os.Signal) error
	// Delete removes what the runtime set up: cgroup, mounts, state.
	Delete() error
	// Exec runs another process in the running container (its namespaces,
	// cgroup and hardening) and returns its exit code.
	Exec(ctx context.Context, p *specs.Process, stdio Stdio) (int, error)
}

// Exit is how a container's process ended.
type Exit struct {
	Code      int
	OOMKilled bool
}

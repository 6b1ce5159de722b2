package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/runner/cgroups"
	"github.com/berth-dev/berth/engine/runner/nsenter"
)

// Process is a process exec'd into a running container.
type Process struct {
	pid     int
	console *os.File
	stdio   *childStdio
	proc    *os.Process
}

// Pid is the process's pid in berth's PID namespace.
func (p *Process) Pid() int { return p.pid }

// Console is the controlling side of the process's terminal, if it has one.
func (p *Process) Console() *os.File { return p.console }

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.proc.Signal(sig) }

// Wait waits for the process to end and for its output to be copied.
func (p *Process) Wait() (Exit, error) {
	ps, err := p.proc.Wait()
	p.stdio.wait()
	if p.console != nil {
		p.console.Close()
	}
	if err != nil {
		return Exit{Code: -1}, err
	}
	return exitOf(ps), nil
}

// Exec starts process p inside the running container: in all its
// namespaces and its cgroup, under its seccomp profile, as p's user with
// p's capabilities. It returns once p has exec'd its command, or with an
// *ExitError (126, 127) if it could not.
func (c *Container) Exec(ctx context.Context, self string, p *specs.Process, stdio Stdio) (proc *Process, err error) {
	if err := validateProcess(p, "process"); err != nil {
		return nil, err
	}
	if self == "" {
		self = "/proc/self/exe"
	}
	pidfd, err := c.rec.pidfd()
	if err != nil {
		return nil, err
	}
	// The pidfd goes to the child as a file; the File owns and closes it.
	pf := os.NewFile(uintptr(pidfd), "pidfd")
	defer pf.Close()
	var flags uintptr
	for _, n := range c.spec.Linux.Namespaces {
		if n.Type != specs.UserNamespace && sameNamespace(c.rec.Pid, n.Type) {
			continue
		}
		flags |= nsFlags[n.Type]
	}
	cg := c.cg
	if cg == nil {
		if cg, err = cgroups.Load(c.rec.CgroupPath); err != nil {
			return nil, fmt.Errorf("container %s: %w", c.ID, err)
		}
	}
	x := &Container{ID: c.ID, cg: cg, rec: c.rec}
	// startInit's ExtraFiles put the sync socket at 3 and the config at 4;
	// the pidfd comes third.
	env := []string{nsenter.Env + "=5:3:" + strconv.FormatUint(uint64(flags), 10)}
	cfg := initConfig{Spec: c.spec, Process: p}
	if err := x.startExec(self, env, pf, cfg, stdio, p.Terminal); err != nil {
		return nil, err
	}
	proc = &Process{pid: x.rec.Pid, stdio: x.stdio}
	proc.proc, _ = os.FindProcess(x.rec.Pid)
	defer func() {
		if err != nil {
			_ = proc.proc.Kill()
			_, _ = proc.proc.Wait()
		}
	}()
	defer x.sync.Close()
	for {
		m, fd, err := recv(x.sync)
		if errors.Is(err, io.EOF) {
			return proc, nil
		}
		if err != nil {
			return proc, err
		}
		switch m.Type {
		case msgConsole:
			proc.console = os.NewFile(uintptr(fd), "console")
		case msgError:
			return proc, &ExitError{m.Code, m.Message}
		default:
			return proc, fmt.Errorf("exec: unexpected %q from the process", m.Type)
		}
		if err := ctx.Err(); err != nil {
			return proc, err
		}
	}
}

// startExec compiles the process's program, starts the berth binary
// through nsenter, learns the pid of the process that went into the
// container, puts it in the cgroup and sends it the program.
func (x *Container) startExec(self string, env []string, pidfd *os.File, cfg initConfig, stdio Stdio, terminal bool) error {
	prog, err := compileInit(cfg)
	if err != nil {
		return err
	}
	parent, child, err := syncPair()
	if err != nil {
		return err
	}
	defer child.Close()
	x.sync = parent
	progR, progW, err := os.Pipe()
	if err != nil {
		parent.Close()
		return err
	}
	defer progR.Close()
	defer progW.Close()
	if x.stdio, err = openStdio(stdio, terminal); err != nil {
		parent.Close()
		return err
	}
	attr := &os.ProcAttr{
		Env:   env,
		Files: []*os.File{x.stdio.files[0], x.stdio.files[1], x.stdio.files[2], child, progR, pidfd},
	}
	mid, err := os.StartProcess(self, []string{"berth", "runtime", "exec-init"}, attr)
	x.stdio.release()
	if err != nil {
		parent.Close()
		return fmt.Errorf("exec: starting berth: %w", err)
	}
	child.Close()
	progR.Close()
	// The short-lived middle process reports the pid and exits.
	m, _, err := recv(parent)
	_, _ = mid.Wait()
	if err != nil || m.Type != msgPid {
		parent.Close()
		if m.Type == msgError {
			return fmt.Errorf("exec: %s", m.Message)
		}
		return fmt.Errorf("exec: joining the container failed: %v", err)
	}
	x.rec.Pid = m.Pid
	if err := x.cg.Apply(m.Pid); err != nil {
		killAndReap(m.Pid)
		parent.Close()
		return fmt.Errorf("exec: moving the process into cgroup %s: %w", x.rec.CgroupPath, err)
	}
	if err := sendProgram(progW, prog); err != nil {
		killAndReap(m.Pid)
		parent.Close()
		return err
	}
	return nil
}

// killAndReap ends an exec'd process that will not be handed out, and
// waits for it: it is this process's child, in the container's PID
// namespace, and left a zombie it would keep the container's init from
// ever finishing its exit (the kernel waits for every process of the
// namespace to be reaped), and with it whoever waits for the init.
func killAndReap(pid int) {
	_ = unix.Kill(pid, unix.SIGKILL)
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
			return
		}
	}
}

// sameNamespace reports whether process pid shares berth's namespace of
// type t, so that joining it is needless.
func sameNamespace(pid int, t specs.LinuxNamespaceType) bool {
	own, ok := berthsNamespace(fmt.Sprintf("/proc/%d/ns/%s", pid, nsFiles[t]), t)
	return ok && own
}

// berthsNamespace reports whether the namespace file at path is berth's own
// namespace of type t; ok is false when either cannot be read.
func berthsNamespace(path string, t specs.LinuxNamespaceType) (own, ok bool) {
	var a, b unix.Stat_t
	if unix.Stat("/proc/self/ns/"+nsFiles[t], &a) != nil || unix.Stat(path, &b) != nil {
		return false, false
	}
	return a.Ino == b.Ino && a.Dev == b.Dev, true
}

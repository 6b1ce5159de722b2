package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/runner/cgroups"
)

// Runner creates containers and keeps their state in StateDir, one
// directory per container.
type Runner struct {
	StateDir string
	// Self is the berth binary the init runs from; empty means
	// /proc/self/exe.
	Self string
}

// New returns a Runner keeping state in stateDir.
func New(stateDir string) *Runner { return &Runner{StateDir: stateDir} }

// validID is checked with its length apart: a counted repetition in the
// regexp would compile to a large program, in every berth process.
var validIDChars = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func validID(id string) bool { return len(id) <= 128 && validIDChars.MatchString(id) }

// Container is a container the runner created or loaded.
type Container struct {
	ID  string
	dir string
	rec record
	// spec is the container's config.
	spec *specs.Spec
	cg   cgroups.Manager

	// Set only in the process that created the container.
	cmd     *exec.Cmd
	sync    *os.File
	stdio   *childStdio
	console *os.File
	oomBase uint64
	mounts  *os.File // the init's mount namespace

	waitOnce sync.Once
	exit     Exit
	waitErr  error
}

// Exit is how a process ended: its exit code, or 128 plus the signal that
// killed it, and whether the kernel's OOM killer was at work in its cgroup.
type Exit struct {
	Code      int
	Signal    unix.Signal
	OOMKilled bool
}

// CreateOptions are Create's optional settings.
type CreateOptions struct {
	// Bundle is the directory a relative root.path is resolved against.
	Bundle string
	Stdio  Stdio
	// Cgroup, when set, is a cgroup made beforehand (cgroups.Make) at the
	// config's linux.cgroupsPath: Create gives it the config's resources
	// instead of making one. One at another path is destroyed.
	Cgroup cgroups.Manager
}

func (r *Runner) self() string {
	if r.Self != "" {
		return r.Self
	}
	return "/proc/self/exe"
}

// Create makes container id from spec: its cgroup, namespaces and root
// filesystem, with its process ready to exec at Start. On failure nothing
// is left: no process, cgroup, mount or state.
func (r *Runner) Create(ctx context.Context, id string, spec *specs.Spec, o CreateOptions) (c *Container, err error) {
	if !validID(id) {
		return nil, fmt.Errorf("container ID %q: must be letters, digits, '_', '.' or '-': %w", id, ErrInvalidConfig)
	}
	rootfs := ""
	if spec.Root != nil {
		rootfs = spec.Root.Path
		if !filepath.IsAbs(rootfs) {
			rootfs = filepath.Join(o.Bundle, rootfs)
		}
		if rootfs, err = filepath.Abs(rootfs); err != nil {
			return nil, err
		}
	}
	if err := Validate(spec, rootfs); err != nil {
		return nil, err
	}
	flags, _ := namespaceFlags(spec.Linux.Namespaces)
	if err := os.MkdirAll(r.StateDir, 0o700); err != nil {
		return nil, err
	}
	dir := filepath.Join(r.StateDir, id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		if os.IsExist(err) {
			return nil, fmt.Errorf("container %s: %w", id, ErrExist)
		}
		return nil, err
	}
	c = &Container{ID: id, dir: dir, spec: spec}
	defer func() {
		if err != nil {
			c.destroy()
		}
	}()
	fifo := filepath.Join(dir, fifoFile)
	// The init's program is compiled while the cgroup and the state are
	// made, and while the init starts: it reads the program once sent.
	progc := make(chan compiled, 1)
	go func() {
		prog, err := compileInit(initConfig{Spec: spec, Rootfs: rootfs, Fifo: fifo})
		progc <- compiled{prog, err}
	}()
	cgPath := spec.Linux.CgroupsPath
	if cgPath == "" {
		cgPath = "/berth/" + id
	}
	// The cgroup (a directory in each hierarchy, on cgroup v1) is made
	// while the state is written.
	cgMade := make(chan error, 1)
	go func() {
		var cg cgroups.Manager
		var err error
		if pre := o.Cgroup; pre != nil && pre.Path() == cgPath {
			cg, err = pre, pre.Set(spec.Linux.Resources)
		} else {
			if pre != nil {
				_ = pre.Destroy()
			}
			cg, err = cgroups.New(cgPath, spec.Linux.Resources)
		}
		if cg != nil {
			c.cg = cg // destroyed with the container if Create fails
			c.oomBase, _ = cg.OOMKillCount()
		}
		cgMade <- err
	}()
	// The config, which only later operations read (Load), is written
	// while the init sets the container up; a failed Create waits for it
	// before it removes the state.
	wrote := make(chan error, 1)
	go func() { wrote <- writeJSON(filepath.Join(dir, configFile), spec) }()
	written := sync.OnceValue(func() error { return <-wrote })
	defer written()
	// The init waits on it as the container's user: anyone may write it
	// (it is reached only through the init's descriptor, the state
	// directory being berth's alone), as runc's.
	if err = unix.Mkfifo(fifo, 0o600); err == nil {
		err = os.Chmod(fifo, 0o622)
	}
	if err != nil {
		err = fmt.Errorf("making the exec fifo: %w", err)
	}
	if cgErr := <-cgMade; cgErr != nil {
		return c, fmt.Errorf("linux.resources: %w", cgErr)
	}
	if err != nil {
		return c, err
	}
	bundle := o.Bundle
	if bundle == "" {
		bundle = filepath.Dir(rootfs)
	}
	c.rec = record{State: State{OCIVersion: spec.Version, ID: id, Status: StatusCreating, Bundle: bundle, Rootfs: rootfs,
		Created: time.Now().UTC(), Owner: "", Annotations: spec.Annotations}, CgroupPath: cgPath}
	if err := c.startInit(r.self(), flags&^unix.CLONE_NEWCGROUP, progc, o.Stdio, spec.Process.Terminal); err != nil {
		return c, err
	}
	for {
		m, fd, err := recv(c.sync)
		if err != nil {
			return c, c.initFailed(err)
		}
		switch m.Type {
		case msgConsole:
			c.console = os.NewFile(uintptr(fd), "console")
			continue
		case msgError:
			return c, &ExitError{m.Code, m.Message}
		case msgReady:
		default:
			return c, fmt.Errorf("init sent %q", m.Type)
		}
		break
	}
	if err := written(); err != nil {
		return c, err
	}
	c.rec.Status = StatusCreated
	if err := writeJSON(filepath.Join(dir, stateFile), &c.rec); err != nil {
		return c, err
	}
	return c, ctx.Err()
}

// compiled is an init's program, or why it could not be compiled.
type compiled struct {
	prog []byte
	err  error
}

// startInit starts the berth binary as an init with the given clone flags,
// fills c's process fields and sends it its program once compiled: the
// init starts while it is, and waits to read it. An init sent nothing
// exits.
func (c *Container) startInit(self string, flags uintptr, progc <-chan compiled, stdio Stdio, terminal bool) error {
	parent, child, err := syncPair()
	if err != nil {
		return err
	}
	defer child.Close()
	c.sync = parent
	progR, progW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer progR.Close()
	defer progW.Close()
	if c.stdio, err = openStdio(stdio, terminal); err != nil {
		return err
	}
	newCmd := func() *exec.Cmd {
		cmd := exec.Command(self, "runtime", "init")
		cmd.Args[0] = "berth"
		cmd.Env = []string{}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = c.stdio.files[0], c.stdio.files[1], c.stdio.files[2]
		cmd.ExtraFiles = []*os.File{child, progR}
		cmd.SysProcAttr = &unix.SysProcAttr{Cloneflags: flags}
		return cmd
	}
	cmd := newCmd()
	inside := true
	join, err := c.cg.StartJoining(cmd.SysProcAttr, cmd.Start)
	if err != nil {
		// A kernel may refuse CLONE_INTO_CGROUP: start the init outside
		// and move it in.
		cmd, inside, join = newCmd(), false, nil
		err = cmd.Start()
	}
	if err != nil {
		c.stdio.release()
		return fmt.Errorf("starting the container's init: %w", err)
	}
	c.cmd = cmd
	c.stdio.release()
	child.Close()
	progR.Close()
	c.rec.Pid = cmd.Process.Pid
	c.rec.PidStart, _ = procStart(c.rec.Pid)
	// Held until Delete: when the init exits, tearing its mounts down
	// (which waits for an RCU grace period) would stand between its exit
	// and whoever waits for it.
	if f, err := os.Open(fmt.Sprintf("/proc/%d/ns/mnt", c.rec.Pid)); err == nil {
		c.mounts = f
	}
	if !inside {
		if err := c.cg.Apply(c.rec.Pid); err != nil {
			return fmt.Errorf("moving the init into cgroup %s: %w", c.rec.CgroupPath, err)
		}
	}
	pc := <-progc
	if pc.err != nil {
		return pc.err
	}
	// The init moves itself into the cgroup where it was not born, first
	// thing.
	return sendProgram(progW, append(joinProgram(join), pc.prog...))
}

// initFailed explains an init that went away without a word.
func (c *Container) initFailed(err error) error {
	if !errors.Is(err, io.EOF) {
		return err
	}
	e, _ := c.Wait()
	return fmt.Errorf("the container's init exited with code %d before it was ready", e.Code)
}

// destroy removes what a failed or deleted container leaves: its process,
// cgroup and state.
func (c *Container) destroy() {
	if c.cg != nil {
		_ = c.cg.Destroy()
	} else if c.cmd != nil {
		_ = c.cmd.Process.Kill()
	}
	if c.cmd != nil {
		_, _ = c.Wait()
	}
	if c.sync != nil {
		c.sync.Close()
	}
	if c.console != nil {
		c.console.Close()
	}
	if c.mounts != nil {
		c.mounts.Close()
		c.mounts = nil
	}
	_ = os.RemoveAll(c.dir)
}

// Load finds container id in the runner's state.
func (r *Runner) Load(id string) (*Container, error) {
	if !validID(id) {
		return nil, fmt.Errorf("container %s: %w", id, ErrNotExist)
	}
	dir := filepath.Join(r.StateDir, id)
	c := &Container{ID: id, dir: dir}
	if err := readJSON(filepath.Join(dir, stateFile), &c.rec); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("container %s: %w", id, ErrNotExist)
		}
		return nil, fmt.Errorf("container %s: reading its state: %w", id, err)
	}
	spec, err := loadSpec(dir)
	if err != nil {
		return nil, fmt.Errorf("container %s: reading its config: %w", id, err)
	}
	c.spec = spec
	if cg, err := cgroups.Load(c.rec.CgroupPath); err == nil {
		c.cg = cg
	}
	return c, nil
}

// List returns the IDs of the runner's containers.
func (r *Runner) List() ([]string, error) {
	ents, err := os.ReadDir(r.StateDir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(r.StateDir, e.Name(), stateFile)); err == nil {
				ids = append(ids, e.Name())
			}
		}
	}
	return ids, nil
}

// Pid is the container init's pid in berth's PID namespace.
func (c *Container) Pid() int { return c.rec.Pid }

// Console is the controlling side of the container's terminal, when its
// process has one and this process created it.
func (c *Container) Console() *os.File { return c.console }

// Spec is the container's config.
func (c *Container) Spec() *specs.Spec { return c.spec }

// Cgroup is the container's cgroup, or nil if it is gone.
func (c *Container) Cgroup() cgroups.Manager { return c.cg }

// State reports the container's state now.
func (c *Container) State() State {
	s := c.rec.State
	switch {
	case !c.rec.alive():
		s.Status = StatusStopped
		s.Pid = 0
	case !c.rec.Started && fileExists(filepath.Join(c.dir, fifoFile)):
		s.Status = StatusCreated
	default:
		s.Status = StatusRunning
		if c.cg != nil {
			if frozen, _ := c.cg.Frozen(); frozen {
				s.Status = StatusPaused
			}
		}
	}
	return s
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// Start lets the created container's process exec its command. In the
// process that created the container, it returns once the exec happened,
// with an *ExitError if it failed.
func (c *Container) Start() error {
	fifo := filepath.Join(c.dir, fifoFile)
	pidfd, err := c.rec.pidfd()
	if err != nil {
		if ierr := c.initError(); ierr != nil {
			return ierr
		}
		return err
	}
	defer unix.Close(pidfd)
	f, err := os.OpenFile(fifo, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("container %s: already started", c.ID)
		}
		return err
	}
	defer f.Close()
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	if fds[0].Revents&unix.POLLIN == 0 {
		if err := c.initError(); err != nil {
			return err
		}
		return fmt.Errorf("container %s: its init exited before it started", c.ID)
	}
	var b [1]byte
	if _, err := f.Read(b[:]); err != nil {
		return fmt.Errorf("container %s: reading the exec fifo: %w", c.ID, err)
	}
	_ = os.Remove(fifo)
	c.rec.Started = true
	c.rec.Status = StatusRunning
	_ = writeJSON(filepath.Join(c.dir, stateFile), &c.rec)
	if c.sync != nil {
		m, _, err := recv(c.sync)
		c.sync.Close()
		c.sync = nil
		if err == nil && m.Type == msgError {
			return &ExitError{m.Code, m.Message}
		}
	}
	return nil
}

// Wait waits for the init to end, in the process that created the
// container, and says how it ended.
func (c *Container) Wait() (Exit, error) {
	if c.cmd == nil {
		return Exit{}, fmt.Errorf("container %s: waiting needs the process that created it", c.ID)
	}
	c.waitOnce.Do(func() {
		err := c.cmd.Wait()
		c.stdio.wait()
		c.exit = exitOf(c.cmd.ProcessState)
		if err != nil && c.cmd.ProcessState == nil {
			c.waitErr = err
		}
		if c.cg != nil {
			if n, err := c.cg.OOMKillCount(); err == nil && n > c.oomBase {
				c.exit.OOMKilled = true
			}
		}
	})
	return c.exit, c.waitErr
}

// exitOf turns a process's end into an Exit.
func exitOf(ps *os.ProcessState) Exit {
	if ps == nil {
		return Exit{Code: -1}
	}
	ws, _ := ps.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return Exit{Code: 128 + int(ws.Signal()), Signal: unix.Signal(ws.Signal())}
	}
	return Exit{Code: ws.ExitStatus()}
}

// initError is what an init that ended before its start said on the sync
// socket: the process's last steps (its working directory, user and
// capabilities) come after it is ready, before the start.
func (c *Container) initError() error {
	if c.sync == nil {
		return nil
	}
	if m, _, err := recv(c.sync); err == nil && m.Type == msgError {
		return &ExitError{m.Code, m.Message}
	}
	return nil
}

// Signal sends sig to the container's init, through a pidfd so that it can
// never reach a process that took the pid later.
func (c *Container) Signal(sig unix.Signal) error {
	fd, err := c.rec.pidfd()
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		return fmt.Errorf("container %s: sending %v: %w", c.ID, sig, err)
	}
	return nil
}

// SignalAll sends sig to every process of the container.
func (c *Container) SignalAll(sig unix.Signal) error {
	if c.cg == nil {
		return fmt.Errorf("container %s: %w", c.ID, ErrNotRunning)
	}
	return c.cg.Kill(sig)
}

// Delete removes the container: every process left in its cgroup is
// killed, the cgroup removed and the state dropped. A running container is
// refused unless force is set.
func (c *Container) Delete(force bool) error {
	if !force && c.rec.alive() && c.rec.Started {
		return fmt.Errorf("container %s is running: stop it first, or delete it with --force", c.ID)
	}
	if c.cg == nil && c.rec.alive() {
		_ = c.Signal(unix.SIGKILL)
	}
	c.destroy()
	return nil
}

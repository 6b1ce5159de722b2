package runner

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/runner/seccomp"
)

// Descriptors an init finds open: the sync socket and the config pipe.
const (
	syncFd   = 3
	configFd = 4
)

// initConfig is what berth sends an init on its config pipe.
type initConfig struct {
	Spec   *specs.Spec `json:"spec"`
	Rootfs string      `json:"rootfs,omitempty"`
	// Fifo is the exec FIFO the init waits on before it execs.
	Fifo string `json:"fifo,omitempty"`
	// Process replaces Spec.Process for exec.
	Process *specs.Process `json:"process,omitempty"`
	// Seccomp is Spec.Linux.Seccomp compiled, which the spec then leaves out.
	Seccomp *compiledSeccomp `json:"seccomp,omitempty"`
}

// compiledSeccomp is a seccomp filter ready to install: its sock_filter
// instructions, 8 bytes each as the kernel lays them out, and the flags of
// seccomp(2).
type compiledSeccomp struct {
	Filter []byte `json:"filter"`
	Flags  uint   `json:"flags,omitempty"`
}

// withCompiledSeccomp returns cfg with its spec's seccomp profile compiled.
func (cfg initConfig) withCompiledSeccomp() (initConfig, error) {
	if cfg.Spec == nil || cfg.Spec.Linux == nil || cfg.Spec.Linux.Seccomp == nil {
		return cfg, nil
	}
	prog, err := seccomp.Compile(cfg.Spec.Linux.Seccomp)
	if err != nil {
		return cfg, fmt.Errorf("linux.seccomp: %w", err)
	}
	flags, err := seccomp.Flags(cfg.Spec.Linux.Seccomp)
	if err != nil {
		return cfg, fmt.Errorf("linux.seccomp: %w", err)
	}
	c := &compiledSeccomp{Filter: make([]byte, 0, 8*len(prog)), Flags: flags}
	for _, in := range prog {
		c.Filter = binary.LittleEndian.AppendUint16(c.Filter, in.Code)
		c.Filter = append(c.Filter, in.Jt, in.Jf)
		c.Filter = binary.LittleEndian.AppendUint32(c.Filter, in.K)
	}
	spec, linux := *cfg.Spec, *cfg.Spec.Linux
	linux.Seccomp = nil
	spec.Linux = &linux
	cfg.Spec, cfg.Seccomp = &spec, c
	return cfg, nil
}

// program decodes the filter's instructions.
func (c *compiledSeccomp) program() ([]unix.SockFilter, error) {
	if len(c.Filter) == 0 || len(c.Filter)%8 != 0 {
		return nil, fmt.Errorf("linux.seccomp: a compiled filter of %d bytes", len(c.Filter))
	}
	prog := make([]unix.SockFilter, len(c.Filter)/8)
	for i := range prog {
		b := c.Filter[8*i:]
		prog[i] = unix.SockFilter{Code: binary.LittleEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.LittleEndian.Uint32(b[4:])}
	}
	return prog, nil
}

// A container's init starts as soon as the runner's own dependencies are
// initialized, before the init functions of the packages only berth's
// command line needs (schemas compiled, commands registered), which would
// only delay it.
func init() { MaybeInit() }

// MaybeInit runs the container init if the process was started as one
// (`berth runtime init` or `berth runtime exec-init`), and never returns
// then; otherwise it returns at once. main calls it first thing, and so
// must the TestMain of any test that starts containers.
func MaybeInit() {
	if len(os.Args) < 3 || os.Args[1] != "runtime" {
		return
	}
	switch os.Args[2] {
	case "init":
		runInit(false)
	case "exec-init":
		runInit(true)
	}
}

// runInit is the init's whole life: set up, exec, or report why not.
func runInit(exec bool) {
	// Namespaces joined later, capabilities and the user are per thread:
	// everything happens on this thread, which is also the one that execs.
	runtime.LockOSThread()
	sync := os.NewFile(syncFd, "sync")
	var st unix.Stat_t
	if err := unix.Fstat(syncFd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		fmt.Fprintln(os.Stderr, "berth runtime init: not started by berth (it sets up a container's process)")
		os.Exit(125)
	}
	// Nothing in the container may open /proc/<pid>/exe of this process,
	// which is still berth's binary (CVE-2019-5736).
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	err := initProcess(sync, exec)
	code := 125
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
	}
	_ = send(sync, message{Type: msgError, Code: code, Message: err.Error()}, -1)
	os.Exit(code)
}

// initProcess sets the container up and execs its process; it returns only
// on failure.
func initProcess(sync *os.File, isExec bool) error {
	cfgFile := os.NewFile(configFd, "config")
	var cfg initConfig
	err := json.NewDecoder(cfgFile).Decode(&cfg)
	cfgFile.Close()
	if err != nil {
		return fmt.Errorf("reading the config: %w", err)
	}
	spec := cfg.Spec
	proc := spec.Process
	var fifo *os.File
	if isExec {
		proc = cfg.Process
	} else {
		if err := joinNamespaces(spec); err != nil {
			return err
		}
		// berth has put this process in its cgroup by now: a new cgroup
		// namespace roots there.
		if hasNamespace(spec, specs.CgroupNamespace) {
			if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
				return fmt.Errorf("linux.namespaces: cgroup: %w", err)
			}
		}
		if spec.Hostname != "" {
			if err := unix.Sethostname([]byte(spec.Hostname)); err != nil {
				return fmt.Errorf("hostname: %w", err)
			}
		}
		if spec.Domainname != "" {
			if err := unix.Setdomainname([]byte(spec.Domainname)); err != nil {
				return fmt.Errorf("domainname: %w", err)
			}
		}
		// The FIFO lives on the host: open it before the host's files are
		// out of reach.
		if fifo, err = os.OpenFile(cfg.Fifo, unix.O_PATH|unix.O_CLOEXEC, 0); err != nil {
			return fmt.Errorf("opening the exec fifo: %w", err)
		}
		if err := setupRootfs(spec, cfg.Rootfs); err != nil {
			return err
		}
		if err := finishRootfs(spec); err != nil {
			return err
		}
	}
	if proc.Terminal {
		if err := setupConsole(sync, proc); err != nil {
			return err
		}
	} else if isExec {
		// A process exec'd with pipes leads a session of its own, as
		// runc's does, so that job control never reaches berth.
		_, _ = unix.Setsid()
	}
	path, err := lookPath(proc)
	if err != nil {
		return err
	}
	plan, err := planExec(proc, cfg.Seccomp)
	if err != nil {
		return err
	}
	if !isExec {
		if err := send(sync, message{Type: msgReady}, -1); err != nil {
			return err
		}
		if err := waitStart(fifo); err != nil {
			return err
		}
	}
	shim := !isExec && spec.Annotations[InitAnnotation] == "true"
	return finalize(proc, path, plan, func() {
		if shim {
			// The init stays on: the end of the sync socket tells berth
			// the workload was started.
			sync.Close()
		}
	}, shim)
}

// joinNamespaces enters the namespaces the config names by path. Only
// per-thread kinds (net, ipc, uts) reach here; Validate refuses others.
func joinNamespaces(spec *specs.Spec) error {
	for _, n := range spec.Linux.Namespaces {
		if n.Path == "" {
			continue
		}
		f, err := os.Open(n.Path)
		if err != nil {
			return invalid("linux.namespaces", "%s: %v", n.Type, err)
		}
		err = unix.Setns(int(f.Fd()), int(nsFlags[n.Type]))
		f.Close()
		if err != nil {
			return invalid("linux.namespaces", "joining %s at %s: %v", n.Type, n.Path, err)
		}
	}
	return nil
}

// waitStart blocks until Start opens the exec FIFO for reading.
func waitStart(fifo *os.File) error {
	defer fifo.Close()
	f, err := os.OpenFile(fdPath(fifo), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("waiting on the exec fifo: %w", err)
	}
	_, err = f.Write([]byte{0})
	f.Close()
	return err
}

// setupConsole gives the process a terminal from the container's own
// devpts and sends its controlling side to berth.
func setupConsole(sync *os.File, p *specs.Process) error {
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("process.terminal: opening /dev/ptmx: %w", err)
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("process.terminal: unlocking the pty: %w", err)
	}
	// TIOCGPTPEER opens the peer through the master itself, never by a
	// path the container could have swapped.
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY))
	if errno != 0 {
		return fmt.Errorf("process.terminal: opening the pty's peer: %w", errno)
	}
	slave := int(r)
	if p.ConsoleSize != nil {
		_ = unix.IoctlSetWinsize(slave, unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(p.ConsoleSize.Height), Col: uint16(p.ConsoleSize.Width)})
	}
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("process.terminal: setsid: %w", err)
	}
	if err := unix.IoctlSetInt(slave, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("process.terminal: TIOCSCTTY: %w", err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(slave, fd, 0); err != nil {
			return fmt.Errorf("process.terminal: %w", err)
		}
	}
	unix.Close(slave)
	return send(sync, message{Type: msgConsole}, master)
}

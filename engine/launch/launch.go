// Package launch starts containers' supervisors: the berth binary
// re-executed as `berth supervise ID` in a session of its own, so that it
// outlives the berth process that started it.
//
// A launched supervisor starts its Go runtime, then waits for one byte on a
// pipe before it touches anything under the root: starting a berth process
// takes milliseconds, and this way they pass while the container is being
// created. `berth run` launches one from this package's C constructor
// (launch.c), before the Go runtime of the berth process starts. A
// supervisor never told to go (Abort, or its launcher gone) exits without a
// word.
package launch

// extern int berth_launch_pid;
// extern char berth_launch_id[65];
// extern const char *berth_launch_root;
// extern int berth_launch_ready_fd, berth_launch_go_fd;
import "C"

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

const (
	// Verb is the hidden berth verb that runs a container's supervisor.
	Verb = "supervise"
	// Log, under the root, collects what supervisors write to their
	// standard error.
	Log = "supervisor.log"
	// DefaultRoot is where berth keeps its state unless --root or
	// BERTH_ROOT says otherwise.
	DefaultRoot = "/var/lib/berth"
)

// The byte that tells a supervisor to go, and whether it first waits (up to
// ten seconds) for a client to attach, so that `berth run` sees all output.
const (
	Go         = 'g'
	GoAttached = 'a'
)

// Supervisor is a launched supervisor, for container ID under Root.
type Supervisor struct {
	Root, ID string
	ready    *os.File // its one line: "ok" or "CODE MESSAGE"
	goW      *os.File // closed after one byte: go; closed without: give up
	used     bool
}

// NewID returns a new random 64-character container ID.
func NewID() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// Start launches the supervisor of container id under root; the container
// need not exist until Go.
func Start(root, id string) (*Supervisor, error) {
	root = absolute(root)
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the berth binary: %w", err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer readyW.Close()
	goR, goW, err := os.Pipe()
	if err != nil {
		readyR.Close()
		return nil, err
	}
	defer goR.Close()
	cmd := exec.Command(self, "--root", root, Verb, id, "--ready-fd", "3", "--go-fd", "4")
	cmd.Args[0] = "berth"
	cmd.ExtraFiles = []*os.File{readyW, goR}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	// A CPU profile is for the berth call that asked for it.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BERTH_CPUPROFILE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// What a supervisor says on its way out (a panic, a goroutine dump on
	// SIGQUIT) has no terminal to go to: it goes to the root's log.
	if logf, err := os.OpenFile(filepath.Join(root, Log), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
		cmd.Stderr = logf
		defer logf.Close()
	}
	if err := cmd.Start(); err != nil {
		readyR.Close()
		goW.Close()
		return nil, fmt.Errorf("starting the supervisor: %w", err)
	}
	// Reap it when it ends so it does not linger as a zombie of this
	// process; it lives on on its own when this process exits first.
	go cmd.Wait()
	return &Supervisor{Root: root, ID: id, ready: readyR, goW: goW}, nil
}

// Go tells the supervisor to start the container, first waiting for a
// client to attach if waitAttach, and returns its one line: "ok", or
// "CODE MESSAGE" for a container that could not start.
func (s *Supervisor) Go(waitAttach bool) (string, error) {
	if s.used {
		return "", errors.New("the supervisor was told to go already")
	}
	s.used = true
	defer s.ready.Close()
	b := byte(Go)
	if waitAttach {
		b = GoAttached
	}
	// A supervisor that failed before it read this has said why on the
	// ready pipe already; that is read below.
	s.goW.Write([]byte{b})
	s.goW.Close()
	line, err := bufio.NewReader(s.ready).ReadString('\n')
	if err != nil {
		return "", errors.New("the supervisor exited before the container started")
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// Used reports whether the supervisor was told to go or given up.
func (s *Supervisor) Used() bool { return s.used }

// Abort lets a supervisor that was not told to go exit. It does nothing
// after Go.
func (s *Supervisor) Abort() {
	if !s.used {
		s.used = true
		s.goW.Close()
		s.ready.Close()
	}
}

// early is the supervisor this process launched at its start.
var early *Supervisor

// The constructor in launch.c has launched the supervisor of a `berth run`
// before the Go runtime started; this takes it over.
func init() {
	if C.berth_launch_pid <= 0 {
		return
	}
	early = &Supervisor{Root: absolute(C.GoString(C.berth_launch_root)), ID: C.GoString(&C.berth_launch_id[0]),
		ready: os.NewFile(uintptr(C.berth_launch_ready_fd), "ready"), goW: os.NewFile(uintptr(C.berth_launch_go_fd), "go")}
	// Reaped when it ends, so that it does not linger as a zombie of this
	// process; it lives on on its own when this process exits first.
	go func(pid int) {
		var ws syscall.WaitStatus
		for {
			if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
				return
			}
		}
	}(int(C.berth_launch_pid))
}

// Early returns, once, the supervisor this process launched as it started
// for a container under root; nil if there is none. One launched under
// another root (a --root given after the verb) is given up.
func Early(root string) *Supervisor {
	s := early
	early = nil
	if s != nil && s.Root != absolute(root) {
		s.Abort()
		return nil
	}
	return s
}

// absolute is path made absolute: a supervisor runs in /.
func absolute(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// VerbOf is the first word of berth's arguments that is not a global flag
// or its value.
func VerbOf(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--root":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/attach"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/logs"
)

// Preparer turns a container record into a runtime config: it mounts the
// rootfs, resolves volumes and writes the spec. Cleanup undoes what it did
// that must not outlive one run (the rootfs mount); it is safe to call twice.
type Preparer interface {
	Prepare(ctx context.Context, rec *container.Record) (spec *specs.Spec, cleanup func(), err error)
}

// Networker connects a created container to its networks before its process
// starts, and disconnects it after the process ended.
type Networker interface {
	// Namespace makes the network namespace the container's process
	// joins, or returns nil when it shares the host's.
	Namespace(rec *container.Record) (*os.File, error)
	// Attach connects the namespace at nsPath to the container's networks.
	Attach(ctx context.Context, rec *container.Record, nsPath string) ([]container.Endpoint, error)
	Detach(ctx context.Context, rec *container.Record) error
}

// Supervisor watches one container for as long as the container and its
// restart policy keep it alive.
type Supervisor struct {
	Store    *container.Store
	Journal  *events.Journal
	Runtime  Runtime
	Prepare  Preparer
	Network  Networker
	Rotation logs.Rotation
	// Remove, when set, removes a container whose config says AutoRemove
	// once it ended for good, before the attached client hears the exit
	// code: `run --rm` returns with the container gone, as docker's does.
	// purge deletes its files, after the client heard.
	Remove func(ctx context.Context, rec *container.Record) (purge func() error, err error)
	// WaitAttach makes the first run wait (up to ten seconds) for a client to
	// attach before the process starts, so that `berth run` sees all output.
	WaitAttach bool
}

// Paths of a container's files, inside its directory.
const (
	LogFile      = "container.log"
	AttachSocket = "attach.sock"
	lockFile     = "supervisor.lock"
)

// Run supervises the container id until it exits for good. ready is called
// once: with nil when the first run's process started, or with the error
// that kept it from starting, so that the berth process that asked for the
// start can report it.
func (s *Supervisor) Run(ctx context.Context, id string, ready func(error)) error {
	dir := s.Store.Dir(id)
	lock, err := holdLock(dir)
	if err != nil {
		ready(err)
		return err
	}
	defer lock.Close()

	rec, err := s.Store.Get(id)
	if err != nil {
		ready(err)
		return err
	}
	lw, err := logs.NewWriter(dirPath(dir, LogFile), s.Rotation)
	if err != nil {
		ready(err)
		return err
	}
	defer lw.Close()
	srv, err := attach.Listen(dirPath(dir, AttachSocket), rec.Config.OpenStdin)
	if err != nil {
		ready(err)
		return err
	}
	defer srv.Close()

	var delay time.Duration
	first := true
	// started says "ok" once the first run's process runs; a first run that
	// fails before that says why instead.
	started := func() {
		if first {
			ready(nil)
			first = false
			// Once the start's last work (the record, the event, the
			// attached client's first reads) is done.
			time.AfterFunc(500*time.Millisecond, trimMemory)
		}
	}
	for {
		began := time.Now()
		var release releases
		exit, err := s.runOnce(ctx, rec, lw, srv, first, started, &release)
		if first {
			ready(err)
			first = false
		}
		if err != nil {
			release.run()
			s.finish(rec, Exit{Code: exitCodeFor(err)}, err)
			srv.Exit(exitCodeFor(err))
			return err
		}
		rec, err = s.Store.Get(id)
		if err != nil {
			release.run()
			srv.Exit(exit.Code)
			return err
		}
		if !ShouldRestart(rec.Config.Restart, exit.Code, rec.RestartCount, rec.State.StoppedByUser) {
			if rec.Config.AutoRemove && s.Remove != nil {
				// A self-removing container's client hears the exit
				// code once the container is gone from the store and
				// its network released; its mount, cgroup, runtime
				// state and files go after.
				release.runNow()
				purge, err := s.Remove(ctx, rec)
				if err != nil {
					s.finish(rec, exit, nil)
					purge = func() error { return nil }
				}
				srv.Exit(exit.Code)
				release.runLate()
				purge()
				return nil
			}
			release.run()
			s.finish(rec, exit, nil)
			srv.Exit(exit.Code)
			return nil
		}
		release.run()
		delay = NextDelay(delay, time.Since(began))
		rec, _ = s.Store.Update(id, func(r *container.Record) error {
			r.State.Status = container.Restarting
			r.State.ExitCode = exit.Code
			r.State.FinishedAt = time.Now().UTC()
			r.RestartCount++
			return nil
		})
		select {
		case <-ctx.Done():
			s.finish(rec, exit, nil)
			srv.Exit(exit.Code)
			return nil
		case <-time.After(delay):
		}
		// A user may have stopped it while it waited.
		if rec, err = s.Store.Get(id); err != nil || rec.State.StoppedByUser {
			if rec != nil {
				s.finish(rec, exit, nil)
			}
			srv.Exit(exit.Code)
			return err
		}
	}
}

// runOnce starts the container's process once and waits for it to end.
// What it set up goes into release, for the caller to undo.
func (s *Supervisor) runOnce(ctx context.Context, rec *container.Record, lw *logs.Writer, srv *attach.Server, first bool, started func(), release *releases) (Exit, error) {
	// The container's network namespace is made and wired to its networks
	// while the rest is prepared; its init joins it, ready.
	var net *attaching
	if s.Network != nil {
		net = s.attach(ctx, rec)
	}
	detach := func() {
		if net != nil {
			if _, err := net.wait(); err == nil {
				s.Network.Detach(context.WithoutCancel(ctx), rec)
			}
		}
	}
	spec, cleanup, err := s.Prepare.Prepare(ctx, rec)
	if err == nil {
		release.addLate(cleanup)
	}
	if net != nil {
		ns, nsPath, nerr := net.namespace()
		switch {
		case nerr != nil:
			return Exit{}, nerr
		case ns == nil: // the host's network
			net = nil
		default:
			release.addLate(func() { ns.Close() })
			if err == nil {
				joinNetwork(spec, nsPath)
			}
		}
	}
	if err != nil {
		detach()
		return Exit{}, err
	}

	stdout, stderr := lw.Stream("stdout"), lw.Stream("stderr")
	closeLogs := func() { stdout.Close(); stderr.Close() }
	stdio := Stdio{
		Stdout:   io.MultiWriter(stdout, srv.Writer(attach.Stdout)),
		Stderr:   io.MultiWriter(stderr, srv.Writer(attach.Stderr)),
		Terminal: rec.Config.Tty,
	}
	if rec.Config.OpenStdin {
		stdio.Stdin = srv.Stdin()
	}
	proc, err := s.Runtime.Create(ctx, rec.ID, spec, stdio)
	if err != nil {
		closeLogs()
		detach()
		return Exit{}, err
	}
	release.addLate(func() { proc.Delete(); closeLogs() })
	if con := proc.Console(); con != nil {
		go io.Copy(stdio.Stdout, con)
		if stdio.Stdin != nil {
			go io.Copy(con, stdio.Stdin)
		}
		srv.OnResize = func(w, h uint16) {
			unix.IoctlSetWinsize(int(con.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: w, Row: h})
		}
	}
	if net != nil {
		eps, err := net.wait()
		if err != nil {
			return Exit{}, err
		}
		release.add(func() { s.Network.Detach(context.WithoutCancel(ctx), rec) })
		rec.Network = eps
	}
	if first && s.WaitAttach {
		select {
		case <-srv.Attached():
		case <-time.After(10 * time.Second):
		}
	}
	// The record says the container runs while its init execs the
	// workload, which Start waits for; a start that fails is then recorded
	// as the run's end. (A runtime whose process exists only once started
	// is recorded after.)
	var recorded chan error
	if pid := proc.Pid(); pid != 0 {
		recorded = make(chan error, 1)
		go func() { recorded <- s.recordRunning(rec, pid) }()
	}
	if err := proc.Start(); err != nil {
		if recorded != nil {
			<-recorded
		}
		return Exit{}, err
	}
	if recorded == nil {
		recorded = make(chan error, 1)
		recorded <- s.recordRunning(rec, proc.Pid())
	}
	if err := <-recorded; err != nil {
		proc.Signal(unix.SIGKILL)
		proc.Wait()
		return Exit{}, err
	}
	s.Journal.Append(events.Event{Type: events.TypeContainer, Action: "start", ID: rec.ID,
		Attributes: map[string]string{"name": rec.Name, "image": rec.Image}})
	started()

	if rec.Config.Healthcheck != nil {
		hctx, stopHealth := context.WithCancel(ctx)
		defer stopHealth()
		go s.checkHealth(hctx, rec, proc, spec.Process.Env, spec.Process.Cwd)
	}

	// Signals sent to the supervisor itself (a system shutdown) go to the container.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case sig := <-sigs:
				proc.Signal(sig)
			case <-done:
				return
			}
		}
	}()

	exit, err := proc.Wait()
	if err != nil {
		return Exit{}, fmt.Errorf("waiting for container %s: %w", rec.Name, err)
	}
	attrs := map[string]string{"name": rec.Name, "image": rec.Image, "exitCode": strconv.Itoa(exit.Code)}
	if exit.OOMKilled {
		s.Journal.Append(events.Event{Type: events.TypeContainer, Action: "oom", ID: rec.ID, Attributes: attrs})
	}
	s.Journal.Append(events.Event{Type: events.TypeContainer, Action: "die", ID: rec.ID, Attributes: attrs})
	return exit, nil
}

// attaching is a network namespace being made and attached.
type attaching struct {
	made   chan struct{} // closed once the namespace is made
	ns     *os.File      // nil for a container on the host's network
	nsPath string
	nsErr  error
	done   chan struct{} // closed once attached
	eps    []container.Endpoint
	err    error
}

// attach makes the container's network namespace and connects it to its
// networks, in the background.
func (s *Supervisor) attach(ctx context.Context, rec *container.Record) *attaching {
	a := &attaching{made: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.ns, a.nsErr = s.Network.Namespace(rec)
		if a.ns != nil {
			a.nsPath = fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), a.ns.Fd())
		}
		close(a.made)
		if a.nsErr != nil || a.ns == nil {
			a.err = a.nsErr
			return
		}
		a.eps, a.err = s.Network.Attach(ctx, rec, a.nsPath)
	}()
	return a
}

// namespace waits for the namespace and returns it and its path.
func (a *attaching) namespace() (*os.File, string, error) {
	<-a.made
	return a.ns, a.nsPath, a.nsErr
}

// wait waits for the attach to end and says how it went.
func (a *attaching) wait() ([]container.Endpoint, error) {
	<-a.done
	return a.eps, a.err
}

// releases are what a run must undo when it ends, all at once: the rootfs
// mount, the runtime's container and the network do not depend on one
// another. The late ones (the rootfs mount, the runtime's container, the
// network namespace) may wait until a self-removing container's client has
// heard its exit code; its network (leases, published ports) may not.
type releases struct{ now, late []func() }

func (r *releases) add(f func())     { r.now = append(r.now, f) }
func (r *releases) addLate(f func()) { r.late = append(r.late, f) }

func (r *releases) run() { runAll(append(r.now, r.late...)) }

func (r *releases) runNow()  { runAll(r.now) }
func (r *releases) runLate() { runAll(r.late) }

func runAll(fs []func()) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Go(f)
	}
	wg.Wait()
}

// recordRunning records that the container's process pid runs.
func (s *Supervisor) recordRunning(rec *container.Record, pid int) error {
	now := time.Now().UTC()
	pidStart, _ := ProcStartTime(pid)
	_, err := s.Store.Update(rec.ID, func(r *container.Record) error {
		r.State = container.State{Status: container.Running, Pid: pid, PidStart: pidStart,
			SupervisorPid: os.Getpid(), StartedAt: now, Health: healthStart(r.Config.Healthcheck)}
		r.Network = rec.Network
		return nil
	})
	return err
}

// finish records the container's end.
func (s *Supervisor) finish(rec *container.Record, exit Exit, runErr error) {
	s.Store.Update(rec.ID, func(r *container.Record) error {
		r.State.Status = container.Exited
		r.State.Pid = 0
		r.State.SupervisorPid = 0
		r.State.ExitCode = exit.Code
		r.State.OOMKilled = exit.OOMKilled
		r.State.FinishedAt = time.Now().UTC()
		if r.State.Health != "" {
			r.State.Health = "unhealthy"
		}
		if runErr != nil {
			r.State.Error = runErr.Error()
		}
		return nil
	})
}

// ErrSupervised is returned when another supervisor already holds the container.
var ErrSupervised = errors.New("container is already supervised")

// ExitCoder is an error that says which exit code docker would give it
// (126 for a command that cannot run, 127 for one not found).
type ExitCoder interface {
	ExitCode() int
}

func exitCodeFor(err error) int {
	var ec ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 125
}

func healthStart(hc *container.Healthcheck) string {
	if hc == nil {
		return ""
	}
	return "starting"
}

// holdLock takes the supervisor lock for the container's lifetime: a second
// supervisor for the same container fails, and anyone can tell whether a
// supervisor is alive by trying the lock (see Alive).
func holdLock(dir string) (*os.File, error) {
	f, err := os.OpenFile(dirPath(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, ErrSupervised
	}
	return f, nil
}

// Alive reports whether a supervisor holds the container in dir.
func Alive(dir string) bool {
	f, err := os.OpenFile(dirPath(dir, lockFile), os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != nil {
		return true
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}

func dirPath(dir, name string) string { return dir + "/" + name }

// joinNetwork makes spec's process join the network namespace at path
// instead of getting a new one.
func joinNetwork(spec *specs.Spec, path string) {
	for i, n := range spec.Linux.Namespaces {
		if n.Type == specs.NetworkNamespace {
			spec.Linux.Namespaces[i].Path = path
			return
		}
	}
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: path})
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/layers/snapshot"
	"github.com/berth-dev/berth/netsetup"
)

// Create makes a container from an image without starting it. On failure
// nothing is left behind: no record, no name, no snapshot, no volume it made.
func (e *Engine) Create(ctx context.Context, image string, o RunOptions) (*container.Record, error) {
	img, err := e.Images.Image(ctx, image)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", image, err)
	}
	imageID, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", image, err)
	}
	cfg, err := MergeConfig(&cf.Config, o)
	if err != nil {
		return nil, err
	}
	if _, err := netsetup.ParsePorts(cfg.Ports); err != nil {
		return nil, err
	}
	id := o.ID
	if id == "" {
		id = container.NewID()
	} else if !container.ValidID(id) {
		return nil, fmt.Errorf("container ID %q: must be 64 lowercase hexadecimal digits", id)
	}
	rec := &container.Record{ID: id, Name: o.Name, Created: time.Now().UTC(), Image: image,
		ImageID: imageID.String(), Config: cfg, State: container.State{Status: container.Created}}
	if rec.Config.Hostname == "" {
		rec.Config.Hostname = rec.ID[:12]
	}
	var undo []func()
	fail := func(err error) (*container.Record, error) {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return nil, err
	}
	if err := e.prepareMounts(rec, &undo); err != nil {
		return fail(err)
	}
	// The rootfs's snapshot, keyed by the ID, is made while the record is.
	snapshotted := make(chan error, 1)
	if e.Snapshots != nil {
		go func() { snapshotted <- e.Snapshots.Create(ctx, rec.ID, img) }()
	} else {
		snapshotted <- nil
	}
	err = e.Containers.Create(rec)
	serr := <-snapshotted
	if serr == nil && e.Snapshots != nil {
		undo = append(undo, func() { e.Snapshots.Remove(context.WithoutCancel(ctx), rec.ID) })
	}
	if err != nil {
		return fail(err)
	}
	undo = append(undo, func() { e.Containers.Remove(rec.ID) })
	if serr != nil {
		return fail(fmt.Errorf("creating the root filesystem of %s: %w", rec.Name, serr))
	}
	e.emit(events.TypeContainer, "create", rec.ID, map[string]string{"name": rec.Name, "image": image})
	return rec, nil
}

// prepareMounts creates the volumes the container names that do not exist
// yet, gives anonymous volumes a name, and makes missing -v bind sources (as
// docker does). Each thing made is undone by undo on a later failure.
func (e *Engine) prepareMounts(rec *container.Record, undo *[]func()) error {
	for i := range rec.Config.Mounts {
		m := &rec.Config.Mounts[i]
		switch m.Type {
		case "volume":
			anonymous := m.Source == ""
			if !anonymous {
				if _, err := e.Volumes.Get(m.Source); err == nil {
					continue
				}
			}
			v, err := e.Volumes.Create(m.Source, map[string]string{})
			if err != nil {
				return err
			}
			if anonymous {
				m.Options = append(m.Options, "anonymous")
			}
			m.Source = v.Name
			name := v.Name
			*undo = append(*undo, func() { e.Volumes.Remove(name, true) })
		case "bind":
			if _, err := os.Stat(m.Source); errors.Is(err, os.ErrNotExist) {
				if err := os.MkdirAll(m.Source, 0o755); err != nil {
					return fmt.Errorf("creating bind source %s: %w", m.Source, err)
				}
				src := m.Source
				*undo = append(*undo, func() { os.Remove(src) })
			}
		}
	}
	return nil
}

// Start starts a created or stopped container: its supervisor is launched and
// Start returns once the container's process runs, or with the reason it
// could not start. Starting a running container does nothing.
func (e *Engine) Start(ctx context.Context, ref string, waitAttach bool) error {
	id, err := e.Containers.Resolve(ref)
	if err != nil {
		return err
	}
	// No container lock is held while the supervisor starts: it takes that
	// lock itself to record the state. Its own lock makes sure only one
	// supervisor runs, so two racing Starts start the container once.
	if supervisor.Alive(e.Containers.Dir(id)) {
		return nil
	}
	if e.Supervise == nil {
		return ErrNoRuntime
	}
	// A start clears what the last run left: a stop by the user, an error.
	// A new container has neither, and is not written again.
	rec, err := e.Containers.Get(id)
	if err != nil {
		return err
	}
	if rec.State.StoppedByUser || rec.State.Error != "" {
		if _, err := e.Containers.Update(id, func(r *container.Record) error {
			r.State.StoppedByUser = false
			r.State.Error = ""
			return nil
		}); err != nil {
			return err
		}
	}
	err = e.Supervise(ctx, id, waitAttach)
	if errors.Is(err, supervisor.ErrSupervised) {
		return nil
	}
	return err
}

// Stop sends the container its stop signal, waits up to the timeout (its own,
// else ten seconds) and then kills it. The restart policy does not bring a
// stopped container back. Stopping a stopped container does nothing.
func (e *Engine) Stop(ctx context.Context, ref string, timeout *int) error {
	return e.StopWith(ctx, ref, timeout, "")
}

// StopWith is Stop with another signal than the container's stop signal
// (`stop --signal`); an empty one means the container's own.
func (e *Engine) StopWith(ctx context.Context, ref string, timeout *int, signal string) error {
	rec, err := e.markStopped(ref)
	if err != nil || rec.State.Pid == 0 {
		return err
	}
	wait := 10
	if rec.Config.StopTimeout != nil {
		wait = *rec.Config.StopTimeout
	}
	if timeout != nil {
		wait = *timeout
	}
	if signal == "" {
		signal = rec.Config.StopSignal
	}
	sig, err := ParseSignal(signal)
	if err != nil {
		sig = unix.SIGTERM
	}
	if wait != 0 {
		if err := signalContainer(rec, sig); err == nil {
			if wait < 0 || exitedWithin(rec.State.Pid, time.Duration(wait)*time.Second) {
				_, err := e.Wait(ctx, rec.ID)
				return err
			}
		}
	}
	signalContainer(rec, unix.SIGKILL)
	_, err = e.Wait(ctx, rec.ID)
	e.emit(events.TypeContainer, "stop", rec.ID, map[string]string{"name": rec.Name, "image": rec.Image})
	return err
}

// Kill sends a signal (by default SIGKILL) to the container's main process.
func (e *Engine) Kill(ctx context.Context, ref, signal string) error {
	sig := unix.SIGKILL
	if signal != "" {
		var err error
		if sig, err = ParseSignal(signal); err != nil {
			return err
		}
	}
	rec, err := e.Containers.Get(ref)
	if err != nil {
		return err
	}
	if rec.State.Pid == 0 || !isRunning(rec.State.Status) {
		return fmt.Errorf("cannot kill container %s: %w", ref, ErrNotRunning)
	}
	if sig == unix.SIGKILL || sig == unix.SIGTERM {
		if rec, err = e.markStopped(rec.ID); err != nil {
			return err
		}
	}
	if err := signalContainer(rec, sig); err != nil {
		return fmt.Errorf("cannot kill container %s: %w", ref, err)
	}
	e.emit(events.TypeContainer, "kill", rec.ID, map[string]string{"name": rec.Name, "image": rec.Image, "signal": strconv.Itoa(int(sig))})
	return nil
}

// markStopped records that the user stopped the container, so the restart
// policy leaves it be, and returns its record.
func (e *Engine) markStopped(ref string) (*container.Record, error) {
	id, err := e.Containers.Resolve(ref)
	if err != nil {
		return nil, err
	}
	return e.Containers.Update(id, func(r *container.Record) error {
		if isRunning(r.State.Status) {
			r.State.StoppedByUser = true
		}
		return nil
	})
}

// Wait blocks until the container is no longer running and returns its exit code.
func (e *Engine) Wait(ctx context.Context, ref string) (int, error) {
	id, err := e.Containers.Resolve(ref)
	if err != nil {
		return 0, err
	}
	evs, err := e.Events.Follow(ctx, time.Time{}, events.Filter{Types: []string{events.TypeContainer}, IDs: []string{id}})
	if err != nil {
		return 0, err
	}
	// Besides the events, the record and the supervisor's lock are looked
	// at after 1 ms, then ever less often, up to every 50 ms: a killed
	// container ends within milliseconds.
	delay := time.Millisecond
	for {
		rec, err := e.Containers.Get(id)
		if err != nil {
			return 0, err
		}
		alive := supervisor.Alive(e.Containers.Dir(id))
		if !isRunning(rec.State.Status) && !alive {
			return rec.State.ExitCode, nil
		}
		if !alive {
			// Recorded as running, with no supervisor to record its end.
			if err := e.Reconcile(ctx); err != nil {
				return 0, err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-evs:
		case <-time.After(delay):
			delay = min(2*delay, 50*time.Millisecond)
		}
	}
}

// Remove deletes a container, its snapshot and, with removeVolumes, its
// anonymous volumes. A running container is refused unless force is set, in
// which case it is killed first.
func (e *Engine) Remove(ctx context.Context, ref string, force, removeVolumes bool) error {
	rec, err := e.Containers.Get(ref)
	if err != nil {
		return err
	}
	if isRunning(rec.State.Status) || supervisor.Alive(e.Containers.Dir(rec.ID)) {
		if !force {
			return fmt.Errorf("cannot remove container %s: %w: stop the container before removing or force remove", ref, ErrRunning)
		}
		e.Kill(ctx, rec.ID, "SIGKILL")
		wctx, cancel := context.WithTimeout(ctx, supervisorGrace)
		_, err := e.Wait(wctx, rec.ID)
		cancel()
		if err != nil && ctx.Err() == nil {
			// The container is dead but its supervisor did not finish:
			// stop it (its goroutines dumped to supervisor.log first) and
			// let reconciling release what the container held.
			e.stopSupervisor(rec.ID)
			if err := e.Reconcile(ctx); err != nil {
				return err
			}
			_, err = e.Wait(ctx, rec.ID)
		}
		if err != nil {
			return err
		}
	}
	purge, err := e.RemoveStopped(ctx, rec, removeVolumes)
	if err != nil {
		return err
	}
	return purge()
}

// RemoveStopped is Remove for a container known to have stopped, whose
// supervisor (holding its record) removes it as --rm asks: nothing to kill
// or wait for. The container is gone when it returns; purge deletes its
// files, which the supervisor does after it told the client.
func (e *Engine) RemoveStopped(ctx context.Context, rec *container.Record, removeVolumes bool) (purge func() error, err error) {
	purgeSnapshot := func() error { return nil }
	if e.Snapshots != nil {
		if purgeSnapshot, err = e.Snapshots.Discard(ctx, rec.ID); err != nil {
			return nil, fmt.Errorf("removing container %s: %w", rec.Name, err)
		}
	}
	// Nothing may stay mounted in the container's directory when its files
	// are deleted (deleting them would reach into the mount): the record's
	// purge unmounts what is left there, before the snapshot's files go.
	purgeRecord, err := e.Containers.Discard(rec.ID, unmountUnder)
	if err != nil {
		purgeSnapshot()
		return nil, err
	}
	purge = func() error {
		err := purgeRecord()
		return errors.Join(err, purgeSnapshot())
	}
	if removeVolumes {
		for _, m := range rec.Config.Mounts {
			if m.Type == "volume" && hasOption(m.Options, "anonymous") {
				e.Volumes.Remove(m.Source, false)
			}
		}
	}
	e.emit(events.TypeContainer, "destroy", rec.ID, map[string]string{"name": rec.Name, "image": rec.Image})
	return purge, nil
}

// supervisorGrace is how long `rm -f` waits for a killed container's
// supervisor to record the end before stopping the supervisor itself.
const supervisorGrace = 10 * time.Second

// stopSupervisor ends a container's supervisor that does not finish on its
// own: SIGQUIT first, so that the Go runtime writes its goroutines to the
// supervisor log, then SIGKILL.
func (e *Engine) stopSupervisor(id string) {
	rec, err := e.Containers.Get(id)
	if err != nil || rec.State.SupervisorPid <= 0 {
		return
	}
	pid := rec.State.SupervisorPid
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), SuperviseVerb) || !strings.Contains(string(cmdline), id) {
		return // not our supervisor (gone, or the pid was reused)
	}
	unix.Kill(pid, unix.SIGQUIT)
	dir := e.Containers.Dir(id)
	for i := 0; supervisor.Alive(dir) && i < 300; i++ {
		if i == 50 {
			unix.Kill(pid, unix.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Reconcile marks the containers whose supervisor died while nobody watched
// as exited, kills what is left of them and releases what they held. Every
// berth process calls it when it opens the engine.
func (e *Engine) Reconcile(ctx context.Context) error {
	e.Containers.CollectStale()
	recs, err := e.Containers.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range recs {
		if !isRunning(r.State.Status) || supervisor.Alive(e.Containers.Dir(r.ID)) {
			continue
		}
		unlock, err := e.Containers.Lock(r.ID)
		if err != nil {
			continue
		}
		// Look again under the lock: a supervisor may have just started,
		// or recorded the end and gone since the record was read.
		cur, err := e.Containers.Get(r.ID)
		if err != nil || !isRunning(cur.State.Status) || supervisor.Alive(e.Containers.Dir(r.ID)) {
			unlock()
			continue
		}
		r = cur
		if r.State.Pid > 0 {
			signalContainer(r, unix.SIGKILL)
		}
		if e.Release != nil {
			if err := e.Release(ctx, r); err != nil {
				errs = append(errs, fmt.Errorf("releasing container %s: %w", r.Name, err))
			}
		}
		e.Containers.UpdateLocked(r.ID, func(rec *container.Record) error {
			rec.State.Status = container.Exited
			rec.State.Pid, rec.State.SupervisorPid = 0, 0
			rec.State.ExitCode = 255
			rec.State.FinishedAt = time.Now().UTC()
			rec.State.Error = "the container's supervisor exited unexpectedly"
			return nil
		})
		unlock()
		e.emit(events.TypeContainer, "die", r.ID, map[string]string{"name": r.Name, "image": r.Image, "exitCode": "255"})
	}
	return errors.Join(errs...)
}

func isRunning(s container.Status) bool {
	return s == container.Running || s == container.Restarting || s == container.Paused
}

func hasOption(opts []string, o string) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// signalContainer signals the container's init process through a pidfd, after
// checking that the process is still the one the record names (the pid could
// have been reused once the container exited).
func signalContainer(rec *container.Record, sig unix.Signal) error {
	pid := rec.State.Pid
	if pid <= 0 {
		return ErrNotRunning
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotRunning, err)
	}
	defer unix.Close(fd)
	// Check after opening the pidfd: from then on the pid cannot be reused.
	if rec.State.PidStart != 0 {
		if st, err := supervisor.ProcStartTime(pid); err != nil || st != rec.State.PidStart {
			return fmt.Errorf("%w: process %d is no longer the container's", ErrNotRunning, pid)
		}
	}
	return unix.PidfdSendSignal(fd, sig, nil, 0)
}

// exitedWithin waits up to d for process pid to exit.
func exitedWithin(pid int, d time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return true // already gone
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

// ParseSignal reads a signal as docker takes it: a name with or without SIG
// (KILL, SIGTERM, term) or a number.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal %q", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	sig := unix.SignalNum(name)
	if sig == 0 {
		return 0, fmt.Errorf("invalid signal %q", s)
	}
	return sig, nil
}

// unmountUnder unmounts every mount at or below dir, deepest first, as
// /proc/self/mountinfo lists them.
func unmountUnder(dir string) error {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var targets []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			targets = append(targets, f[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(targets)))
	for _, t := range targets {
		if err := snapshot.UnmountAll(t); err != nil {
			return err
		}
	}
	return nil
}

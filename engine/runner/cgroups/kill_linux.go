package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

const killSignal = unix.SIGKILL

// Bounds of Kill's wait for a SIGKILLed group to empty: a process in
// uninterruptible sleep (an NFS read, a page fault under memory pressure)
// dies only when it wakes.
const (
	killRounds    = 5
	killWaitSteps = 40
)

// Kill signals every process in the group. It freezes the group first, so
// that no process forks a child the signal misses, lists the members, sends
// the signal and thaws. A SIGKILL is repeated until the group is empty; other
// signals are sent once, and a group that was frozen stays frozen.
func (m *manager) Kill(sig unix.Signal) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sig == unix.SIGKILL && m.v2 && m.killV2() {
		if m.waitEmpty() {
			return nil
		}
	}
	wasFrozen, _ := m.Frozen()
	for range killRounds {
		pids, err := m.Procs()
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		frozen := m.freezer != "" && m.Freeze() == nil
		if frozen {
			// Members may have forked between the first listing and the
			// freeze; list again now that nobody can.
			if pids, err = m.Procs(); err != nil {
				_ = m.Thaw()
				return err
			}
		}
		for _, pid := range pids {
			if err := unix.Kill(pid, sig); err != nil && err != unix.ESRCH {
				_ = m.Thaw()
				return fmt.Errorf("signalling process %d of cgroup %s: %w", pid, m.path, err)
			}
		}
		if sig != unix.SIGKILL {
			if frozen && !wasFrozen {
				return m.Thaw()
			}
			return nil
		}
		if frozen {
			if err := m.Thaw(); err != nil {
				return err
			}
		}
		if m.waitEmpty() {
			return nil
		}
	}
	pids, _ := m.Procs()
	return fmt.Errorf("killing cgroup %s: %d left (%v): %w", m.path, len(pids), pids, ErrNotEmpty)
}

// killV2 writes cgroup.kill (Linux 5.14), which SIGKILLs every member,
// children of forks in flight included. It reports whether the file exists.
func (m *manager) killV2() bool {
	err := os.WriteFile(filepath.Join(m.procs, "cgroup.kill"), []byte("1"), 0)
	return err == nil || !errors.Is(err, os.ErrNotExist) && !errors.Is(err, unix.EINVAL)
}

// waitEmpty waits, briefly and boundedly, for the group to have no members.
func (m *manager) waitEmpty() bool {
	delay := 100 * time.Microsecond
	for range killWaitSteps {
		pids, err := m.Procs()
		if err == nil && len(pids) == 0 {
			return true
		}
		time.Sleep(delay)
		delay = min(2*delay, 50*time.Millisecond)
	}
	return false
}

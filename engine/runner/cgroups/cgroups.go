package cgroups

import (
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Manager controls one container's cgroup. Its methods are safe for
// concurrent use.
type Manager interface {
	// Apply moves the process pid (and with it, its threads) into the cgroup.
	Apply(pid int) error
	// StartJoining runs start, which starts one process with attr from the
	// calling OS thread (as exec.Cmd.Start does), so that the process is
	// born in the cgroup where clone can place it, and returns the files
	// through which the process must move itself, writing "0", everywhere
	// else (cgroup v1's tasks files). It may amend attr.
	StartJoining(attr *syscall.SysProcAttr, start func() error) (join []string, err error)
	// Set writes the given resource limits; nil fields are left as they are.
	// Limits equal to those the Manager's last Set wrote are not written
	// again.
	Set(r *specs.LinuxResources) error
	// Freeze stops every process in the cgroup and returns once they are
	// frozen.
	Freeze() error
	// Thaw resumes the processes stopped by Freeze.
	Thaw() error
	// Kill sends sig to every process in the cgroup. The group is frozen
	// while the signal is sent, so that no fork escapes it; for SIGKILL, Kill
	// repeats until the cgroup is empty.
	Kill(sig unix.Signal) error
	// Destroy kills every process in the cgroup and removes its directories
	// from every hierarchy. Destroying a cgroup that is gone is not an error.
	Destroy() error
	// Stats reads the cgroup's current usage.
	Stats() (*Stats, error)
	// OOMKillCount reports how many processes the kernel's OOM killer has
	// killed in the cgroup.
	OOMKillCount() (uint64, error)
	// Procs lists the processes (thread group IDs) in the cgroup.
	Procs() ([]int, error)
	// Path is the cgroup path the manager was made with, such as
	// "/berth/<id>".
	Path() string
	// Version is 1 or 2, the cgroup version in use.
	Version() int
	// Frozen reports whether the cgroup is frozen.
	Frozen() (bool, error)
	// Close releases the files Stats keeps open between reads; the cgroup
	// itself is left as it is.
	Close() error
}

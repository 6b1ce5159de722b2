package cgroups

import (
	"path/filepath"
	"sort"
	"syscall"

	"golang.org/x/sys/unix"
)

// StartJoining runs start, which must start one process from the calling
// OS thread (exec.Cmd.Start does), so that the process is born inside the
// cgroup where clone can place it, and returns the files through which the
// process must move itself into the cgroup everywhere else. attr is the
// SysProcAttr start uses; StartJoining may amend it.
//
// Moving a process into a cgroup by writing its pid to cgroup.procs takes
// a lock global to the kernel whose first taker waits for an RCU grace
// period, some 10 ms on a busy host. Being born inside, or moving itself,
// takes none:
//   - on cgroup v2 (and the unified hierarchy of a hybrid host), clone3
//     places the child with CLONE_INTO_CGROUP;
//   - on cgroup v1, a single-threaded process moves itself by writing "0"
//     to the tasks file of each hierarchy, the files returned (a hierarchy
//     where the cgroup was not made, the devices one when devices are left
//     alone, has none to write to: the process skips it).
//
// When clone cannot place it (err from start with attr amended), the caller
// starts it again without and must Apply it.
func (m *manager) StartJoining(attr *syscall.SysProcAttr, start func() error) (join []string, err error) {
	dirs := m.lib.GetPaths()
	unified := dirs[""]
	if m.v2 {
		unified = m.procs
	}
	if unified != "" {
		fd, err := unix.Open(unified, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == nil {
			defer unix.Close(fd)
			attr.UseCgroupFD, attr.CgroupFD = true, fd
		} else {
			join = append(join, filepath.Join(unified, "cgroup.procs"))
		}
	}
	if !m.v2 {
		for name, dir := range dirs {
			if name != "" {
				join = append(join, filepath.Join(dir, "tasks"))
			}
		}
		sort.Strings(join)
	}
	return join, start()
}

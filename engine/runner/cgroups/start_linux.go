package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	lib "github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// StartInside runs start, which must start one process from the calling OS
// thread (exec.Cmd.Start does), so that the process is born inside the
// cgroup, and reports whether it was; if not, the caller must Apply it.
// attr is the SysProcAttr start uses; StartInside may amend it.
//
// Moving a process into a cgroup by writing its pid to cgroup.procs takes
// a lock global to the kernel whose first taker waits for an RCU grace
// period, some 10 ms on a busy host. Being born inside takes none:
//   - on cgroup v2 (and the unified hierarchy of a hybrid host), clone3
//     places the child with CLONE_INTO_CGROUP;
//   - on cgroup v1, a single thread may move itself (writing "0" to a
//     hierarchy's tasks file skips that lock): a thread of berth, locked
//     for the purpose, joins the cgroup in every v1 hierarchy, forks the
//     process, and goes back to berth's own cgroups. If it cannot go back
//     it stays locked, so that it ends with its goroutine.
func (m *manager) StartInside(attr *syscall.SysProcAttr, start func() error) (bool, error) {
	dirs := m.lib.GetPaths()
	var unified string
	if m.v2 {
		unified = m.procs
	} else {
		unified = dirs[""]
	}
	if unified != "" {
		fd, err := unix.Open(unified, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return false, start()
		}
		defer unix.Close(fd)
		attr.UseCgroupFD, attr.CgroupFD = true, fd
	}
	if m.v2 {
		return true, start()
	}
	type result struct {
		joined bool
		err    error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		back, joined := m.joinThread(dirs)
		err := start()
		if back() {
			runtime.UnlockOSThread()
		}
		done <- result{joined, err}
	}()
	r := <-done
	return r.joined, r.err
}

// joinThread moves the calling thread into the cgroup in every v1
// hierarchy. back returns it to the cgroups of berth's main thread and
// reports whether it could.
func (m *manager) joinThread(dirs map[string]string) (back func() bool, joined bool) {
	own, err := lib.ParseCgroupFile("/proc/self/cgroup")
	if err != nil {
		return func() bool { return true }, false
	}
	var homes []string
	joined = true
	for name, dir := range dirs {
		if name == "" {
			continue
		}
		home := ownDir(name, dir, m.path, own)
		if home == "" {
			joined = false
			break
		}
		homes = append(homes, home)
		// A hierarchy where the cgroup was not made (the devices one,
		// when devices are left alone) is one Apply skips too.
		if err := writeTasks(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			joined = false
			break
		}
	}
	return func() bool {
		ok := true
		for _, h := range homes {
			if writeTasks(h) != nil {
				ok = false
			}
		}
		return ok
	}, joined
}

// ownDir is the directory, in the hierarchy where the container's cgroup
// is dir, of the cgroup berth's main thread is in; "" when it cannot tell.
func ownDir(name, dir, path string, own map[string]string) string {
	p, ok := own[name]
	if !ok {
		return ""
	}
	mnt, ok := strings.CutSuffix(dir, path)
	if !ok || mnt == "" {
		// A hierarchy mounted from below its root (nested): ask the
		// mount table.
		home, err := lib.GetOwnCgroupPath(strings.TrimPrefix(name, lib.CgroupNamePrefix))
		if err != nil {
			return ""
		}
		return home
	}
	return filepath.Join(mnt, p)
}

// writeTasks moves the calling thread into the cgroup at dir.
func writeTasks(dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, "tasks"), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("0")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

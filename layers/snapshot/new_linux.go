package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// New returns the snapshotter for the berth root: overlay where overlayfs
// can be mounted on the root's filesystem, copy otherwise. Snapshots live in
// root/snapshots/<name>. The choice is made once per root, by a test mount
// the first time: a root keeps the snapshotter its snapshots were made with,
// and no later berth process pays for the test again.
func New(root string) (Snapshotter, error) {
	base := filepath.Join(root, "snapshots")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("opening snapshots: %w", err)
	}
	if _, err := os.Stat(filepath.Join(base, "overlay")); err == nil {
		removeStaleChecks(base)
		return NewOverlay(filepath.Join(base, "overlay"))
	}
	if _, err := os.Stat(filepath.Join(base, "copy")); err == nil {
		return NewCopy(filepath.Join(base, "copy"))
	}
	removeStaleChecks(base)
	if OverlaySupported(base) {
		return NewOverlay(filepath.Join(base, "overlay"))
	}
	return NewCopy(filepath.Join(base, "copy"))
}

// OverlaySupported mounts a small overlay in dir to see whether overlayfs
// works on that filesystem (it does not, for instance, with an upper
// directory on another overlay).
func OverlaySupported(dir string) bool {
	tmp, err := os.MkdirTemp(dir, fmt.Sprintf("%s%d-", checkPrefix, os.Getpid()))
	if err != nil {
		return false
	}
	defer os.RemoveAll(tmp)
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		if os.Mkdir(filepath.Join(tmp, d), 0o755) != nil {
			return false
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", filepath.Join(tmp, "lower"), filepath.Join(tmp, "upper"), filepath.Join(tmp, "work"))
	merged := filepath.Join(tmp, "merged")
	// The test mount is made in a mount namespace of the thread's own, which
	// goes with the thread: a process killed at any point leaves no mount
	// on the host. Where no namespace can be made, it is made in place and
	// undone.
	inPlace := func() bool {
		if unix.Mount("overlay", merged, "overlay", 0, opts) != nil {
			return false
		}
		unix.Unmount(merged, unix.MNT_DETACH)
		return true
	}
	const isolated, notIsolated = 1, 2
	result := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		if unix.Unshare(unix.CLONE_NEWNS) != nil {
			runtime.UnlockOSThread() // still in berth's namespace
			result <- notIsolated
			return
		}
		// From here the thread stays locked, and ends with the goroutine.
		if unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, "") != nil {
			result <- notIsolated
			return
		}
		if unix.Mount("overlay", merged, "overlay", 0, opts) != nil {
			result <- 0
			return
		}
		result <- isolated
	}()
	switch <-result {
	case isolated:
		return true
	case notIsolated:
		return inPlace()
	}
	return false
}

// checkPrefix starts the name of a test mount's directory, followed by the
// pid of the process that made it.
const checkPrefix = ".overlay-check-"

// removeStaleChecks undoes the test mounts of processes that were killed
// before they could unmount them. Those of live processes are left alone.
func removeStaleChecks(base string) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), checkPrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err == nil && pid > 0 && unix.Kill(pid, 0) != unix.ESRCH {
			continue
		}
		dir := filepath.Join(base, e.Name())
		unix.Unmount(filepath.Join(dir, "merged"), unix.MNT_DETACH)
		os.RemoveAll(dir)
	}
}

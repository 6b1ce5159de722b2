package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountFlag is what a mount option turns into: a flag to set or to clear.
type mountFlag struct {
	clear bool
	flag  uintptr
}

var mountFlags = map[string]mountFlag{
	"ro": {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
	"nosuid": {false, unix.MS_NOSUID}, "suid": {true, unix.MS_NOSUID},
	"nodev": {false, unix.MS_NODEV}, "dev": {true, unix.MS_NODEV},
	"noexec": {false, unix.MS_NOEXEC}, "exec": {true, unix.MS_NOEXEC},
	"sync": {false, unix.MS_SYNCHRONOUS}, "async": {true, unix.MS_SYNCHRONOUS},
	"dirsync": {false, unix.MS_DIRSYNC}, "remount": {false, unix.MS_REMOUNT},
	"mand": {false, unix.MS_MANDLOCK}, "nomand": {true, unix.MS_MANDLOCK},
	"noatime": {false, unix.MS_NOATIME}, "atime": {true, unix.MS_NOATIME},
	"nodiratime": {false, unix.MS_NODIRATIME}, "diratime": {true, unix.MS_NODIRATIME},
	"relatime": {false, unix.MS_RELATIME}, "norelatime": {true, unix.MS_RELATIME},
	"strictatime": {false, unix.MS_STRICTATIME}, "nostrictatime": {true, unix.MS_STRICTATIME},
	"bind": {false, unix.MS_BIND}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
}

var propagationFlags = map[string]uintptr{
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// parseMountOptions splits options into flags, propagation flags and the
// data string the filesystem gets.
func parseMountOptions(opts []string) (flags uintptr, prop []uintptr, data string) {
	var rest []string
	for _, o := range opts {
		if f, ok := mountFlags[o]; ok {
			if f.clear {
				flags &^= f.flag
			} else {
				flags |= f.flag
			}
		} else if p, ok := propagationFlags[o]; ok {
			prop = append(prop, p)
		} else {
			rest = append(rest, o)
		}
	}
	return flags, prop, strings.Join(rest, ",")
}

// fdPath names an open file by its /proc/self/fd entry, so that a mount
// lands on the very file that was resolved inside the rootfs, whatever
// happens to the path meanwhile (CVE-2021-30465).
func fdPath(f *os.File) string { return fmt.Sprintf("/proc/self/fd/%d", f.Fd()) }

// mountTarget resolves dest inside root without leaving it (symlinks are
// followed as if root were /), creating it, as a directory or, when file is
// set, as an empty file, if it does not exist. The result is an O_PATH
// handle.
func mountTarget(root *os.File, dest string, file bool) (*os.File, error) {
	if h, err := pathrs.OpenatInRoot(root, dest); err == nil {
		return h, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if !file {
		return pathrs.MkdirAllHandle(root, dest, 0o755)
	}
	dir, err := pathrs.MkdirAllHandle(root, filepath.Dir(dest), 0o755)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	fd, err := unix.Openat(int(dir.Fd()), filepath.Base(dest), unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_RDONLY, 0o644)
	if err != nil && err != unix.EEXIST {
		return nil, err
	}
	if fd >= 0 {
		unix.Close(fd)
	}
	return pathrs.OpenatInRoot(root, dest)
}

// mountOne makes one of the config's mounts inside rootfs.
func mountOne(root *os.File, m specs.Mount, i int) error {
	field := fmt.Sprintf("mounts[%d] (%s)", i, m.Destination)
	flags, props, data := parseMountOptions(m.Options)
	typ, src := m.Type, m.Source
	if typ == "bind" || flags&unix.MS_BIND != 0 {
		typ = "bind"
		flags |= unix.MS_BIND
	}
	if typ == "cgroup" {
		return mountCgroup(root, m, flags)
	}
	isFile := false
	if typ == "bind" {
		fi, err := os.Stat(src)
		if err != nil {
			return fmt.Errorf("%s: source: %w", field, err)
		}
		isFile = !fi.IsDir()
	}
	target, err := mountTarget(root, m.Destination, isFile)
	if err != nil {
		return fmt.Errorf("%s: resolving the target in the rootfs: %w", field, err)
	}
	defer target.Close()
	tp := fdPath(target)
	if typ == "bind" {
		if err := unix.Mount(src, tp, "", flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
			return fmt.Errorf("%s: bind mount of %s: %w", field, src, err)
		}
		// A bind mount takes other flags only on a remount, and that
		// remount must act on the new mount, not the file below it.
		if rest := flags &^ (unix.MS_BIND | unix.MS_REC); rest != 0 {
			if err := remountBind(m.Destination, root, rest); err != nil {
				return fmt.Errorf("%s: %w", field, err)
			}
		}
	} else {
		if err := unix.Mount(src, tp, typ, flags, data); err != nil {
			return fmt.Errorf("%s: mounting %s: %w", field, typ, err)
		}
		if typ == "proc" {
			if err := checkFS(root, m.Destination, unix.PROC_SUPER_MAGIC); err != nil {
				return fmt.Errorf("%s: %w", field, err)
			}
		}
	}
	for _, p := range props {
		h, err := pathrs.OpenatInRoot(root, m.Destination)
		if err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		err = unix.Mount("", fdPath(h), "", p, "")
		h.Close()
		if err != nil {
			return fmt.Errorf("%s: setting propagation: %w", field, err)
		}
	}
	return nil
}

// remountBind remounts the bind mount at dest (inside root) with flags,
// keeping the flags the kernel locked on it.
func remountBind(dest string, root *os.File, flags uintptr) error {
	h, err := pathrs.OpenatInRoot(root, dest)
	if err != nil {
		return err
	}
	defer h.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(h.Fd()), &st); err != nil {
		return err
	}
	keep := uintptr(st.Flags) & (unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RDONLY | unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_NODIRATIME)
	if err := unix.Mount("", fdPath(h), "", unix.MS_BIND|unix.MS_REMOUNT|flags|keep, ""); err != nil {
		return fmt.Errorf("remounting with flags %#x: %w", flags, err)
	}
	return nil
}

// checkFS verifies that dest inside root is on a filesystem of the given
// type, so that berth never writes to a fake /proc (CVE-2019-16884).
func checkFS(root *os.File, dest string, magic int64) error {
	h, err := pathrs.OpenatInRoot(root, dest)
	if err != nil {
		return err
	}
	defer h.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(h.Fd()), &st); err != nil {
		return err
	}
	if int64(st.Type) != magic {
		return fmt.Errorf("%s is not the expected filesystem (type %#x)", dest, st.Type)
	}
	return nil
}

// mountCgroup mounts the container's view of its cgroups: cgroup2 on a
// unified host, otherwise a tmpfs holding one cgroup v1 mount per
// hierarchy, each rooted at the container's cgroup through its cgroup
// namespace.
func mountCgroup(root *os.File, m specs.Mount, flags uintptr) error {
	target, err := mountTarget(root, m.Destination, false)
	if err != nil {
		return fmt.Errorf("mount %s: %w", m.Destination, err)
	}
	defer target.Close()
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		if err := unix.Mount("cgroup2", fdPath(target), "cgroup2", flags, ""); err != nil {
			return fmt.Errorf("mount %s: cgroup2: %w", m.Destination, err)
		}
		return nil
	}
	if err := unix.Mount("tmpfs", fdPath(target), "tmpfs", (flags&^unix.MS_RDONLY)|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=755"); err != nil {
		return fmt.Errorf("mount %s: tmpfs: %w", m.Destination, err)
	}
	// The handle names the directory below the new tmpfs: open it again.
	tmpfs, err := pathrs.OpenatInRoot(root, m.Destination)
	if err != nil {
		return fmt.Errorf("mount %s: %w", m.Destination, err)
	}
	defer tmpfs.Close()
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		name, typ, opts := parts[1], "cgroup", parts[1]
		switch {
		case name == "":
			name, typ, opts = "unified", "cgroup2", ""
		case strings.HasPrefix(name, "name="):
			name = strings.TrimPrefix(name, "name=")
			opts = "none," + opts
		}
		if name == "misc" {
			continue
		}
		dest := filepath.Join(m.Destination, name)
		h, err := mountTarget(root, dest, false)
		if err != nil {
			return fmt.Errorf("mount %s: %w", dest, err)
		}
		err = unix.Mount("cgroup", fdPath(h), typ, flags, opts)
		h.Close()
		if err != nil {
			return fmt.Errorf("mount %s: %s %s: %w", dest, typ, opts, err)
		}
		if strings.Contains(name, ",") {
			for _, alias := range strings.Split(name, ",") {
				_ = unix.Symlinkat(name, int(tmpfs.Fd()), alias)
			}
		}
	}
	if flags&unix.MS_RDONLY != 0 {
		if err := remountBind(m.Destination, root, unix.MS_RDONLY); err != nil {
			return fmt.Errorf("mount %s: %w", m.Destination, err)
		}
	}
	return nil
}

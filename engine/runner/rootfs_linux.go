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

var rootPropagation = map[string]uintptr{
	"": unix.MS_SLAVE | unix.MS_REC, "slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// setupRootfs builds the container's filesystem view in the init's new
// mount namespace and makes rootfs its root.
func setupRootfs(spec *specs.Spec, rootfs string) error {
	prop, ok := rootPropagation[spec.Linux.RootfsPropagation]
	if !ok {
		return invalid("linux.rootfsPropagation", "unknown propagation %q", spec.Linux.RootfsPropagation)
	}
	// Nothing mounted from here on may reach the host's mount table.
	if err := unix.Mount("", "/", "", prop, ""); err != nil {
		return fmt.Errorf("making / %s: %w", spec.Linux.RootfsPropagation, err)
	}
	// pivot_root needs the new root to be a mount point.
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("root.path: bind mount of %s: %w", rootfs, err)
	}
	root, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("root.path: %w", err)
	}
	defer root.Close()
	devTmpfs := false
	for i, m := range spec.Mounts {
		if err := mountOne(root, m, i); err != nil {
			return err
		}
		if filepath.Clean(m.Destination) == "/dev" && m.Type != "bind" {
			devTmpfs = true
		}
	}
	if devTmpfs {
		if err := makeDevices(root, spec.Linux.Devices); err != nil {
			return err
		}
	}
	if err := pivotRoot(rootfs); err != nil {
		return err
	}
	return nil
}

// makeDevices fills a fresh /dev with the standard nodes, the config's own
// devices and docker's symbolic links.
func makeDevices(root *os.File, extra []specs.LinuxDevice) error {
	dev, err := pathrs.OpenatInRoot(root, "/dev")
	if err != nil {
		return fmt.Errorf("opening /dev in the rootfs: %w", err)
	}
	defer dev.Close()
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, d := range defaultDevices {
		if err := mknod(root, d.path, unix.S_IFCHR|d.mode, d.major, d.minor, 0, 0); err != nil {
			return err
		}
	}
	for i, d := range extra {
		typ := map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}[d.Type]
		if typ == 0 {
			return invalid(fmt.Sprintf("linux.devices[%d].type", i), "unknown device type %q", d.Type)
		}
		mode := uint32(0o666)
		if d.FileMode != nil {
			mode = uint32(*d.FileMode) & 0o7777
		}
		var uid, gid uint32
		if d.UID != nil {
			uid = *d.UID
		}
		if d.GID != nil {
			gid = *d.GID
		}
		if err := mknod(root, d.Path, typ|mode, uint32(d.Major), uint32(d.Minor), uid, gid); err != nil {
			return fmt.Errorf("linux.devices[%d]: %w", i, err)
		}
	}
	for name, target := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx"} {
		if name == "ptmx" {
			// The node a newinstance devpts has no use for.
			_ = unix.Unlinkat(int(dev.Fd()), name, 0)
		}
		if err := unix.Symlinkat(target, int(dev.Fd()), name); err != nil && err != unix.EEXIST {
			return fmt.Errorf("linking /dev/%s: %w", name, err)
		}
	}
	return nil
}

// mknod makes the device node path (inside root) owned by uid:gid.
func mknod(root *os.File, path string, mode, major, minor, uid, gid uint32) error {
	dir, err := pathrs.MkdirAllHandle(root, filepath.Dir(path), 0o755)
	if err != nil {
		return fmt.Errorf("device %s: %w", path, err)
	}
	defer dir.Close()
	name := filepath.Base(path)
	if err := unix.Mknodat(int(dir.Fd()), name, mode, int(unix.Mkdev(major, minor))); err != nil && err != unix.EEXIST {
		return fmt.Errorf("device %s: %w", path, err)
	}
	if uid != 0 || gid != 0 {
		if err := unix.Fchownat(int(dir.Fd()), name, int(uid), int(gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("device %s: %w", path, err)
		}
	}
	return nil
}

// pivotRoot makes rootfs the root and detaches the old one. Where
// pivot_root cannot work (a rootfs on the initramfs), it falls back to
// moving the rootfs over / and chroot, as runc's no-pivot mode does.
func pivotRoot(rootfs string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(oldroot)
	newroot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(newroot)
	if err := unix.Fchdir(newroot); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		if err != unix.EINVAL {
			return fmt.Errorf("pivot_root: %w", err)
		}
		if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
			return fmt.Errorf("moving the rootfs over /: %w", err)
		}
		if err := unix.Chroot("."); err != nil {
			return fmt.Errorf("chroot: %w", err)
		}
		return unix.Chdir("/")
	}
	// The old root is stacked below the new one: detach it, after making
	// sure its unmount cannot propagate to the host.
	if err := unix.Fchdir(oldroot); err != nil {
		return err
	}
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("making the old root a slave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detaching the old root: %w", err)
	}
	return unix.Chdir("/")
}

// finishRootfs does what must follow pivot_root: sysctls, masked and
// read-only paths, a read-only root.
func finishRootfs(spec *specs.Spec) error {
	root, err := os.OpenFile("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	if len(spec.Linux.Sysctl) > 0 {
		if err := checkFS(root, "/proc", unix.PROC_SUPER_MAGIC); err != nil {
			return fmt.Errorf("linux.sysctl: %w", err)
		}
		for k, v := range spec.Linux.Sysctl {
			p := "/proc/sys/" + strings.ReplaceAll(k, ".", "/")
			h, err := pathrs.OpenatInRoot(root, p)
			if err != nil {
				return invalid("linux.sysctl", "%s: %v", k, err)
			}
			f, err := pathrs.Reopen(h, unix.O_WRONLY|unix.O_CLOEXEC)
			h.Close()
			if err != nil {
				return invalid("linux.sysctl", "%s: %v", k, err)
			}
			_, err = f.WriteString(v)
			f.Close()
			if err != nil {
				return invalid("linux.sysctl", "%s=%s: %v", k, v, err)
			}
		}
	}
	if err := maskPaths(root, spec.Linux.MaskedPaths); err != nil {
		return err
	}
	for _, p := range spec.Linux.ReadonlyPaths {
		h, err := pathrs.OpenatInRoot(root, p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("linux.readonlyPaths: %s: %w", p, err)
		}
		err = unix.Mount(fdPath(h), fdPath(h), "", unix.MS_BIND|unix.MS_REC, "")
		h.Close()
		if err != nil {
			return fmt.Errorf("linux.readonlyPaths: %s: %w", p, err)
		}
		if err := remountBind(p, root, unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC); err != nil {
			return fmt.Errorf("linux.readonlyPaths: %s: %w", p, err)
		}
	}
	if spec.Root.Readonly {
		if err := unix.Mount("", "/", "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("root.readonly: %w", err)
		}
	}
	return nil
}

// maskPaths hides paths: /dev/null bound over files, an empty read-only
// tmpfs over directories. /dev/null is checked to be the real null device
// first, so that a container that replaced it with a link to something
// else cannot make berth bind that over the masked path (the /dev/null
// races of 2025).
func maskPaths(root *os.File, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	null, err := os.OpenFile("/dev/null", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("linux.maskedPaths: opening /dev/null: %w", err)
	}
	defer null.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(null.Fd()), &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		return fmt.Errorf("linux.maskedPaths: /dev/null is not the null device")
	}
	for _, p := range paths {
		h, err := pathrs.OpenatInRoot(root, p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("linux.maskedPaths: %s: %w", p, err)
		}
		var hs unix.Stat_t
		if err := unix.Fstat(int(h.Fd()), &hs); err != nil {
			h.Close()
			return err
		}
		if hs.Mode&unix.S_IFMT == unix.S_IFDIR {
			err = unix.Mount("tmpfs", fdPath(h), "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=0")
		} else {
			err = unix.Mount(fdPath(null), fdPath(h), "", unix.MS_BIND, "")
		}
		h.Close()
		if err != nil {
			return fmt.Errorf("linux.maskedPaths: %s: %w", p, err)
		}
	}
	return nil
}

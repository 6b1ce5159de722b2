package snapshot

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount is one mount of a snapshot.
type Mount struct {
	Type    string // "overlay" or "bind"
	Source  string
	Options []string // for overlay: lowerdir=, upperdir=, workdir=; for bind: rbind, ro, rw
}

// MountAll mounts a snapshot's mounts at target, in order.
func MountAll(mounts []Mount, target string) error {
	for _, m := range mounts {
		if err := m.mount(target); err != nil {
			UnmountAll(target)
			return err
		}
	}
	return nil
}

func (m Mount) mount(target string) error {
	switch m.Type {
	case "bind":
		flags := uintptr(unix.MS_BIND | unix.MS_REC)
		if err := unix.Mount(m.Source, target, "", flags, ""); err != nil {
			return fmt.Errorf("mounting %s on %s: %w", m.Source, target, err)
		}
		for _, o := range m.Options {
			if o == "ro" {
				if err := unix.Mount("", target, "", flags|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
					return fmt.Errorf("making %s read-only: %w", target, err)
				}
			}
		}
		return nil
	case "overlay":
		data := strings.Join(m.Options, ",")
		if err := unix.Mount("overlay", target, "overlay", 0, data); err != nil {
			return fmt.Errorf("mounting overlay on %s: %w", target, err)
		}
		return nil
	}
	return fmt.Errorf("unknown mount type %q", m.Type)
}

// UnmountAll unmounts everything mounted at target (stacked mounts too).
func UnmountAll(target string) error {
	for i := 0; i < 16; i++ {
		err := unix.Unmount(target, 0)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			return nil // nothing (more) mounted there
		}
		if errors.Is(err, unix.EBUSY) {
			err = unix.Unmount(target, unix.MNT_DETACH)
		}
		if err != nil {
			return fmt.Errorf("unmounting %s: %w", target, err)
		}
	}
	return nil
}

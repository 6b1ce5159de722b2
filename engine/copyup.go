package engine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/berth-dev/berth/engine/container"
)

// copyUp fills named volumes from the image, as docker does: the first
// container to mount an empty volume copies what its image holds at the
// mount's target into it. A volume mounted with nocopy is left alone.
func (e *Engine) copyUp(rec *container.Record, rootfs string) error {
	var root *os.Root
	for _, m := range rec.Config.Mounts {
		if m.Type != "volume" || hasOption(m.Options, "nocopy") {
			continue
		}
		if root == nil {
			r, err := os.OpenRoot(rootfs)
			if err != nil {
				return err
			}
			defer r.Close()
			root = r
		}
		target := strings.TrimPrefix(filepath.Clean(m.Target), "/")
		fi, err := root.Stat(target)
		if err != nil || !fi.IsDir() {
			continue // nothing in the image there
		}
		first, err := e.Volumes.MarkPopulated(m.Source)
		if err != nil || !first {
			continue
		}
		dst := filepath.Join(e.Root, volumesDir, m.Source, "_data")
		if err := copyTree(root, target, dst); err != nil {
			return fmt.Errorf("copying %s from the image into volume %s: %w", m.Target, m.Source, err)
		}
	}
	return nil
}

// copyTree copies the directory src inside root (never leaving it, whatever
// links the image holds) into dst, keeping modes, owners and links.
func copyTree(root *os.Root, src, dst string) error {
	fi, err := root.Lstat(src)
	if err != nil {
		return err
	}
	if err := keepMeta(dst, fi); err != nil {
		return err
	}
	d, err := root.Open(src)
	if err != nil {
		return err
	}
	ents, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return err
	}
	for _, ent := range ents {
		s, t := filepath.Join(src, ent.Name()), filepath.Join(dst, ent.Name())
		info, err := root.Lstat(s)
		if err != nil {
			return err
		}
		switch {
		case info.IsDir():
			if err := os.Mkdir(t, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			if err := copyTree(root, s, t); err != nil {
				return err
			}
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := root.Readlink(s)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, t); err != nil {
				return err
			}
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				_ = os.Lchown(t, int(st.Uid), int(st.Gid))
			}
		case info.Mode().IsRegular():
			if err := copyFile(root, s, t, info); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyFile(root *os.Root, src, dst string, fi fs.FileInfo) error {
	in, err := root.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return keepMeta(dst, fi)
}

// keepMeta gives path fi's owner and mode.
func keepMeta(path string, fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if err := os.Lchown(path, int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
	}
	return os.Chmod(path, fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
}

package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DiffOverlay writes the changes an overlay upper directory holds as a layer
// tar: its files as they are, a 0/0 character device as a ".wh." whiteout
// of that name, and a directory marked opaque followed by ".wh..wh..opq".
// Entries come in sorted order, so the same changes give the same layer.
func DiffOverlay(ctx context.Context, w io.Writer, upper string) error {
	tw := newWriter(w)
	err := filepath.WalkDir(upper, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(upper, p)
		if rel == "." {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if isWhiteoutDevice(fi) {
			return tw.whiteout(path.Join(path.Dir(rel), WhiteoutPrefix+path.Base(rel)), fi)
		}
		if err := tw.add(p, rel, fi); err != nil {
			return err
		}
		if fi.IsDir() && isOpaque(p) {
			return tw.whiteout(path.Join(rel, OpaqueMarker), fi)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing layer from %s: %w", upper, err)
	}
	return tw.Close()
}

// DiffDirs writes the changes from base to changed as a layer tar: what is
// new or different in changed (by type, mode, owner, size, modification time
// or link target), the directories that hold it, and a whiteout for what is
// gone. Used where overlayfs cannot run and a container's rootfs is a copy.
func DiffDirs(ctx context.Context, w io.Writer, base, changed string) error {
	tw := newWriter(w)
	err := filepath.WalkDir(changed, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(changed, p)
		if rel == "." {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		old, err := os.Lstat(filepath.Join(base, rel))
		if err == nil && same(old, fi, filepath.Join(base, rel), p) {
			return nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		// A directory that changed type starts afresh: hide what base held in it.
		if err := tw.addWithParents(changed, rel, fi); err != nil {
			return err
		}
		if fi.IsDir() && old != nil && !old.IsDir() {
			return tw.whiteout(path.Join(rel, OpaqueMarker), fi)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing layer from %s: %w", changed, err)
	}
	// What base has and changed does not is gone: one whiteout for the
	// topmost missing path, not for everything below it.
	err = filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		if rel == "." {
			return nil
		}
		if _, err := os.Lstat(filepath.Join(changed, rel)); errors.Is(err, fs.ErrNotExist) {
			if err := tw.whiteoutWithParents(changed, rel); err != nil {
				return err
			}
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing layer from %s: %w", changed, err)
	}
	return tw.Close()
}

func isWhiteoutDevice(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.Mode()&fs.ModeCharDevice != 0 && st.Rdev == 0
}

func isOpaque(p string) bool {
	buf := make([]byte, 2)
	n, err := unix.Lgetxattr(p, OverlayOpaqueXattr, buf)
	return err == nil && string(buf[:n]) == "y"
}

// same reports whether an entry did not change between base and changed.
func same(a, b fs.FileInfo, pa, pb string) bool {
	sa, sb := a.Sys().(*syscall.Stat_t), b.Sys().(*syscall.Stat_t)
	if a.Mode() != b.Mode() || sa.Uid != sb.Uid || sa.Gid != sb.Gid {
		return false
	}
	switch {
	case a.Mode().IsRegular():
		return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
	case a.Mode()&fs.ModeSymlink != 0:
		la, _ := os.Readlink(pa)
		lb, _ := os.Readlink(pb)
		return la == lb
	case a.Mode()&fs.ModeDevice != 0:
		return sa.Rdev == sb.Rdev
	}
	return true // directories: their children speak for them
}

// writer writes layer entries, remembering hard links and the directories
// already written.
type writer struct {
	tw      *tar.Writer
	links   map[uint64]string // inode to the first name written for it
	written map[string]bool
	buf     []byte
}

func newWriter(w io.Writer) *writer {
	return &writer{tw: tar.NewWriter(w), links: map[uint64]string{}, written: map[string]bool{}, buf: make([]byte, 1<<20)}
}

func (w *writer) Close() error { return w.tw.Close() }

// addWithParents writes rel and, first, any parent directory not yet written.
func (w *writer) addWithParents(root, rel string, fi fs.FileInfo) error {
	if dir := path.Dir(rel); dir != "." && !w.written[dir] {
		pfi, err := os.Lstat(filepath.Join(root, dir))
		if err != nil {
			return err
		}
		if err := w.addWithParents(root, dir, pfi); err != nil {
			return err
		}
	}
	if w.written[rel] {
		return nil
	}
	return w.add(filepath.Join(root, rel), rel, fi)
}

func (w *writer) whiteoutWithParents(root, rel string) error {
	if dir := path.Dir(rel); dir != "." && !w.written[dir] {
		pfi, err := os.Lstat(filepath.Join(root, dir))
		if err != nil {
			return err
		}
		if err := w.addWithParents(root, dir, pfi); err != nil {
			return err
		}
	}
	return w.whiteout(path.Join(path.Dir(rel), WhiteoutPrefix+path.Base(rel)), nil)
}

func (w *writer) whiteout(name string, _ fs.FileInfo) error {
	return w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o600, Format: tar.FormatPAX,
		ModTime: time.Unix(0, 0)})
}

// add writes one entry with its owner, mode, time, link target, device
// numbers and extended attributes (overlay's own left out).
func (w *writer) add(p, rel string, fi fs.FileInfo) error {
	st := fi.Sys().(*syscall.Stat_t)
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	}
	h, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	h.Name = rel
	if fi.IsDir() {
		h.Name += "/"
	}
	h.Uid, h.Gid = int(st.Uid), int(st.Gid)
	h.Uname, h.Gname = "", ""
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	h.Format = tar.FormatPAX
	if fi.Mode().IsRegular() && st.Nlink > 1 {
		if first, ok := w.links[st.Ino]; ok {
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
		} else {
			w.links[st.Ino] = rel
		}
	}
	if err := addXattrs(h, p); err != nil {
		return err
	}
	if err := w.tw.WriteHeader(h); err != nil {
		return err
	}
	w.written[rel] = true
	if h.Typeflag != tar.TypeReg || h.Size == 0 {
		return nil
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyBuffer(w.tw, io.LimitReader(f, h.Size), w.buf)
	return err
}

func addXattrs(h *tar.Header, p string) error {
	size, err := unix.Llistxattr(p, nil)
	if err != nil || size == 0 {
		return nil
	}
	names := make([]byte, size)
	size, err = unix.Llistxattr(p, names)
	if err != nil {
		return nil
	}
	for _, name := range strings.Split(strings.TrimRight(string(names[:size]), "\x00"), "\x00") {
		if name == "" || strings.HasPrefix(name, "trusted.overlay.") {
			continue
		}
		val := make([]byte, 64<<10)
		n, err := unix.Lgetxattr(p, name, val)
		if err != nil {
			continue
		}
		if h.PAXRecords == nil {
			h.PAXRecords = map[string]string{}
		}
		h.PAXRecords["SCHILY.xattr."+name] = string(val[:n])
	}
	return nil
}

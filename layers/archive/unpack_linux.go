package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Options change how Unpack writes.
type Options struct {
	Whiteouts Whiteouts
	// NoChown leaves files owned by the caller instead of the archive's
	// owners (for unprivileged use).
	NoChown bool
}

// Stats count what Unpack wrote.
type Stats struct {
	Entries int
	Bytes   int64
}

// Unpack extracts the uncompressed layer tar r into dir, which must exist.
// Owners, modes (setuid and sticky bits included), times, extended
// attributes, links, device nodes and whiteouts are honoured; nothing is
// written outside dir. On error the entry at fault is named; what was
// written before it stays (callers unpack into a fresh directory and discard
// it on failure).
func Unpack(ctx context.Context, r io.Reader, dir string, opts Options) (Stats, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Stats{}, fmt.Errorf("unpacking into %s: %w", dir, err)
	}
	u := &unpacker{root: root, opts: opts, parents: map[string]*os.File{}, created: map[string]bool{},
		buf: make([]byte, 1<<20)}
	defer u.close()
	tr := tar.NewReader(r)
	var st Stats
	for {
		if st.Entries%256 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("reading layer: %w", err)
		}
		n, err := u.entry(h, tr)
		if err != nil {
			return st, fmt.Errorf("unpacking %q: %w", h.Name, err)
		}
		st.Entries++
		st.Bytes += n
	}
	return st, u.finish()
}

type unpacker struct {
	root *os.Root
	opts Options
	// parents caches open directories by their clean relative path.
	parents map[string]*os.File
	// created holds the paths this layer wrote, which an opaque marker
	// later in the same layer must not remove.
	created  map[string]bool
	dirTimes []dirTime
	buf      []byte
}

type dirTime struct {
	name         string
	atime, mtime time.Time
}

func (u *unpacker) close() {
	for _, f := range u.parents {
		f.Close()
	}
	u.root.Close()
}

// finish sets directory times last, deepest first, since writing into a
// directory changes its mtime.
func (u *unpacker) finish() error {
	sort.SliceStable(u.dirTimes, func(i, j int) bool {
		return strings.Count(u.dirTimes[i].name, "/") > strings.Count(u.dirTimes[j].name, "/")
	})
	for _, d := range u.dirTimes {
		parent, base := split(d.name)
		pfd, err := u.parent(parent)
		if err != nil {
			continue // removed by a later whiteout
		}
		setTimes(int(pfd.Fd()), base, d.atime, d.mtime)
	}
	return nil
}

func split(name string) (parent, base string) {
	if name == "." {
		return ".", "."
	}
	return path.Dir(name), path.Base(name)
}

// parent returns an open descriptor of the directory at the clean relative
// path p, creating it (and its parents) when missing. It is resolved through
// the os.Root, so no link on the way can lead outside the target.
func (u *unpacker) parent(p string) (*os.File, error) {
	if f, ok := u.parents[p]; ok {
		return f, nil
	}
	f, err := u.root.OpenFile(p, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if errors.Is(err, os.ErrNotExist) {
		if err := u.root.MkdirAll(p, 0o755); err != nil {
			return nil, err
		}
		f, err = u.root.OpenFile(p, os.O_RDONLY|unix.O_DIRECTORY, 0)
	}
	if err != nil {
		if strings.Contains(err.Error(), "escapes") {
			return nil, fmt.Errorf("%w: %v", ErrEscape, err)
		}
		return nil, err
	}
	u.parents[p] = f
	return f, nil
}

// forget drops cached directories at or below p, which is being removed or replaced.
func (u *unpacker) forget(p string) {
	for k, f := range u.parents {
		if k == p || strings.HasPrefix(k, p+"/") || p == "." {
			f.Close()
			delete(u.parents, k)
		}
	}
}

func (u *unpacker) entry(h *tar.Header, r io.Reader) (int64, error) {
	name, ok := cleanName(h.Name)
	if !ok {
		return 0, ErrEscape
	}
	parent, base := split(name)
	switch {
	case base == OpaqueMarker:
		return 0, u.opaque(parent)
	case strings.HasPrefix(base, WhiteoutPrefix):
		return 0, u.whiteout(parent, strings.TrimPrefix(base, WhiteoutPrefix))
	}
	if name == "." {
		if h.Typeflag != tar.TypeDir {
			return 0, fmt.Errorf("%w: the root must be a directory", ErrUnsupported)
		}
		return 0, u.rootMeta(h)
	}
	pf, err := u.parent(parent)
	if err != nil {
		return 0, err
	}
	pfd := int(pf.Fd())
	if err := u.makeRoom(pfd, name, base, h.Typeflag == tar.TypeDir); err != nil {
		return 0, err
	}
	var written int64
	switch h.Typeflag {
	case tar.TypeDir:
		if err := unix.Mkdirat(pfd, base, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
			return 0, err
		}
		if err := u.meta(pfd, base, h, -1); err != nil {
			return 0, err
		}
		u.dirTimes = append(u.dirTimes, dirTime{name, h.AccessTime, h.ModTime})
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return 0, err
		}
		f := os.NewFile(uintptr(fd), base)
		written, err = io.CopyBuffer(fileWriter{f}, r, u.buf)
		if err == nil {
			err = u.meta(pfd, base, h, fd)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return written, err
		}
	case tar.TypeSymlink:
		if err := unix.Symlinkat(h.Linkname, pfd, base); err != nil {
			return 0, err
		}
		if err := u.meta(pfd, base, h, -1); err != nil {
			return 0, err
		}
	case tar.TypeLink:
		target, ok := cleanName(h.Linkname)
		if !ok || target == "." {
			return 0, fmt.Errorf("%w: hard link to %q", ErrEscape, h.Linkname)
		}
		tparent, tbase := split(target)
		tf, err := u.parent(tparent)
		if err != nil {
			return 0, fmt.Errorf("hard link to %q: %w", h.Linkname, err)
		}
		// Flags 0: a link to a symbolic link links the link itself, never
		// what it points at.
		if err := unix.Linkat(int(tf.Fd()), tbase, pfd, base, 0); err != nil {
			return 0, fmt.Errorf("hard link to %q: %w", h.Linkname, err)
		}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		mode := uint32(h.Mode & 0o7777)
		switch h.Typeflag {
		case tar.TypeChar:
			mode |= unix.S_IFCHR
		case tar.TypeBlock:
			mode |= unix.S_IFBLK
		default:
			mode |= unix.S_IFIFO
		}
		if err := unix.Mknodat(pfd, base, mode, int(unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor)))); err != nil {
			return 0, err
		}
		if err := u.meta(pfd, base, h, -1); err != nil {
			return 0, err
		}
	case tar.TypeXGlobalHeader:
		return 0, nil
	default:
		return 0, fmt.Errorf("%w: type %q", ErrUnsupported, string(h.Typeflag))
	}
	u.created[name] = true
	return written, nil
}

// fileWriter hides os.File's ReadFrom, so that io.CopyBuffer uses our buffer.
type fileWriter struct{ f *os.File }

func (w fileWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

// makeRoom removes what is at base unless both it and the new entry are
// directories (which merge), as tar replaces files it overwrites.
func (u *unpacker) makeRoom(pfd int, name, base string, isDir bool) error {
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return err
	}
	existingDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	if existingDir && isDir {
		return nil
	}
	if existingDir {
		u.forget(name)
		return u.root.RemoveAll(name)
	}
	return unix.Unlinkat(pfd, base, 0)
}

// meta sets owner, mode, extended attributes and (for non-directories)
// times; fd is the open file for regular files, or -1.
func (u *unpacker) meta(pfd int, base string, h *tar.Header, fd int) error {
	if !u.opts.NoChown {
		if err := unix.Fchownat(pfd, base, h.Uid, h.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("setting owner: %w", err)
		}
	}
	if h.Typeflag == tar.TypeSymlink {
		return setTimes(pfd, base, h.AccessTime, h.ModTime)
	}
	// After chown, which clears setuid and setgid bits.
	mode := uint32(h.Mode & 0o7777)
	var err error
	if fd >= 0 {
		err = unix.Fchmod(fd, mode)
	} else {
		err = unix.Fchmodat(pfd, base, mode, 0)
	}
	if err != nil {
		return fmt.Errorf("setting mode: %w", err)
	}
	if err := u.xattrs(pfd, base, h, fd); err != nil {
		return err
	}
	if h.Typeflag == tar.TypeDir {
		return nil
	}
	return setTimes(pfd, base, h.AccessTime, h.ModTime)
}

func (u *unpacker) xattrs(pfd int, base string, h *tar.Header, fd int) error {
	for k, v := range h.PAXRecords {
		name, ok := strings.CutPrefix(k, "SCHILY.xattr.")
		if !ok {
			continue
		}
		f := fd
		if f < 0 {
			// A directory or device: open it without following links.
			nf, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_PATH, 0)
			if err != nil {
				return err
			}
			defer unix.Close(nf)
			if err := unix.Lsetxattr(fmt.Sprintf("/proc/self/fd/%d", nf), name, []byte(v), 0); err != nil && !errors.Is(err, unix.ENOTSUP) {
				return fmt.Errorf("setting attribute %s: %w", name, err)
			}
			continue
		}
		if err := unix.Fsetxattr(f, name, []byte(v), 0); err != nil && !errors.Is(err, unix.ENOTSUP) {
			return fmt.Errorf("setting attribute %s: %w", name, err)
		}
	}
	return nil
}

func setTimes(pfd int, base string, atime, mtime time.Time) error {
	if atime.IsZero() {
		atime = mtime
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	if err := unix.UtimesNanoAt(pfd, base, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("setting times: %w", err)
	}
	return nil
}

// rootMeta applies the archive's "./" entry to the target directory itself.
func (u *unpacker) rootMeta(h *tar.Header) error {
	f, err := u.root.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	if !u.opts.NoChown {
		if err := f.Chown(h.Uid, h.Gid); err != nil {
			return err
		}
	}
	return f.Chmod(os.FileMode(h.Mode&0o777) | tarModeBits(h.Mode))
}

func tarModeBits(m int64) os.FileMode {
	var fm os.FileMode
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

// whiteout deletes name from dir, or in overlay form records it as a 0/0
// character device.
func (u *unpacker) whiteout(dir, name string) error {
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("%w: whiteout of %q", ErrEscape, name)
	}
	target := path.Join(dir, name)
	pf, err := u.parent(dir)
	if err != nil {
		return err
	}
	if u.opts.Whiteouts == OverlayWhiteouts {
		if err := u.makeRoom(int(pf.Fd()), target, name, false); err != nil {
			return err
		}
		if err := unix.Mknodat(int(pf.Fd()), name, unix.S_IFCHR, 0); err != nil {
			return err
		}
		u.created[target] = true
		return nil
	}
	u.forget(target)
	if err := u.root.RemoveAll(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// opaque hides what lower layers put in dir: in overlay form an attribute on
// it, otherwise the removal of every entry this layer did not write.
func (u *unpacker) opaque(dir string) error {
	pf, err := u.parent(dir)
	if err != nil {
		return err
	}
	if u.opts.Whiteouts == OverlayWhiteouts {
		if err := unix.Fsetxattr(int(pf.Fd()), OverlayOpaqueXattr, []byte("y"), 0); err != nil {
			return fmt.Errorf("marking %s opaque: %w", dir, err)
		}
		return nil
	}
	names, err := pf.Readdirnames(-1)
	if _, serr := pf.Seek(0, io.SeekStart); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	for _, n := range names {
		child := path.Join(dir, n)
		if u.created[child] {
			continue
		}
		u.forget(child)
		if err := u.root.RemoveAll(child); err != nil {
			return err
		}
	}
	return nil
}

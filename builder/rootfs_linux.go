package builder

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
	"sort"
	"strings"
	"syscall"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// unpackLayers writes layers, in order, into dir: the root filesystem a RUN
// step runs in. Every path is resolved inside dir (symlinks included), so a
// layer can never write outside it.
func unpackLayers(ctx context.Context, layers []v1.Layer, dir string) error {
	for _, l := range layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, err := l.Uncompressed()
		if err != nil {
			return fmt.Errorf("opening layer: %w", err)
		}
		err = unpackTar(rc, dir)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func unpackTar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	type dirTime struct {
		path string
		t    time.Time
	}
	var dirTimes []dirTime
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading layer: %w", err)
		}
		name := cleanRel(h.Name)
		if name == "" {
			continue
		}
		parentRel, base := path.Split(name)
		parent, err := securejoin.SecureJoin(dir, parentRel)
		if err != nil {
			return fmt.Errorf("unpacking %s: %w", name, err)
		}
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return fmt.Errorf("unpacking %s: %w", name, err)
		}
		if base == ".wh..wh..opq" {
			ents, _ := os.ReadDir(parent)
			for _, e := range ents {
				os.RemoveAll(filepath.Join(parent, e.Name()))
			}
			continue
		}
		if victim, ok := strings.CutPrefix(base, ".wh."); ok {
			os.RemoveAll(filepath.Join(parent, victim))
			continue
		}
		target := filepath.Join(parent, base)
		if fi, err := os.Lstat(target); err == nil && !(fi.IsDir() && h.Typeflag == tar.TypeDir) {
			if err := os.RemoveAll(target); err != nil {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(target, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
			dirTimes = append(dirTimes, dirTime{target, h.ModTime})
		case tar.TypeReg, tar.TypeRegA:
			f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
			if err != nil {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, target); err != nil {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
		case tar.TypeLink:
			src, err := securejoin.SecureJoin(dir, cleanRel(h.Linkname))
			if err != nil {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
			if err := os.Link(src, target); err != nil {
				return fmt.Errorf("unpacking hard link %s: %w", name, err)
			}
			continue
		case tar.TypeFifo:
			if err := unix.Mkfifo(target, uint32(h.Mode&0o7777)); err != nil {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
		case tar.TypeChar, tar.TypeBlock:
			mode := uint32(h.Mode & 0o7777)
			if h.Typeflag == tar.TypeChar {
				mode |= unix.S_IFCHR
			} else {
				mode |= unix.S_IFBLK
			}
			if err := unix.Mknod(target, mode, int(unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor)))); err != nil {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
		default:
			continue
		}
		if err := os.Lchown(target, h.Uid, h.Gid); err != nil {
			return fmt.Errorf("unpacking %s: %w", name, err)
		}
		if h.Typeflag != tar.TypeSymlink {
			if err := os.Chmod(target, fs.FileMode(h.Mode&0o777)|modeBits(h.Mode)); err != nil {
				return fmt.Errorf("unpacking %s: %w", name, err)
			}
			if h.Typeflag != tar.TypeDir {
				os.Chtimes(target, h.ModTime, h.ModTime)
			}
		}
	}
	for i := len(dirTimes) - 1; i >= 0; i-- {
		os.Chtimes(dirTimes[i].path, dirTimes[i].t, dirTimes[i].t)
	}
	return nil
}

func modeBits(m int64) fs.FileMode {
	var out fs.FileMode
	if m&0o4000 != 0 {
		out |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		out |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		out |= fs.ModeSticky
	}
	return out
}

// fileState is what a RUN step's diff compares: a file changed when any of
// these did.
type fileState struct {
	mode       fs.FileMode
	uid, gid   uint32
	size       int64
	mtime      int64
	ctime      int64
	ino        uint64
	linkTarget string
}

// scanTree records the state of every path under dir.
func scanTree(dir string) (map[string]fileState, error) {
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		st, err := stateOf(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = st
		return nil
	})
	return out, err
}

func stateOf(p string) (fileState, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return fileState{}, err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return fileState{}, err
	}
	s := fileState{mode: fi.Mode(), uid: st.Uid, gid: st.Gid, size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(), ino: st.Ino}
	if fi.Mode()&fs.ModeSymlink != 0 {
		s.linkTarget, _ = os.Readlink(p)
	}
	return s, nil
}

// diffTree returns the layer entries for what changed under dir since
// before: new and changed paths as they are now, removed ones as whiteouts.
// Paths under skip (the step's mount points) are left out.
func diffTree(dir string, before map[string]fileState, skip []string) ([]entry, error) {
	after, err := scanTree(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the step's changes: %w", err)
	}
	skipped := func(rel string) bool {
		for _, s := range skip {
			if rel == s || strings.HasPrefix(rel, s+"/") {
				return true
			}
		}
		return false
	}
	var out []entry
	for rel, st := range after {
		if skipped(rel) {
			continue
		}
		if old, ok := before[rel]; ok && old == st {
			continue
		}
		e, err := entryFor(dir, rel, st)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out = append(out, *e)
		}
	}
	var removed []string
	for rel := range before {
		if _, ok := after[rel]; !ok && !skipped(rel) {
			removed = append(removed, rel)
		}
	}
	sort.Strings(removed)
	for i, rel := range removed {
		if i > 0 && strings.HasPrefix(rel, removedParent(removed[:i], rel)) {
			continue
		}
		dirName, base := path.Split(rel)
		out = append(out, entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: path.Join(dirName, ".wh."+base), Mode: 0o600, ModTime: time.Unix(0, 0)}})
	}
	return out, nil
}

// removedParent returns the earlier removed path that contains rel, with a
// trailing slash, or a string that matches nothing.
func removedParent(earlier []string, rel string) string {
	for _, p := range earlier {
		if strings.HasPrefix(rel, p+"/") {
			return p + "/"
		}
	}
	return "\x00"
}

func entryFor(dir, rel string, st fileState) (*entry, error) {
	full := filepath.Join(dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(full)
	if err != nil {
		return nil, err
	}
	h, err := tar.FileInfoHeader(fi, st.linkTarget)
	if err != nil {
		return nil, nil // sockets and the like do not go into layers
	}
	h.Name = rel
	h.Uid, h.Gid, h.Uname, h.Gname = int(st.uid), int(st.gid), "", ""
	e := &entry{hdr: *h}
	if h.Typeflag == tar.TypeReg {
		e.open = func() (io.ReadCloser, error) { return os.Open(full) }
	}
	return e, nil
}

package builder

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/layers/archive"
)

// unpackLayers writes layers, in order, into dir: the root filesystem a RUN
// step runs in, flattened with whiteouts applied. layers/archive's extractor
// keeps every entry inside dir, however hostile the layer.
func unpackLayers(ctx context.Context, layers []v1.Layer, dir string) error {
	for _, l := range layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, err := l.Uncompressed()
		if err != nil {
			return fmt.Errorf("opening layer: %w", err)
		}
		_, err = archive.Unpack(ctx, rc, dir, archive.Options{Whiteouts: archive.ApplyWhiteouts})
		rc.Close()
		if err != nil {
			return fmt.Errorf("unpacking the step's rootfs: %w", err)
		}
	}
	return nil
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

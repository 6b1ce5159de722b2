// Package snapshottest is the conformance suite every snapshotter passes, in
// the manner of containerd's: the same scenarios, run against each
// implementation on a real filesystem with real mounts.
package snapshottest

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth-dev/berth/layers/snapshot"
)

// File is one entry of a test layer; a name ending in "/" is a directory,
// Link makes a symbolic link, and names with whiteout prefixes are whiteouts.
type File struct {
	Name, Body, Link string
	Mode             int64
	UID              int
}

// Layer builds an uncompressed layer from files.
func Layer(t testing.TB, files ...File) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.Name, Mode: f.Mode, Uid: f.UID, ModTime: time.Unix(1600000000, 0), Format: tar.FormatPAX}
		switch {
		case strings.HasSuffix(f.Name, "/"):
			h.Typeflag = tar.TypeDir
		case f.Link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.Link
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		tw.WriteHeader(h)
		tw.Write([]byte(f.Body))
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Suite runs the scenarios against the snapshotter newSnapshotter returns for a dir.
func Suite(t *testing.T, newSnapshotter func(t *testing.T, dir string) snapshot.Snapshotter) {
	scenarios := map[string]func(t *testing.T, sn snapshot.Snapshotter, root string){
		"ChainThroughMount": chainThroughMount,
		"DiffRoundTrip":     diffRoundTrip,
		"SharedLayersOnce":  sharedLayersOnce,
		"ConcurrentUnpack":  concurrentUnpack,
		"RemoveRules":       removeRules,
		"DiscardThenPurge":  discardThenPurge,
		"OwnersAndModes":    ownersAndModes,
		"LyingDiffID":       lyingDiffID,
		"Collect":           collect,
	}
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			root := t.TempDir()
			scenarios[n](t, newSnapshotter(t, filepath.Join(root, "sn")), root)
		})
	}
}

// mount mounts an active snapshot and unmounts it at the end of the test.
func mount(t *testing.T, mounts []snapshot.Mount, root string) string {
	t.Helper()
	target, _ := os.MkdirTemp(root, "rootfs-")
	if err := snapshot.MountAll(mounts, target); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snapshot.UnmountAll(target) })
	return target
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func chainThroughMount(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	layers := []v1.Layer{
		Layer(t, File{Name: "etc/"}, File{Name: "etc/a", Body: "a1"}, File{Name: "etc/b", Body: "b1"},
			File{Name: "opt/"}, File{Name: "opt/old", Body: "old"}, File{Name: "bin/sh", Link: "busybox"}),
		Layer(t, File{Name: "etc/a", Body: "a2"}, File{Name: "etc/.wh.b"}, File{Name: "opt/"}, File{Name: "opt/.wh..wh..opq"},
			File{Name: "opt/new", Body: "new"}),
	}
	top, err := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), layers)
	if err != nil {
		t.Fatal(err)
	}
	mounts, err := sn.Prepare(ctx, "c1", top)
	if err != nil {
		t.Fatal(err)
	}
	fs := mount(t, mounts, root)
	if got := read(t, filepath.Join(fs, "etc/a")); got != "a2" {
		t.Errorf("etc/a = %q, want the upper layer's a2", got)
	}
	for _, gone := range []string{"etc/b", "opt/old"} {
		if _, err := os.Lstat(filepath.Join(fs, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s should be hidden by a whiteout: %v", gone, err)
		}
	}
	if got := read(t, filepath.Join(fs, "opt/new")); got != "new" {
		t.Errorf("opt/new = %q", got)
	}
	if l, _ := os.Readlink(filepath.Join(fs, "bin/sh")); l != "busybox" {
		t.Errorf("bin/sh -> %q", l)
	}
	// Writes go to the container's own snapshot only.
	os.WriteFile(filepath.Join(fs, "etc/a"), []byte("mine"), 0o644)
	m2, err := sn.Prepare(ctx, "c2", top)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(mount(t, m2, root), "etc/a")); got != "a2" {
		t.Errorf("a sibling container sees %q: writes leaked into the shared layers", got)
	}
}

func diffRoundTrip(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	base := Layer(t, File{Name: "keep", Body: "k"}, File{Name: "gone", Body: "g"}, File{Name: "d/"}, File{Name: "d/x", Body: "x"})
	top, err := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), []v1.Layer{base})
	if err != nil {
		t.Fatal(err)
	}
	mounts, _ := sn.Prepare(ctx, "work", top)
	fs := mount(t, mounts, root)
	os.Remove(filepath.Join(fs, "gone"))
	os.RemoveAll(filepath.Join(fs, "d"))
	os.WriteFile(filepath.Join(fs, "added"), []byte("new"), 0o600)
	snapshot.UnmountAll(fs)
	var layer bytes.Buffer
	if err := sn.Diff(ctx, "work", &layer); err != nil {
		t.Fatal(err)
	}
	data := layer.Bytes()
	diff, _ := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	top2, err := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), []v1.Layer{base, diff})
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := sn.Prepare(ctx, "check", top2)
	fs2 := mount(t, m2, root)
	var names []string
	ents, _ := os.ReadDir(fs2)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "added,keep" || read(t, filepath.Join(fs2, "added")) != "new" {
		t.Fatalf("base + diff holds %v", names)
	}
}

func sharedLayersOnce(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	common := Layer(t, File{Name: "base", Body: "shared"})
	a := Layer(t, File{Name: "a", Body: "a"})
	b := Layer(t, File{Name: "b", Body: "b"})
	if _, err := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), []v1.Layer{common, a}); err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), []v1.Layer{common, b}); err != nil {
		t.Fatal(err)
	}
	n := 0
	sn.Walk(ctx, func(snapshot.Info) error { n++; return nil })
	if n != 3 {
		t.Fatalf("%d snapshots for two images sharing a base layer, want 3", n)
	}
}

func concurrentUnpack(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	layers := []v1.Layer{Layer(t, File{Name: "one", Body: "1"}), Layer(t, File{Name: "two", Body: "2"})}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), layers)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	sn.Walk(ctx, func(in snapshot.Info) error {
		if in.Kind != snapshot.Committed {
			t.Errorf("left an active snapshot %s", in.Key)
		}
		n++
		return nil
	})
	if n != 2 {
		t.Fatalf("%d snapshots after concurrent unpacks, want 2", n)
	}
}

func removeRules(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	top, _ := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), []v1.Layer{Layer(t, File{Name: "f", Body: "x"})})
	if _, err := sn.Prepare(ctx, "c", top); err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Prepare(ctx, "c", top); !errors.Is(err, snapshot.ErrExists) {
		t.Errorf("second prepare of c: %v", err)
	}
	if err := sn.Remove(ctx, top); !errors.Is(err, snapshot.ErrHasChildren) {
		t.Errorf("removing a layer a container stands on: %v", err)
	}
	if _, err := sn.Prepare(ctx, "d", "sha256:missing"); !errors.Is(err, snapshot.ErrNotFound) {
		t.Errorf("prepare on a missing parent: %v", err)
	}
	if err := sn.Remove(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if err := sn.Remove(ctx, top); err != nil {
		t.Fatal(err)
	}
	if err := sn.Remove(ctx, top); !errors.Is(err, snapshot.ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
}

// discardThenPurge: a discarded snapshot is gone from the store at once,
// its files when purged; trash no purge deleted is collected later.
func discardThenPurge(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	top, _ := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), []v1.Layer{Layer(t, File{Name: "f", Body: "x"})})
	for _, key := range []string{"c1", "c2", "c3"} {
		if _, err := sn.Prepare(ctx, key, top); err != nil {
			t.Fatal(err)
		}
	}
	trash := func() []string {
		m, _ := filepath.Glob(filepath.Join(root, "sn", "*", ".removing-*"))
		n, _ := filepath.Glob(filepath.Join(root, "sn", ".removing-*"))
		return append(m, n...)
	}
	purge, err := sn.Discard(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Stat(ctx, "c1"); !errors.Is(err, snapshot.ErrNotFound) {
		t.Errorf("a discarded snapshot is still there: %v", err)
	}
	if _, err := sn.Prepare(ctx, "c1", top); err != nil {
		t.Errorf("the key of a discarded snapshot cannot be used again: %v", err)
	}
	if len(trash()) != 1 {
		t.Fatalf("trash before the purge: %v", trash())
	}
	if err := purge(); err != nil {
		t.Fatal(err)
	}
	if len(trash()) != 0 {
		t.Fatalf("trash after the purge: %v", trash())
	}
	// A purge that never ran: its trash, once old, goes with a later discard.
	if _, err := sn.Discard(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	old := trash()
	if len(old) != 1 {
		t.Fatalf("trash: %v", old)
	}
	long := time.Now().Add(-time.Hour)
	os.Chtimes(old[0], long, long)
	if err := sn.Remove(ctx, "c3"); err != nil {
		t.Fatal(err)
	}
	if len(trash()) != 0 {
		t.Errorf("old trash left: %v", trash())
	}
}

func ownersAndModes(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	top, err := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), []v1.Layer{
		Layer(t, File{Name: "home/"}, File{Name: "home/u/", Mode: 0o700, UID: 1000}, File{Name: "bin/"}, File{Name: "bin/su", Body: "s", Mode: 0o4755})})
	if err != nil {
		t.Fatal(err)
	}
	mounts, _ := sn.Prepare(ctx, "c", top)
	fs := mount(t, mounts, root)
	fi, err := os.Stat(filepath.Join(fs, "home/u"))
	if err != nil || fi.Mode().Perm() != 0o700 || fi.Sys().(*syscall.Stat_t).Uid != 1000 {
		t.Errorf("home/u: %v %v", fi, err)
	}
	fi, err = os.Stat(filepath.Join(fs, "bin/su"))
	if err != nil || fi.Mode()&os.ModeSetuid == 0 {
		t.Errorf("bin/su lost its setuid bit: %v %v", fi, err)
	}
}

func usageCountsWrites(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	top, err := snapshot.Unpack(ctx, sn, filepath.Join(root, "locks"), []v1.Layer{Layer(t, File{Name: "base", Body: "0123456789"})})
	if err != nil {
		t.Fatal(err)
	}
	mounts, _ := sn.Prepare(ctx, "c", top)
	before, err := sn.Usage(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	fs := mount(t, mounts, root)
	os.WriteFile(filepath.Join(fs, "new"), make([]byte, 5000), 0o644)
	snapshot.UnmountAll(fs)
	after, err := sn.Usage(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if after-before != 5000 {
		t.Fatalf("usage went from %d to %d after writing 5000 bytes", before, after)
	}
	if _, err := sn.Usage(ctx, "missing"); !errors.Is(err, snapshot.ErrNotFound) {
		t.Fatalf("usage of a missing snapshot: %v", err)
	}
}

// lying is a layer whose diff ID claims another layer's content.
type lying struct {
	v1.Layer
	claim v1.Hash
}

func (l lying) DiffID() (v1.Hash, error) { return l.claim, nil }

// A layer that claims another's diff ID is refused, and nothing is kept
// under the chain ID it claimed: the real layer unpacks there afterwards.
func lyingDiffID(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	real := Layer(t, File{Name: "etc/passwd", Body: "root:x:0:0::/root:/bin/sh\n"})
	evil := Layer(t, File{Name: "etc/passwd", Body: "root::0:0::/root:/bin/sh\n"})
	claim, err := real.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	locks := filepath.Join(root, "locks")
	if _, err := snapshot.Unpack(ctx, sn, locks, []v1.Layer{lying{evil, claim}}); err == nil || !strings.Contains(err.Error(), "does not match its diff ID") {
		t.Fatalf("a layer lying about its diff ID: %v", err)
	}
	top, err := snapshot.Unpack(ctx, sn, locks, []v1.Layer{real})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sn.Prepare(ctx, "check", top)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(mount(t, ms, root), "etc/passwd")); !strings.HasPrefix(got, "root:x:") {
		t.Fatalf("the chain ID holds %q, not the real layer", got)
	}
}

// Collect removes what no kept snapshot stands on, children first, and
// keeps what a kept one needs.
func collect(t *testing.T, sn snapshot.Snapshotter, root string) {
	ctx := context.Background()
	locks := filepath.Join(root, "locks")
	base := Layer(t, File{Name: "base", Body: "shared"})
	a := Layer(t, File{Name: "a", Body: "a"})
	b := Layer(t, File{Name: "b", Body: "b"})
	topA, err := snapshot.Unpack(ctx, sn, locks, []v1.Layer{base, a})
	if err != nil {
		t.Fatal(err)
	}
	topB, err := snapshot.Unpack(ctx, sn, locks, []v1.Layer{base, b})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Prepare(ctx, "ctr", topA); err != nil {
		t.Fatal(err)
	}
	removed, _, err := snapshot.Collect(ctx, sn, map[string]bool{"ctr": true})
	if err != nil || len(removed) != 1 || removed[0] != topB {
		t.Fatalf("Collect kept ctr: removed %v, %v; want only %s", removed, err, topB)
	}
	if _, err := sn.Stat(ctx, topA); err != nil {
		t.Errorf("the container's chain went: %v", err)
	}
	if err := sn.Remove(ctx, "ctr"); err != nil {
		t.Fatal(err)
	}
	// A fresh active snapshot nobody keeps is left alone: it may be in use.
	if _, err := sn.Prepare(ctx, "unpack-in-progress", ""); err != nil {
		t.Fatal(err)
	}
	removed, _, err = snapshot.Collect(ctx, sn, nil)
	if err != nil || len(removed) != 2 {
		t.Fatalf("Collect with nothing kept: removed %v, %v; want the two layers of chain A", removed, err)
	}
	n := 0
	sn.Walk(ctx, func(snapshot.Info) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d snapshots left, want only the fresh active one", n)
	}
}

package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// baseLayer is the lower layer the diff tests change.
func baseLayer(t *testing.T) []byte {
	return tarOf(t,
		entry{name: "etc/", typ: tar.TypeDir},
		entry{name: "etc/keep", body: "keep"},
		entry{name: "etc/edit", body: "old"},
		entry{name: "etc/gone", body: "bye"},
		entry{name: "var/lib/data/", typ: tar.TypeDir},
		entry{name: "var/lib/data/a", body: "a"},
		entry{name: "var/lib/data/b", body: "b"},
		entry{name: "opt/cache/", typ: tar.TypeDir},
		entry{name: "opt/cache/x", body: "x"},
		entry{name: "link", typ: tar.TypeSymlink, link: "etc/keep"},
		entry{name: "mode", body: "m", mode: 0o644},
		entry{name: "wasfile", body: "f"},
	)
}

// change edits a tree the way a container would.
func change(t *testing.T, dir string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "etc/edit"), []byte("new content"), 0o644))
	must(os.Remove(filepath.Join(dir, "etc/gone")))
	must(os.RemoveAll(filepath.Join(dir, "var/lib/data")))
	must(os.WriteFile(filepath.Join(dir, "etc/added"), []byte("added"), 0o600))
	must(os.MkdirAll(filepath.Join(dir, "new/deep"), 0o750))
	must(os.WriteFile(filepath.Join(dir, "new/deep/f"), []byte("deep"), 0o644))
	must(os.Link(filepath.Join(dir, "new/deep/f"), filepath.Join(dir, "new/hard")))
	must(os.Remove(filepath.Join(dir, "link")))
	must(os.Symlink("etc/edit", filepath.Join(dir, "link")))
	must(os.Chmod(filepath.Join(dir, "mode"), 0o4755))
	must(os.Chown(filepath.Join(dir, "etc/keep"), 1000, 1000))
	must(os.Remove(filepath.Join(dir, "wasfile")))
	must(os.Mkdir(filepath.Join(dir, "wasfile"), 0o755))
	// An opaque directory: everything old in it replaced.
	must(os.RemoveAll(filepath.Join(dir, "opt/cache")))
	must(os.Mkdir(filepath.Join(dir, "opt/cache"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "opt/cache/y"), []byte("y"), 0o644))
}

func TestDiffDirsRoundTrip(t *testing.T) {
	base, changed, replay := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{base, changed, replay} {
		if _, err := Unpack(context.Background(), bytes.NewReader(baseLayer(t)), d, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	change(t, changed)
	var layer bytes.Buffer
	if err := DiffDirs(context.Background(), &layer, base, changed); err != nil {
		t.Fatal(err)
	}
	if _, err := Unpack(context.Background(), bytes.NewReader(layer.Bytes()), replay, Options{}); err != nil {
		t.Fatal(err)
	}
	if got, want := snapshotTree(t, replay), snapshotTree(t, changed); got != want {
		t.Fatalf("base + diff differs from the changed tree:\n%s\nwant\n%s", got, want)
	}
	if bytes.Contains(layer.Bytes(), []byte("etc/keep\x00")) && !strings.Contains(listLayer(t, layer.Bytes()), "etc/keep") {
		t.Fatal("unreadable layer")
	}
	if l := listLayer(t, layer.Bytes()); strings.Contains(l, "opt/cache/x") || strings.Contains(l, "var/lib/data/a") {
		t.Fatalf("the diff repeats what it should only whiteout:\n%s", l)
	}
}

func TestDiffOverlayRoundTrip(t *testing.T) {
	lower, upper, work, merged, replay := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{lower, replay} {
		if _, err := Unpack(context.Background(), bytes.NewReader(baseLayer(t)), d, Options{Whiteouts: OverlayWhiteouts}); err != nil {
			t.Fatal(err)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Skipf("this kernel cannot mount overlayfs here: %v", err)
	}
	change(t, merged)
	want := snapshotTree(t, merged)
	if err := unix.Unmount(merged, 0); err != nil {
		t.Fatal(err)
	}
	var layer bytes.Buffer
	if err := DiffOverlay(context.Background(), &layer, upper); err != nil {
		t.Fatal(err)
	}
	if _, err := Unpack(context.Background(), bytes.NewReader(layer.Bytes()), replay, Options{}); err != nil {
		t.Fatal(err)
	}
	// The replayed tree was unpacked in overlay form (whiteout devices of
	// the base layer are none here), then the diff applied.
	if got := snapshotTree(t, replay); got != want {
		t.Fatalf("base + diff differs from the overlay's view:\n%s\nwant\n%s", got, want)
	}
	l := listLayer(t, layer.Bytes())
	for _, must := range []string{"etc/.wh.gone", "var/lib/.wh.data", "opt/cache/.wh..wh..opq", "new/hard -> new/deep/f"} {
		if !strings.Contains(l, must) {
			t.Errorf("layer lacks %q:\n%s", must, l)
		}
	}
}

func TestDiffIsDeterministic(t *testing.T) {
	base, changed := t.TempDir(), t.TempDir()
	for _, d := range []string{base, changed} {
		Unpack(context.Background(), bytes.NewReader(baseLayer(t)), d, Options{})
	}
	change(t, changed)
	var a, b bytes.Buffer
	DiffDirs(context.Background(), &a, base, changed)
	DiffDirs(context.Background(), &b, base, changed)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same changes gave two different layers")
	}
}

// snapshotTree describes every path of a tree: type, mode, owner and content.
func snapshotTree(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		fi, _ := d.Info()
		st := fi.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(dir, p)
		desc := fmt.Sprintf("%s %v %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			desc += " -> " + l
		}
		lines = append(lines, desc)
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func listLayer(t *testing.T, layer []byte) string {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(layer))
	var out []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		s := h.Name
		if h.Typeflag == tar.TypeLink {
			s += " -> " + h.Linkname
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

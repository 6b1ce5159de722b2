package builder

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func tarOf(t *testing.T, hdrs ...tar.Header) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range hdrs {
		body := []byte(h.Linkname)
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(h.Name))
			body = []byte(h.Name)
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(body)
		}
	}
	tw.Close()
	return b.Bytes()
}

// A layer cannot write outside the rootfs: not by "..", not through a
// symlink it planted, not by a hard link to a host file.
func TestUnpackStaysInside(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("safe"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "rootfs")
	os.Mkdir(root, 0o755)
	layer := tarOf(t,
		tar.Header{Name: "../../escape", Typeflag: tar.TypeReg, Mode: 0o644},
		tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: outside},
		tar.Header{Name: "up/victim", Typeflag: tar.TypeReg, Mode: 0o644},
		tar.Header{Name: "root", Typeflag: tar.TypeSymlink, Linkname: "/"},
		tar.Header{Name: "root/tmp/x", Typeflag: tar.TypeReg, Mode: 0o644},
		tar.Header{Name: "hard", Typeflag: tar.TypeLink, Linkname: "../../../" + victim},
	)
	err := unpackTar(bytes.NewReader(layer), root)
	if data, _ := os.ReadFile(victim); string(data) != "safe" {
		t.Fatalf("the host file was overwritten: %q", data)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(root), "escape")); err == nil {
		t.Fatal("../../escape landed outside the rootfs")
	}
	if err == nil {
		// The hard link may only have been made to a file inside the rootfs.
		if fi, err := os.Stat(filepath.Join(root, "hard")); err == nil {
			vi, _ := os.Stat(victim)
			if os.SameFile(fi, vi) {
				t.Fatal("a hard link reached a host file")
			}
		}
	}
	if data, _ := os.ReadFile(filepath.Join(root, "tmp/x")); string(data) != "root/tmp/x" {
		t.Errorf("a write through a link to / should land at the rootfs's /tmp/x, got %q", data)
	}
}

func TestDiffTree(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"keep", "change", "gone", "dir/a", "dir/b"} {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(p), 0o644)
	}
	os.MkdirAll(filepath.Join(root, "cache"), 0o755)
	before, err := scanTree(root)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "change"), []byte("changed"), 0o644)
	os.Remove(filepath.Join(root, "gone"))
	os.RemoveAll(filepath.Join(root, "dir"))
	os.WriteFile(filepath.Join(root, "new"), []byte("new"), 0o600)
	os.WriteFile(filepath.Join(root, "cache/skipped"), []byte("x"), 0o600)
	ents, err := diffTree(root, before, []string{"cache"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.hdr.Name)
	}
	sort.Strings(names)
	want := []string{".wh.dir", ".wh.gone", "change", "new"}
	if len(names) != len(want) {
		t.Fatalf("diff = %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("diff = %q, want %q", names, want)
		}
	}
}

package builder

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func tarLayer(t *testing.T, data []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

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
	for name, hdrs := range map[string][]tar.Header{
		"dotdot":  {{Name: "../../escape", Typeflag: tar.TypeReg, Mode: 0o644}},
		"symlink": {{Name: "up", Typeflag: tar.TypeSymlink, Linkname: outside}, {Name: "up/victim", Typeflag: tar.TypeReg, Mode: 0o644}},
		"to root": {{Name: "root", Typeflag: tar.TypeSymlink, Linkname: "/"}, {Name: "root" + victim, Typeflag: tar.TypeReg, Mode: 0o644}},
		"hard":    {{Name: "hard", Typeflag: tar.TypeLink, Linkname: "../../../" + victim}},
	} {
		root := filepath.Join(t.TempDir(), "rootfs")
		os.Mkdir(root, 0o755)
		err := unpackLayers(context.Background(), []v1.Layer{tarLayer(t, tarOf(t, hdrs...))}, root)
		if data, _ := os.ReadFile(victim); string(data) != "safe" {
			t.Fatalf("%s: the host file was overwritten: %q", name, data)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(root), "escape")); err == nil {
			t.Fatalf("%s: ../../escape landed outside the rootfs", name)
		}
		if fi, serr := os.Stat(filepath.Join(root, "hard")); err == nil && serr == nil {
			if vi, _ := os.Stat(victim); os.SameFile(fi, vi) {
				t.Fatalf("%s: a hard link reached a host file", name)
			}
		}
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

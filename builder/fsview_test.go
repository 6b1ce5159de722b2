package builder

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// A layer's view is read from its tar once and from the build cache's index
// afterwards, with the same result, whiteouts and passwd included.
func TestViewIndexIsCachedAndEqual(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: 5},
		{Name: "bin/sh", Typeflag: tar.TypeSymlink, Linkname: "busybox", Uid: 7},
		{Name: "old/.wh..wh..opq", Typeflag: tar.TypeReg},
	} {
		tw.WriteHeader(h)
		if h.Size > 0 {
			tw.Write([]byte("root\n"))
		}
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	first := newFSView()
	first.nodes["old/x"] = fsNode{typ: tar.TypeReg}
	if err := first.applyLayer(l, cacheDir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cacheDir, "fsview", "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d index files, want 1", len(files))
	}
	second := newFSView()
	second.nodes["old/x"] = fsNode{typ: tar.TypeReg}
	broken := &brokenLayer{l}
	if err := second.applyLayer(broken, cacheDir); err != nil {
		t.Fatalf("the cached index was not used: %v", err)
	}
	for _, v := range []*fsView{first, second} {
		if _, ok := v.nodes["old/x"]; ok {
			t.Error("the opaque whiteout did not hide old/x")
		}
		if n := v.nodes["bin/sh"]; n.typ != tar.TypeSymlink || n.link != "busybox" || n.uid != 7 {
			t.Errorf("bin/sh: %+v", n)
		}
		if string(v.passwd) != "root\n" {
			t.Errorf("passwd %q", v.passwd)
		}
	}
	os.Remove(files[0])
}

// brokenLayer cannot be read: a view that uses the cached index never tries.
type brokenLayer struct{ v1.Layer }

func (brokenLayer) Uncompressed() (io.ReadCloser, error) { return nil, os.ErrInvalid }

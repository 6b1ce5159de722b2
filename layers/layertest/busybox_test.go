package layertest

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestRootfsRunsShell(t *testing.T) {
	dir := Rootfs(t)
	if target, err := os.Readlink(filepath.Join(dir, "bin/sh")); err != nil || target != "busybox" {
		t.Fatalf("bin/sh -> %q, %v; want a link to busybox", target, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "tmp")); err != nil || fi.Mode()&os.ModeSticky == 0 {
		t.Fatalf("tmp should be sticky: %v %v", fi.Mode(), err)
	}
}

func TestTarHasBinaryAndLinks(t *testing.T) {
	tr := tar.NewReader(bytes.NewReader(Tar(t)))
	seen := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen[h.Name] = h
	}
	if h := seen["bin/busybox"]; h == nil || h.Size < 1<<20 {
		t.Fatalf("bin/busybox missing or too small: %+v", h)
	}
	if h := seen["bin/sh"]; h == nil || h.Linkname != "busybox" {
		t.Fatalf("bin/sh should link to busybox: %+v", h)
	}
}

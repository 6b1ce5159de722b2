package cli

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/layers/layertest"
)

// TestPushPullVerbs pushes an imported image to an in-process registry with
// `berth push` and pulls it into a second root with `berth pull`.
func TestPushPullVerbs(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	tarPath := filepath.Join(dir, "rootfs.tar")
	if err := os.WriteFile(tarPath, layertest.Tar(t), 0o644); err != nil {
		t.Fatal(err)
	}
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	ref := host + "/berth/busybox:v1"
	for _, args := range [][]string{
		{"--root", src, "import", "--change", "CMD sh", tarPath, "busybox"},
		{"--root", src, "tag", "busybox", ref},
		{"--root", src, "push", ref},
		{"--root", dst, "pull", "-q", ref},
	} {
		if code := Main(args); code != 0 {
			t.Fatalf("berth %v exited %d", args, code)
		}
	}
	ctx := context.Background()
	a, _ := layers.Open(src)
	b, _ := layers.Open(dst)
	ia, err := a.Image(ctx, "busybox")
	if err != nil {
		t.Fatal(err)
	}
	ib, err := b.Image(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	ida, _ := ia.ConfigName()
	idb, _ := ib.ConfigName()
	if ida != idb {
		t.Errorf("pulled %s, pushed %s", idb, ida)
	}
	// Unknown images: exit 1 for verbs on local images, non-zero for a
	// registry that lacks the name.
	if code := Main([]string{"--root", src, "push", host + "/berth/nosuch:v1"}); code != 1 {
		t.Errorf("push of an unknown image exited %d", code)
	}
	if code := Main([]string{"--root", dst, "pull", "-q", host + "/berth/nosuch:v1"}); code == 0 {
		t.Error("pull of a name the registry lacks succeeded")
	}
	if code := Main([]string{"--root", dst, "rmi", "nosuch"}); code != 1 {
		t.Errorf("rmi of an unknown image exited %d", code)
	}
}

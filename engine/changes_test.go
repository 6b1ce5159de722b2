package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/layers/layertest"
)

// realEngine opens an engine with the real image store and snapshotter in a
// temporary root and a busybox image in it.
func realEngine(t *testing.T) *Engine {
	t.Helper()
	root := t.TempDir()
	e, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	store, err := layers.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Import(context.Background(), bytes.NewReader(layertest.Tar(t)), "busybox", []string{`CMD ["/bin/sh"]`}); err != nil {
		t.Fatal(err)
	}
	snaps, err := NewSnapshotStore(root)
	if err != nil {
		t.Fatal(err)
	}
	e.Images, e.Snapshots = store, snaps
	return e
}

// edit changes a created container's files through a mount of its rootfs.
func edit(t *testing.T, e *Engine, ref string, fn func(rootfs string)) {
	t.Helper()
	if err := e.withRootfs(context.Background(), ref, func(rootfs string) error { fn(rootfs); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestDiffCommitAndCopy(t *testing.T) {
	e := realEngine(t)
	ctx := context.Background()
	if _, err := e.Create(ctx, "busybox", RunOptions{Name: "work"}); err != nil {
		t.Fatal(err)
	}
	edit(t, e, "work", func(fs string) {
		os.WriteFile(filepath.Join(fs, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\n"), 0o644)
		os.Remove(filepath.Join(fs, "bin/vi"))
		os.MkdirAll(filepath.Join(fs, "srv/app"), 0o755)
		os.WriteFile(filepath.Join(fs, "srv/app/index.html"), []byte("hello"), 0o644)
	})
	changes, err := e.Diff(ctx, "work")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range changes {
		lines = append(lines, fmt.Sprintf("%c %s", c.Kind, c.Path))
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"C /etc/passwd", "D /bin/vi", "A /srv", "A /srv/app/index.html"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}

	// Commit: a new image with the changes on top and the config changed.
	id, err := e.Commit(ctx, "work", "site:v1", CommitOptions{Changes: []string{"EXPOSE 80", `CMD ["httpd"]`}, Message: "site", Author: "me"})
	if err != nil {
		t.Fatal(err)
	}
	img, err := e.Images.Image(ctx, "site:v1")
	if err != nil {
		t.Fatal(err)
	}
	if cid, _ := img.ConfigName(); cid != id {
		t.Fatalf("committed ID %s, image has %s", id, cid)
	}
	cf, _ := img.ConfigFile()
	if _, ok := cf.Config.ExposedPorts["80/tcp"]; !ok || cf.Config.Cmd[0] != "httpd" || cf.Author != "me" || len(cf.RootFS.DiffIDs) != 2 {
		t.Fatalf("committed config %+v", cf)
	}
	// A container of the committed image sees the changes.
	if _, err := e.Create(ctx, "site:v1", RunOptions{Name: "from-commit"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := e.CopyFrom(ctx, "from-commit", "/srv/app/index.html", &out); err != nil {
		t.Fatal(err)
	}
	if files := tarFiles(t, out.Bytes()); files["index.html"] != "hello" {
		t.Fatalf("copied out %v", files)
	}
	edit(t, e, "from-commit", func(fs string) {
		if _, err := os.Lstat(filepath.Join(fs, "bin/vi")); err == nil {
			t.Error("a deleted file came back in the committed image")
		}
		if _, err := os.Lstat(filepath.Join(fs, "bin/sh")); err != nil {
			t.Errorf("the image's own files are missing: %v", err)
		}
	})
}

// TestCopyStaysInsideTheContainer plants links in the container that point
// at the host and copies through them both ways.
func TestCopyStaysInsideTheContainer(t *testing.T) {
	e := realEngine(t)
	ctx := context.Background()
	if _, err := e.Create(ctx, "busybox", RunOptions{Name: "evil"}); err != nil {
		t.Fatal(err)
	}
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "secret"), []byte("host secret"), 0o600)
	edit(t, e, "evil", func(fs string) {
		os.Symlink(host, filepath.Join(fs, "escape"))
		os.Symlink(filepath.Join(host, "secret"), filepath.Join(fs, "secret-link"))
	})
	var out bytes.Buffer
	if err := e.CopyFrom(ctx, "evil", "/escape/secret", &out); err == nil && strings.Contains(out.String(), "host secret") {
		t.Fatal("copying out through a link read the host's file")
	}
	out.Reset()
	if err := e.CopyFrom(ctx, "evil", "/secret-link", &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "host secret") {
		t.Fatal("a link was followed to the host")
	}
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	tw.WriteHeader(&tar.Header{Name: "dropped", Mode: 0o644, Size: 5, Typeflag: tar.TypeReg})
	tw.Write([]byte("owned"))
	tw.Close()
	e.CopyTo(ctx, "evil", "/escape", &in, false)
	if _, err := os.Stat(filepath.Join(host, "dropped")); err == nil {
		t.Fatal("copying in through a link wrote to the host")
	}
}

func tarFiles(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		data, _ := io.ReadAll(tr)
		out[h.Name] = string(data)
	}
	return out
}

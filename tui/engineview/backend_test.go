package engineview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/logs"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/layers/layertest"
	"github.com/berth-dev/berth/tui/data"
)

// setup opens a real engine in a temporary root with a busybox image, a
// second image that shares its layer, and a created container.
func setup(t *testing.T) (*Backend, *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	e, err := engine.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	store, err := layers.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Import(ctx, bytes.NewReader(layertest.Tar(t)), "busybox", []string{`CMD ["/bin/sh"]`}); err != nil {
		t.Fatal(err)
	}
	snaps, err := engine.NewSnapshotStore(root)
	if err != nil {
		t.Fatal(err)
	}
	e.Images, e.Snapshots = store, snaps
	if _, err := e.Create(ctx, "busybox", engine.RunOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if err := e.CopyTo(ctx, "web", "/etc", bytes.NewReader(tarOf(t, "motd", "hello\n")), false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Commit(ctx, "web", "site:1", engine.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	return New(e, store), e
}

func TestListsFromTheEngine(t *testing.T) {
	b, _ := setup(t)
	ctx := context.Background()
	cs, err := b.Containers(ctx)
	if err != nil || len(cs) != 1 || cs[0].Name != "web" || cs[0].Status != "created" || cs[0].Image != "busybox" {
		t.Fatalf("containers %+v, %v", cs, err)
	}
	imgs, err := b.Images(ctx)
	if err != nil || len(imgs) != 2 {
		t.Fatalf("images %+v, %v", imgs, err)
	}
	byTag := map[string]data.ImageRow{}
	for _, r := range imgs {
		byTag[strings.Join(r.Tags, ",")] = r
	}
	bb, site := byTag["busybox:latest"], byTag["site:1"]
	if bb.Containers != 1 || bb.UniqueSize != 0 || bb.SharedSize == 0 {
		t.Errorf("busybox: %+v (its one layer is shared with site:1, one container uses it)", bb)
	}
	if site.Layers != 2 || site.UniqueSize == 0 || site.SharedSize != bb.SharedSize {
		t.Errorf("site:1: %+v", site)
	}
}

func TestLayersAndChanges(t *testing.T) {
	b, _ := setup(t)
	ctx := context.Background()
	la, err := b.Layers(ctx, "site:1")
	if err != nil {
		t.Fatal(err)
	}
	if len(la.Layers) != 2 || la.Efficiency <= 0 {
		t.Fatalf("analysis %+v", la)
	}
	if n := find(la.Layers[1].Tree, "etc/motd"); n == nil || n.Change != data.Added {
		t.Fatalf("the committed layer does not show etc/motd as added: %+v", n)
	}
	if n := find(la.Layers[1].Image, "bin/busybox"); n == nil {
		t.Fatal("the image tree up to the top layer lacks bin/busybox")
	}
	ch, err := b.Changes(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if n := find(ch, "etc/motd"); n == nil || n.Change != data.Added {
		t.Fatalf("container changes: %+v", ch)
	}
}

func TestEventsAndLogs(t *testing.T) {
	b, e := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evs, err := b.Events(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		select {
		case ev := <-evs:
			got = append(got, ev.Type+" "+ev.Action)
		case <-time.After(10 * time.Second):
			t.Fatalf("events so far %v", got)
		}
	}
	if got[0] != "container create" || got[1] != "container commit" {
		t.Fatalf("events %v", got)
	}
	rec, _ := e.Containers.Get("web")
	w, err := logs.NewWriter(filepath.Join(e.Containers.Dir(rec.ID), supervisor.LogFile), logs.DefaultRotation)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w.Stream("stdout"), "one\ntwo\n")
	fmt.Fprint(w.Stream("stderr"), "oops\n")
	w.Close()
	lines, err := b.Logs(ctx, "web", data.LogOptions{Tail: -1})
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for l := range lines {
		text = append(text, string(l.Stream)+":"+l.Text)
	}
	if strings.Join(text, ",") != "stdout:one,stdout:two,stderr:oops" {
		t.Fatalf("logs %v", text)
	}
}

func TestActionsReportErrors(t *testing.T) {
	b, _ := setup(t)
	ctx := context.Background()
	if err := b.Stop(ctx, "ghost"); err == nil {
		t.Error("stopping an unknown container succeeded")
	}
	if err := b.Start(ctx, "web"); !errors.Is(err, engine.ErrNoRuntime) {
		t.Errorf("start without a runtime: %v", err)
	}
	if _, err := b.Shell(ctx, "web"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("shell in a created container: %v", err)
	}
	if _, err := b.Namespaces(ctx, "web"); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("namespaces of a created container: %v", err)
	}
	if err := b.Rename(ctx, "web", "api"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := b.Containers(ctx); cs[0].Name != "api" {
		t.Errorf("after rename: %+v", cs)
	}
	if err := b.RemoveImage(ctx, "busybox"); err == nil {
		t.Error("removed an image a container uses")
	}
	if _, err := b.Run(ctx, data.RunSpec{Image: "busybox", Memory: "lots"}); err == nil {
		t.Error("a bad memory value was accepted")
	}
}

func TestParseMountinfoTakesOverlayLayers(t *testing.T) {
	ms := parseMountinfo("36 35 0:32 / / rw,relatime - overlay overlay rw,lowerdir=/a:/b,upperdir=/u,workdir=/w\n37 36 0:5 / /proc rw - proc proc rw\n")
	if len(ms) != 2 || ms[0].Type != "overlay" || strings.Join(ms[0].Layers, " ") != "/a /b" || ms[1].Target != "/proc" {
		t.Fatalf("mounts %+v", ms)
	}
}

func find(n *data.FileNode, p string) *data.FileNode {
	cur := n
	for _, part := range strings.Split(p, "/") {
		var next *data.FileNode
		for _, c := range cur.Children {
			if strings.TrimSuffix(c.Name, "/") == part {
				next = c
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

func tarOf(t *testing.T, name, body string) []byte {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	var buf bytes.Buffer
	if err := engine.TarPath(context.Background(), &buf, root, name); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

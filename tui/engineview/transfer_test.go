package engineview

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/tui/data"
)

// TestCommitThenSave commits the created container's change (/etc/motd)
// and saves the new image: the archive reads back as a valid image with
// the change in its top layer and the commit's message in its history.
func TestCommitThenSave(t *testing.T) {
	b, _ := setup(t)
	ctx := context.Background()
	id, err := b.Commit(ctx, "web", data.CommitSpec{Ref: "web-snap:1", Message: "with motd", Author: "Ops <ops@example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	imgs, _ := b.Images(ctx)
	found := false
	for _, r := range imgs {
		found = found || (r.ID == id && len(r.Tags) == 1 && r.Tags[0] == "web-snap:1")
	}
	if !found {
		t.Fatalf("the committed image %s is not listed: %+v", id, imgs)
	}

	path := filepath.Join(t.TempDir(), "web-snap.tar")
	n, err := b.Save(ctx, "web-snap:1", data.SaveSpec{Path: path, Format: data.FormatDockerArchive})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != n {
		t.Fatalf("the archive is %v (%v), Save said %d bytes", fi, err, n)
	}
	tag, _ := name.NewTag("web-snap:1")
	img, err := tarball.ImageFromPath(path, &tag)
	if err != nil {
		t.Fatalf("reading the archive back: %v", err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("the saved image is not valid: %v", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cn, _ := img.ConfigName(); cn.String() != id {
		t.Errorf("saved image %s, committed %s", cn, id)
	}
	last := cf.History[len(cf.History)-1]
	if last.Comment != "with motd" || last.Author != "Ops <ops@example.com>" || cf.Author != "Ops <ops@example.com>" {
		t.Errorf("history %+v, author %q", last, cf.Author)
	}
	ls, _ := img.Layers()
	if !layerHas(t, ls[len(ls)-1], "etc/motd") {
		t.Error("the committed layer does not hold etc/motd")
	}
}

func layerHas(t *testing.T, l interface{ Uncompressed() (io.ReadCloser, error) }, path string) bool {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	return strings.Contains(string(mustRead(t, rc)), path)
}

func mustRead(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSaveIsWholeOrNothing: a save that fails leaves no file, and one
// that succeeds replaces the old file whole.
func TestSaveIsWholeOrNothing(t *testing.T) {
	b, _ := setup(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.tar")
	if _, err := b.Save(ctx, "nosuch:1", data.SaveSpec{Path: path, Format: data.FormatDockerArchive}); !errors.Is(err, layers.ErrNotFound) {
		t.Fatalf("saving an unknown image: %v", err)
	}
	if _, err := b.Save(ctx, "busybox", data.SaveSpec{Path: path, Format: "zip"}); err == nil {
		t.Fatal("an unknown format was accepted")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("failed saves left %v", ents)
	}
	os.WriteFile(path, []byte("old"), 0o644)
	if _, err := b.Save(ctx, "busybox", data.SaveSpec{Path: path, Format: data.FormatOCIArchive}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); len(b) < 1024 || !strings.Contains(string(b), "oci-layout") {
		t.Fatalf("the oci archive is %d bytes without an oci-layout", len(b))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("a save left %v", ents)
	}
}

// TestPushUnderANewName pushes busybox to a registry served in-process:
// the image is given the name first, and the registry holds the digest.
func TestPushUnderANewName(t *testing.T) {
	b, _ := setup(t)
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/tools/busybox:1"

	imgs, _ := b.Images(ctx)
	var id string
	for _, r := range imgs {
		if len(r.Tags) > 0 && r.Tags[0] == "busybox:latest" {
			id = r.ID
		}
	}
	digest, err := b.Push(ctx, id, ref)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := name.ParseReference(ref)
	desc, err := remote.Head(r)
	if err != nil || desc.Digest.String() != digest {
		t.Fatalf("the registry has %v (%v), pushed %s", desc, err, digest)
	}
	imgs, _ = b.Images(ctx)
	for _, r := range imgs {
		if r.ID == id && len(r.Tags) != 2 {
			t.Fatalf("after the push busybox is named %v", r.Tags)
		}
	}
	// Pushing again under the name it has now pushes without tagging.
	if _, err := b.Push(ctx, id, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Push(ctx, id, "UPPER/case"); err == nil {
		t.Fatal("pushed to an invalid reference")
	}
}

func TestAttachToACreatedContainerIsRefused(t *testing.T) {
	b, _ := setup(t)
	_, err := b.Attach(context.Background(), "web")
	if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "web is created, start it first") {
		t.Fatalf("attaching to a created container: %v", err)
	}
	if _, err := b.Attach(context.Background(), "ghost"); err == nil {
		t.Fatal("attached to an unknown container")
	}
}

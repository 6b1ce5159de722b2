package builder

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/berth-dev/berth/builder/progress"
	"github.com/berth-dev/berth/layers/layertest"
)

// memStore is an ImageSource and ImageSink holding images by name, the
// shape of berth's image store.
type memStore struct {
	mu     sync.Mutex
	images map[string]v1.Image
	writes int
}

func newMemStore() *memStore { return &memStore{images: map[string]v1.Image{}} }

func (m *memStore) Image(_ context.Context, ref string) (v1.Image, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	img, ok := m.images[ref]
	if !ok {
		return nil, fmt.Errorf("image %s not found", ref)
	}
	return img, nil
}

func (m *memStore) Write(_ context.Context, img v1.Image, names ...string) (v1.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	for _, n := range names {
		m.images[n] = img
	}
	return img.Digest()
}

var (
	_ ImageSource = (*memStore)(nil)
	_ ImageSink   = (*memStore)(nil)
)

// busyboxImage is the busybox rootfs as a one-layer image, as `podman
// import` makes it: a config with only the platform.
func busyboxImage(t testing.TB) v1.Image {
	t.Helper()
	data := layertest.Tar(t)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = runtime.GOOS, runtime.GOARCH
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return roundTrip(t, img)
}

// roundTrip writes an image to an OCI layout and reads it back, as the
// image store serves images.
func roundTrip(t testing.TB, img v1.Image) v1.Image {
	t.Helper()
	p, err := layout.Write(t.TempDir(), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Image(d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type env struct {
	t      *testing.T
	ctxDir string
	cache  string
	store  *memStore
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, ctxDir: t.TempDir(), cache: t.TempDir(), store: newMemStore()}
	e.store.images["busybox"] = busyboxImage(t)
	return e
}

// write puts files into the context; a name ending in / is a directory.
func (e *env) write(files map[string]string) {
	e.t.Helper()
	for name, content := range files {
		p := filepath.Join(e.ctxDir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				e.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

// build builds a Dockerfile in the env and returns the result and events.
func (e *env) build(dockerfile string, mod ...func(*Options)) (*Result, []progress.Event, error) {
	e.t.Helper()
	e.write(map[string]string{"Dockerfile": dockerfile})
	events := make(chan progress.Event, 1024)
	var got []progress.Event
	done := make(chan struct{})
	go func() {
		for ev := range events {
			got = append(got, ev)
		}
		close(done)
	}()
	opts := Options{ContextDir: e.ctxDir, Tags: []string{"out"}, Source: e.store, Sink: e.store, CacheDir: e.cache, Events: events}
	for _, m := range mod {
		m(&opts)
	}
	res, err := Build(context.Background(), opts)
	close(events)
	<-done
	return res, got, err
}

func (e *env) mustBuild(dockerfile string, mod ...func(*Options)) (*Result, []progress.Event) {
	e.t.Helper()
	res, evs, err := e.build(dockerfile, mod...)
	if err != nil {
		e.t.Fatalf("build: %v", err)
	}
	if err := validate.Image(res.Image); err != nil {
		e.t.Fatalf("invalid image: %v", err)
	}
	return res, evs
}

func config(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

type file struct {
	hdr     tar.Header
	content string
}

// files returns the image's merged filesystem.
func files(t *testing.T, img v1.Image) map[string]file {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	out := map[string]file{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out["/"+strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")] = file{hdr: *h, content: string(data)}
	}
}

// layerFiles returns the entries of the image's last layer.
func lastLayer(t *testing.T, img v1.Image) []tar.Header {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ls[len(ls)-1].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out []tar.Header
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *h)
	}
}

func eventsOf(evs []progress.Event, k progress.Kind) []progress.Event {
	var out []progress.Event
	for _, ev := range evs {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

func runtimeArch() string { return runtime.GOARCH }

var timeFixed = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

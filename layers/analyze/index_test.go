package analyze_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth-dev/berth/layers/analyze"
	. "github.com/berth-dev/berth/layers/analyze/analyzetest"
)

func indexOf(t *testing.T, files ...File) *analyze.Index {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTar(&buf, files); err != nil {
		t.Fatal(err)
	}
	x, err := analyze.IndexTar(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func describe(x *analyze.Index) string {
	var out []string
	for _, e := range x.Entries {
		s := e.Path
		if e.IsWhiteout() {
			s += "(wh)"
		}
		if e.IsOpaque() {
			s += "(opq)"
		}
		if e.IsImplicit() {
			s += "(impl)"
		}
		if e.Link != "" {
			s += "->" + e.Link
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestIndexWhiteoutsAndOpaque(t *testing.T) {
	x := indexOf(t,
		Reg("./a/b/c", 3), Whiteout("a", "gone"), Opaque("x/y"), Dir("x/"),
		Symlink("/l", "a/b/c"), Reg("a.b", 1), Whiteout("", "top"), Reg("a/b/c", 4),
		Dir("q/"), Opaque("q"), Reg("../../escape", 2),
	)
	want := "a(impl) a/b(impl) a/b/c a/gone(wh) a.b escape l->a/b/c q(opq) top(wh) x x/y(opq)(impl)"
	if got := describe(x); got != want {
		t.Errorf("entries:\n got %s\nwant %s", got, want)
	}
	// The later header of a/b/c wins; sizes add up over every header.
	for _, e := range x.Entries {
		if e.Path == "a/b/c" && e.Size != 4 {
			t.Errorf("a/b/c size %d, want 4 (the last header)", e.Size)
		}
	}
	if x.Size != 3+1+4+2 {
		t.Errorf("layer size %d, want 10", x.Size)
	}
}

func TestIndexCodecRoundTrip(t *testing.T) {
	x := indexOf(t, Dir("usr/"), Dir("usr/lib/"), Reg("usr/lib/libc.so.6", 2<<20), Symlink("usr/lib/libc.so", "libc.so.6"),
		Reg("usr/lib64", 0), Whiteout("usr", "old"), Dir("var/"), Opaque("var"))
	x.DiffID = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	b, err := x.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var y analyze.Index
	if err := y.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(x, &y) {
		t.Errorf("round trip differs:\n%+v\n%+v", x, &y)
	}
}

// TestGGCRImages analyses images built with go-containerregistry (gzip and
// zstd layers, a docker archive read by tarball, an OCI layout) and checks
// they give the figures of the same layers read from the docker archive.
func TestGGCRImages(t *testing.T) {
	ctx := context.Background()
	archive := writeFixture(t)
	want := analyseArchive(t, &analyze.Analyzer{}, archive)

	tag, _ := name.NewTag("fixture:latest")
	fromTarball, err := tarball.ImageFromPath(archive, &tag)
	if err != nil {
		t.Fatal(err)
	}
	var layers []v1.Layer
	for i, l := range fixtureLayers {
		var buf bytes.Buffer
		if err := WriteTar(&buf, l.Files); err != nil {
			t.Fatal(err)
		}
		raw := buf.Bytes()
		opener := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
		var opts []tarball.LayerOption
		if i == 1 {
			opts = append(opts, tarball.WithCompression(compression.ZStd))
		}
		layer, err := tarball.LayerFromOpener(opener, opts...)
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, layer)
	}
	built, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := layout.Write(filepath.Join(t.TempDir(), "oci"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(built); err != nil {
		t.Fatal(err)
	}
	d, _ := built.Digest()
	fromLayout, err := lp.Image(d)
	if err != nil {
		t.Fatal(err)
	}
	for name, img := range map[string]v1.Image{"tarball": fromTarball, "mutate gzip+zstd": built, "oci layout": fromLayout} {
		got, err := (&analyze.Analyzer{}).Image(ctx, img)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.WastedBytes != want.WastedBytes || got.Efficiency != want.Efficiency || !reflect.DeepEqual(got.Inefficiencies, want.Inefficiencies) {
			t.Errorf("%s: wasted %d eff %v, want %d %v", name, got.WastedBytes, got.Efficiency, want.WastedBytes, want.Efficiency)
		}
		for i := range want.Layers {
			if got.Layers[i].DiffID != want.Layers[i].DiffID || !reflect.DeepEqual(got.Index(i).Entries, want.Index(i).Entries) {
				t.Errorf("%s: layer %d differs", name, i)
			}
		}
	}

	// random.Image: every file is a layer of its own, nothing is wasted.
	img, err := random.Image(1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&analyze.Analyzer{}).Image(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if res.WastedBytes != 0 || res.Efficiency != 1 || len(res.Layers) != 3 || res.SizeBytes != 3*1024 {
		t.Errorf("random image: wasted %d eff %v layers %d size %d", res.WastedBytes, res.Efficiency, len(res.Layers), res.SizeBytes)
	}
}

func TestBadArchive(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not-a-tar.tar": strings.Repeat("x", 1500),
		"empty.tar":     "",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		_, err := analyze.OpenDockerArchive(p)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming the archive", name, err)
		}
	}
	// A layer that is not a tar fails naming its diff ID.
	p := filepath.Join(dir, "badlayer.tar")
	if err := WriteDockerArchive(p, "bad:latest", fixtureLayers); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	i := bytes.Index(b, []byte("app/a"))
	copy(b[i+100:i+300], bytes.Repeat([]byte{'z'}, 200)) // garble the header checksum area
	os.WriteFile(p, b, 0o644)
	arch, err := analyze.OpenDockerArchive(p)
	if err != nil {
		t.Fatal(err)
	}
	defer arch.Close()
	_, err = (&analyze.Analyzer{}).Analyze(context.Background(), arch.ConfigFile(), arch.Layers())
	if err == nil || !strings.Contains(err.Error(), "sha256:") {
		t.Errorf("garbled layer: error %v, want one naming the layer", err)
	}
	_ = fmt.Sprint
}

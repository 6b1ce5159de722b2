package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzUnpack unpacks arbitrary bytes as a layer and checks the one property
// that matters whatever the input: nothing outside the target changes.
//
//	go test -fuzz FuzzUnpack ./layers/archive
func FuzzUnpack(f *testing.F) {
	seeds := [][]entry{
		{{name: "../outside/secret", body: "x"}},
		{{name: "/outside/secret", body: "x"}},
		{{name: "l", typ: tar.TypeSymlink, link: "../outside"}, {name: "l/secret", body: "x"}},
		{{name: "l", typ: tar.TypeSymlink, link: "/"}, {name: "l/outside/secret", body: "x"}},
		{{name: "h", typ: tar.TypeLink, link: "../outside/secret"}},
		{{name: "s", typ: tar.TypeSymlink, link: "../outside/secret"}, {name: "h", typ: tar.TypeLink, link: "s"}},
		{{name: "a/.wh..."}, {name: ".wh.."}},
		{{name: "d/", typ: tar.TypeDir}, {name: "d/.wh..wh..opq"}, {name: "d/f", body: "x"}},
		{{name: "x", body: "file"}, {name: "x/", typ: tar.TypeDir}, {name: "x/y", body: "z"}},
		{{name: "dev/c", typ: tar.TypeChar, major: 1, minor: 3}, {name: "f", typ: tar.TypeFifo}},
	}
	for _, s := range seeds {
		f.Add(tarOf(f, s...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		target, outside := filepath.Join(parent, "target"), filepath.Join(parent, "outside")
		os.Mkdir(target, 0o755)
		os.Mkdir(outside, 0o755)
		os.WriteFile(filepath.Join(outside, "secret"), []byte("untouched"), 0o600)
		for _, mode := range []Whiteouts{ApplyWhiteouts, OverlayWhiteouts} {
			Unpack(context.Background(), bytes.NewReader(data), target, Options{Whiteouts: mode})
		}
		ents, _ := os.ReadDir(outside)
		b, _ := os.ReadFile(filepath.Join(outside, "secret"))
		pents, _ := os.ReadDir(parent)
		if len(ents) != 1 || string(b) != "untouched" || len(pents) != 2 {
			t.Fatalf("unpacking escaped the target: outside has %d entries, secret %q, parent %d entries", len(ents), b, len(pents))
		}
	})
}

package analyze_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/layers/analyze"
)

// unreadable is a layer whose streams cannot be opened: an analysis that
// succeeds with it has read its index from the cache.
type unreadable struct{ diffID v1.Hash }

func (u unreadable) DiffID() (v1.Hash, error)           { return u.diffID, nil }
func (u unreadable) Compressed() (io.ReadCloser, error) { return nil, errors.New("layer blob is gone") }

func TestCacheReuse(t *testing.T) {
	root := t.TempDir()
	a := analyze.New(root)
	archive := writeFixture(t)
	first := analyseArchive(t, a, archive)
	for i, l := range first.Layers {
		if l.Cached {
			t.Errorf("layer %d came from an empty cache", i)
		}
		if _, err := os.Stat(filepath.Join(root, "analysis", l.DiffID.Algorithm, l.DiffID.Hex)); err != nil {
			t.Errorf("layer %d index not stored: %v", i, err)
		}
	}
	if s := a.Cache.Stats(); s.Hits != 0 || s.Misses != 3 {
		t.Errorf("cold stats = %+v, want 0 hits 3 misses", s)
	}

	// A fresh analyzer on the same root, with layers whose blobs are gone.
	b := analyze.New(root)
	arch, err := analyze.OpenDockerArchive(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer arch.Close()
	var gone []analyze.Layer
	for _, l := range first.Layers {
		gone = append(gone, unreadable{l.DiffID})
	}
	second, err := b.Analyze(context.Background(), arch.ConfigFile(), gone)
	if err != nil {
		t.Fatalf("warm analysis read the layers again: %v", err)
	}
	if s := b.Cache.Stats(); s.Hits != 3 || s.Misses != 0 {
		t.Errorf("warm stats = %+v, want 3 hits", s)
	}
	for i := range second.Layers {
		if !second.Layers[i].Cached {
			t.Errorf("layer %d not from cache", i)
		}
		second.Layers[i].Cached = false
		if !reflect.DeepEqual(first.Index(i).Entries, second.Index(i).Entries) {
			t.Errorf("layer %d index differs after the cache round trip", i)
		}
	}
	if second.WastedBytes != first.WastedBytes || second.Efficiency != first.Efficiency {
		t.Errorf("warm figures differ: %v %v vs %v %v", second.WastedBytes, second.Efficiency, first.WastedBytes, first.Efficiency)
	}

	// Without the cache the same layers fail, naming the layer.
	if _, err := (&analyze.Analyzer{}).Analyze(context.Background(), arch.ConfigFile(), gone); err == nil {
		t.Fatal("uncached analysis of unreadable layers succeeded")
	}
}

func TestCorruptCacheIsReindexed(t *testing.T) {
	root := t.TempDir()
	archive := writeFixture(t)
	first := analyseArchive(t, analyze.New(root), archive)
	h := first.Layers[1].DiffID
	p := filepath.Join(root, "analysis", h.Algorithm, h.Hex)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	a := analyze.New(root)
	second := analyseArchive(t, a, archive)
	if second.Layers[1].Cached || !second.Layers[0].Cached {
		t.Errorf("cached flags = %v %v, want the corrupt layer re-read and the other cached", second.Layers[0].Cached, second.Layers[1].Cached)
	}
	if !reflect.DeepEqual(first.Index(1).Entries, second.Index(1).Entries) {
		t.Error("re-indexed layer differs")
	}
	var x analyze.Index
	if err := x.UnmarshalBinary(b); !errors.Is(err, analyze.ErrBadIndex) {
		t.Errorf("decoding a corrupt index: %v, want ErrBadIndex", err)
	}
	good, _ := first.Index(1).MarshalBinary()
	for n := 0; n < len(good); n += 7 {
		if err := x.UnmarshalBinary(good[:n]); !errors.Is(err, analyze.ErrBadIndex) {
			t.Fatalf("decoding %d of %d bytes: %v, want ErrBadIndex", n, len(good), err)
		}
	}
}

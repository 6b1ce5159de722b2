package analyze_test

import (
	"archive/tar"
	"fmt"
	"io/fs"
	"testing"

	"github.com/berth-dev/berth/layers/analyze"
)

// benchIndexes are the layers of scripts/gen-analyze-image as indexes:
// 60,000 files in 100 directories, then 12,000 of them again beside 28,000
// new ones.
func benchIndexes() []*analyze.Index {
	layer := func(top string, perDir func(d int) []int, name string) *analyze.Index {
		x := &analyze.Index{}
		x.Entries = append(x.Entries, analyze.Entry{Path: top, Type: tar.TypeDir, Mode: fs.ModeDir | 0o755, Flags: analyze.Implicit})
		for d := 0; d < 100; d++ {
			dir := fmt.Sprintf("%s/d%03d", top, d)
			x.Entries = append(x.Entries, analyze.Entry{Path: dir, Type: tar.TypeDir, Mode: fs.ModeDir | 0o755})
			for _, i := range perDir(d) {
				size := int64((i * 7919) % 20001)
				x.Entries = append(x.Entries, analyze.Entry{Path: fmt.Sprintf("%s/%s%05d", dir, name, i), Type: tar.TypeReg, Mode: 0o644, Size: size})
				x.Size += size
			}
		}
		return x
	}
	files := func(n int) func(d int) []int {
		return func(d int) []int {
			var out []int
			for i := d; i < n; i += 100 {
				out = append(out, i)
			}
			return out
		}
	}
	base := layer("srv", files(60000), "f")
	upper := layer("srv", files(12000), "f")
	extra := layer("opt", files(28000), "g")
	upper.Entries = append(extra.Entries, upper.Entries...)
	return []*analyze.Index{base, upper}
}

// BenchmarkCompute is the per-image merge the CLI and the UI pay once the
// layer indexes are cached.
func BenchmarkCompute(b *testing.B) {
	x := benchIndexes()
	for b.Loop() {
		analyze.Compute(x)
	}
}

// BenchmarkTree is the layer pane's cost of building the merged tree of
// the top layer, sizes and change marks included.
func BenchmarkTree(b *testing.B) {
	r := analyze.Compute(benchIndexes())
	for b.Loop() {
		r.Tree(1)
	}
}

// BenchmarkChanges lists what the top layer added, modified and removed.
func BenchmarkChanges(b *testing.B) {
	r := analyze.Compute(benchIndexes())
	for b.Loop() {
		r.Changes(1)
	}
}

func TestBenchIndexesAreSorted(t *testing.T) {
	for _, x := range benchIndexes() {
		for i := 1; i < len(x.Entries); i++ {
			if analyze.ComparePaths(x.Entries[i-1].Path, x.Entries[i].Path) >= 0 {
				t.Fatalf("%s before %s", x.Entries[i-1].Path, x.Entries[i].Path)
			}
		}
	}
	r := analyze.Compute(benchIndexes())
	if len(r.Inefficiencies) != 12000 || len(r.Changes(1)) != 28101+12000 {
		t.Errorf("%d inefficiencies, %d changes", len(r.Inefficiencies), len(r.Changes(1)))
	}
}

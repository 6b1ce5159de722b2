package builder

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// benchContext is the benchmark's context: a few hundred small files and a
// 5 MB one.
func benchContext(b *testing.B, dir string) {
	b.Helper()
	for i := range 300 {
		p := filepath.Join(dir, "src", fmt.Sprintf("d%d", i%10), fmt.Sprintf("f%d.txt", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(fmt.Sprintf("file %d\n", i)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	big := make([]byte, 5<<20)
	rand.Read(big)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		b.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox\nCOPY src /src\nCOPY big.bin /big.bin\nENV A=1\nCMD [\"sh\"]\n"), 0o644)
}

func benchOpts(b *testing.B) Options {
	ctxDir, cacheDir := b.TempDir(), b.TempDir()
	benchContext(b, ctxDir)
	store := newMemStore()
	store.images["busybox"] = busyboxImage(b)
	return Options{ContextDir: ctxDir, Tags: []string{"bench"}, Source: store, Sink: store, CacheDir: cacheDir}
}

func BenchmarkBuildCold(b *testing.B) {
	opts := benchOpts(b)
	for b.Loop() {
		opts.NoCache = true
		if _, err := Build(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRebuildNoChange(b *testing.B) {
	opts := benchOpts(b)
	if _, err := Build(context.Background(), opts); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Build(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

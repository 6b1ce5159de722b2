// Command gen-unpack-tree writes the tree the unpack benchmark archives: 200
// directories of 100 files, most small, five of 64 KiB and one of 1 MiB in
// each, and a symbolic link per directory (about 20k entries, 380 MB). The
// content is pseudo-random from a fixed seed, so every run writes the same tree.
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen-unpack-tree DIR")
		os.Exit(2)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 1<<20)
	for d := 1; d <= 200; d++ {
		dir := filepath.Join(os.Args[1], fmt.Sprintf("d%d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fail(err)
		}
		for f := 1; f <= 100; f++ {
			size := f * 37
			switch {
			case f == 100:
				size = 1 << 20
			case f%50 == 0 || f%50 <= 5:
				size = 64 << 10
			}
			for i := range buf[:size] {
				buf[i] = byte(rng.Uint32())
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d", f)), buf[:size], 0o644); err != nil {
				fail(err)
			}
		}
		if err := os.Symlink("f1", filepath.Join(dir, "link")); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// Command gen-analyze-image writes the docker archive that scripts/bench
// analyses: two layers, 100,000 files, about 1 GB. The second layer
// rewrites a fifth of the first layer's files and removes a directory, so
// that there is waste to find.
//
//	go run ./scripts/gen-analyze-image OUT.tar
package main

import (
	"fmt"
	"os"

	. "github.com/berth-dev/berth/layers/analyze/analyzetest"
)

const (
	dirs        = 100
	firstFiles  = 60000
	secondFiles = 40000
)

// size spreads file sizes from 0 to 20 kB, 10 kB on average.
func size(i int) int64 { return int64((i * 7919) % 20001) }

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen-analyze-image OUT.tar")
		os.Exit(2)
	}
	layers := []Layer{
		{Command: "/bin/sh -c #(nop) ADD base.tar /", Gen: func(add func(File) error) error {
			for d := 0; d < dirs; d++ {
				if err := add(Dir(fmt.Sprintf("srv/d%03d/", d))); err != nil {
					return err
				}
			}
			for i := 0; i < firstFiles; i++ {
				if err := add(Reg(fmt.Sprintf("srv/d%03d/f%05d", i%dirs, i), size(i))); err != nil {
					return err
				}
			}
			return nil
		}},
		{Command: "/bin/sh -c make update", Gen: func(add func(File) error) error {
			if err := add(Whiteout("srv", "d099")); err != nil {
				return err
			}
			// A fifth of the first layer's files again, with new sizes.
			for i := 0; i < firstFiles/5; i++ {
				if i%dirs == 99 {
					continue
				}
				if err := add(Reg(fmt.Sprintf("srv/d%03d/f%05d", i%dirs, i), size(i+1))); err != nil {
					return err
				}
			}
			for i := 0; i < secondFiles-firstFiles/5; i++ {
				if err := add(Reg(fmt.Sprintf("opt/d%03d/g%05d", i%dirs, i), size(i+3))); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	if err := WriteDockerArchive(os.Args[1], "bench:latest", layers); err != nil {
		fmt.Fprintln(os.Stderr, "gen-analyze-image:", err)
		os.Exit(1)
	}
}

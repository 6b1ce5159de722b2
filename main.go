// Command berth is a terminal container workbench: one binary with no daemon
// whose command line and interactive UI embed a whole container engine.
package main

import (
	"os"

	"github.com/berth-dev/berth/engine/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}

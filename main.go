// Command berth is a terminal container workbench: one binary with no daemon
// whose command line and interactive UI embed a whole container engine.
package main

import (
	"os"

	"github.com/berth-dev/berth/engine/cli"
	"github.com/berth-dev/berth/engine/runner"
)

func main() {
	// A container's init is this binary re-executed: it must not go
	// through the command line, and never returns.
	runner.MaybeInit()
	os.Exit(cli.Main(os.Args[1:]))
}

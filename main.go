// Command berth is a terminal container workbench: one binary with no daemon
// whose command line and interactive UI embed a whole container engine.
package main

import (
	"net"
	"os"
	"runtime/pprof"

	"github.com/berth-dev/berth/engine/cli"
)

// berth links statically: name lookups stay in Go even in a build without
// the netgo tag, since glibc's resolver would want shared libraries.
func init() { net.DefaultResolver.PreferGo = true }

func main() {
	stop := cpuProfile(os.Getenv("BERTH_CPUPROFILE"))
	os.Unsetenv("BERTH_CPUPROFILE") // for this process, not the supervisors it starts
	code := cli.Main(os.Args[1:])
	stop()
	os.Exit(code)
}

// cpuProfile writes a CPU profile of this run to path, for `go tool pprof`,
// until the returned function is called; with no path it does nothing.
func cpuProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

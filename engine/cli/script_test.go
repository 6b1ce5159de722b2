package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/layers/layertest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as `berth` inside the scripts, so that
// every scenario runs the real command line.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"berth": func() {
			os.Exit(Main(os.Args[1:]))
		},
	})
}

func busyboxApplets(t testscript.T) []string {
	out, err := exec.Command(layertest.BusyboxPath, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))
}

// TestScripts runs the scenarios in testdata/script, one txtar file each,
// each with a throw-away berth root in $BERTH_ROOT.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("BERTH_ROOT", env.WorkDir+"/root")
			// Every root a scenario made ($BERTH_ROOT, others it names
			// with --root), even one whose records it deleted on purpose.
			env.Defer(func() {
				runtimes, _ := filepath.Glob(filepath.Join(env.WorkDir, "*", engine.RuntimeDir))
				for _, rt := range runtimes {
					cleanupRoot(filepath.Dir(rt))
				}
			})
			// busybox.tar: a base image's rootfs, for `berth import`.
			f, err := os.Create(env.WorkDir + "/busybox.tar")
			if err != nil {
				return err
			}
			defer f.Close()
			return layertest.WriteTar(f, busyboxApplets(env.T()))
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"udpecho": cmdUDPEcho,
			"netns":   cmdNetns,
		},
	})
}

var udpecho struct {
	once sync.Once
	path string
	err  error
}

// cmdUDPEcho copies a static build of testdata/udpecho to the path given:
// busybox has no UDP server, and the berth binary is not static.
func cmdUDPEcho(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: udpecho PATH")
	}
	udpecho.once.Do(func() {
		dir, err := os.MkdirTemp("", "berth-udpecho")
		if err != nil {
			udpecho.err = err
			return
		}
		udpecho.path = filepath.Join(dir, "udpecho")
		cmd := exec.Command("go", "build", "-o", udpecho.path, ".")
		cmd.Dir = "testdata/udpecho"
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			udpecho.err = fmt.Errorf("building udpecho: %v\n%s", err, out)
		}
	})
	ts.Check(udpecho.err)
	b, err := os.ReadFile(udpecho.path)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o755))
}

// cmdNetns makes a network namespace standing in for a host outside: NAME
// joined to the host by a veth pair, the host side HOSTADDR, the namespace
// side NSADDR (both CIDR), with no route beyond its own link, so that
// traffic from containers reaches it only through berth's masquerade. It is
// removed when the script ends.
func cmdNetns(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: netns NAME HOSTADDR NSADDR")
	}
	name, hostAddr, nsAddr := args[0], args[1], args[2]
	veth := "vt" + name[:min(len(name), 10)]
	ip := func(a ...string) {
		if out, err := exec.Command("ip", a...).CombinedOutput(); err != nil {
			ts.Fatalf("ip %s: %v\n%s", strings.Join(a, " "), err, out)
		}
	}
	exec.Command("ip", "netns", "del", name).Run() // a leftover of an earlier run
	exec.Command("ip", "link", "del", veth).Run()
	ip("netns", "add", name)
	ts.Defer(func() {
		exec.Command("ip", "link", "del", veth).Run()
		exec.Command("ip", "netns", "del", name).Run()
	})
	ip("link", "add", veth, "type", "veth", "peer", "name", veth+"p")
	ip("link", "set", veth+"p", "netns", name)
	ip("addr", "add", hostAddr, "dev", veth)
	ip("link", "set", veth, "up")
	ip("-n", name, "addr", "add", nsAddr, "dev", veth+"p")
	ip("-n", name, "link", "set", veth+"p", "up")
	ip("-n", name, "link", "set", "lo", "up")
}

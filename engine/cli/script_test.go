package cli

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine/runner"
	"github.com/berth-dev/berth/layers/layertest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as `berth` inside the scripts, so that
// every scenario runs the real command line.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"berth": func() {
			runner.MaybeInit()
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
			env.Defer(func() { cleanupRoot(env.WorkDir + "/root") })
			// busybox.tar: a base image's rootfs, for `berth import`.
			f, err := os.Create(env.WorkDir + "/busybox.tar")
			if err != nil {
				return err
			}
			defer f.Close()
			return layertest.WriteTar(f, busyboxApplets(env.T()))
		},
	})
}

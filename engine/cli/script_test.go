package cli

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as `berth` inside the scripts, so that
// every scenario runs the real command line.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"berth": func() { os.Exit(Main(os.Args[1:])) },
	})
}

// TestScripts runs the scenarios in testdata/script, one txtar file each,
// each with a throw-away berth root in $BERTH_ROOT.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("BERTH_ROOT", env.WorkDir+"/root")
			return nil
		},
	})
}

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWorkbenchInTmux runs scripts/tui-e2e: the real berth binary in a real
// terminal (tmux), its panes checked for what the store holds.
func TestWorkbenchInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is missing: scripts/test installs it")
	}
	top, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "berth")
	build := exec.Command("go", "build", "-tags", "netgo,osusergo", "-o", bin, ".")
	build.Dir = top
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building berth: %v\n%s", err, out)
	}
	cmd := exec.Command(filepath.Join(top, "scripts/tui-e2e"))
	cmd.Env = append(os.Environ(), "BERTH="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/tui-e2e: %v\n%s", err, out)
	}
}

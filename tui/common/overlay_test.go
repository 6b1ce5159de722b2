package common

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestOverlayKeepsSurroundings(t *testing.T) {
	bg := Block([]string{"aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"}, 10, 3)
	out := Overlay(bg, "XY", 10, 3)
	lines := strings.Split(ansi.Strip(out), "\n")
	if lines[0] != "aaaaaaaaaa" || lines[1] != "bbbbXYbbbb" || lines[2] != "cccccccccc" {
		t.Fatalf("overlay:\n%s", strings.Join(lines, "\n"))
	}
}

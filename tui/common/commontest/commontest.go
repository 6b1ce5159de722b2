// Package commontest gives the workbench's tests a Common at a fixed clock
// and a check that a drawn frame has exactly the size it was given.
package commontest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/data/datatest"
)

// Themes are the themes golden files are drawn in.
var Themes = []themes.Palette{themes.Dark, themes.Light}

// Sizes are the screen sizes golden files are drawn at.
var Sizes = [][2]int{{60, 20}, {80, 24}, {120, 40}}

// New returns a Common in palette p, sized w by h, at datatest's clock.
func New(p themes.Palette, w, h int) *common.Common {
	cfg := common.DefaultConfig()
	return &common.Common{
		Ctx: context.Background(), Width: w, Height: h,
		Styles: common.NewStyles(p), Keys: cfg.KeyMap(), Config: cfg, Now: datatest.Clock,
	}
}

// Each runs f for every theme and size, as subtests named "dark_80x24".
func Each(t *testing.T, f func(t *testing.T, c *common.Common, w, h int)) {
	for _, p := range Themes {
		for _, s := range Sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", p.Name, s[0], s[1]), func(t *testing.T) {
				f(t, New(p, s[0], s[1]), s[0], s[1])
			})
		}
	}
}

// CheckFrame fails t unless frame is exactly h lines of exactly w cells.
func CheckFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Fatalf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Fatalf("line %d is %d cells wide, want %d: %q", i, got, w, ansi.Strip(l))
		}
	}
}

// Plain returns frame without its styles, for checking text.
func Plain(frame string) string { return ansi.Strip(frame) }

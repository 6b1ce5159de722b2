package tui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data/datatest"
)

func init() { time.Local = time.UTC }

// screen returns a workbench over fixed data, sized w by h, without
// running a program.
func screen(t testing.TB, pal themes.Palette, w, h, nc, ni int) (*Model, *recorder) {
	r := newRecorder(nc, ni)
	m, err := New(context.Background(), r, Options{Palette: &pal, Now: datatest.Clock, NoStreams: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(common.ContainersMsg(r.containers))
	m.Update(common.ImagesMsg(r.images))
	for _, s := range datatest.Stats(r.containers, 12) {
		m.Update(common.StatsMsg{s})
	}
	return m, r
}

func keys(m *Model, ks ...string) {
	for _, k := range ks {
		m.Update(keyPress(k))
	}
}

// act presses keys whose commands only carry a pane's request (an action
// or an open), and hands each request back to the model as the program
// would.
func act(m *Model, ks ...string) {
	for _, k := range ks {
		_, cmd := m.Update(keyPress(k))
		if cmd == nil {
			continue
		}
		switch msg := cmd().(type) {
		case common.ActionMsg, common.OpenMsg:
			m.Update(msg)
		}
	}
}

func TestScreen(t *testing.T) {
	sizes := append(commontest.Sizes, [2]int{300, 100})
	for _, pal := range commontest.Themes {
		for _, s := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", pal.Name, s[0], s[1]), func(t *testing.T) {
				m, _ := screen(t, pal, s[0], s[1], 30, 10)
				v := m.Render()
				commontest.CheckFrame(t, v, s[0], s[1])
				golden.RequireEqual(t, v)
			})
		}
	}
}

func TestOverlays(t *testing.T) {
	cases := map[string]func(m *Model, r *recorder){
		"help":    func(m *Model, r *recorder) { keys(m, "?") },
		"palette": func(m *Model, r *recorder) { keys(m, ":", "t", "h") },
		"confirm": func(m *Model, r *recorder) { act(m, "space", "space", "K") },
		"prompt":  func(m *Model, r *recorder) { act(m, "R") },
		"error": func(m *Model, r *recorder) {
			m.Update(common.ErrorMsg{Err: errors.New("stopping web-0: container is not running\nsecond line \x1b[2J")})
		},
	}
	for name, f := range cases {
		for _, s := range [][2]int{{60, 20}, {80, 24}} {
			t.Run(fmt.Sprintf("%s_%dx%d", name, s[0], s[1]), func(t *testing.T) {
				m, r := screen(t, themes.Dark, s[0], s[1], 30, 10)
				f(m, r)
				v := m.Render()
				commontest.CheckFrame(t, v, s[0], s[1])
				golden.RequireEqual(t, v)
			})
		}
	}
}

func TestEveryPaneLaysOut(t *testing.T) {
	for _, s := range [][2]int{{60, 20}, {300, 100}, {40, 8}} {
		m, _ := screen(t, themes.HighContrast, s[0], s[1], 40, 20)
		m.Update(common.LayersMsg(datatest.Analysis()))
		m.Update(common.NamespacesMsg(datatest.Namespaces()))
		m.Update(common.EventsMsg(datatest.Events(50)))
		for i := range m.panes {
			keys(m, fmt.Sprint(i+1))
			if m.active != i {
				t.Fatalf("key %d shows pane %d", i+1, m.active)
			}
			commontest.CheckFrame(t, m.Render(), s[0], s[1])
		}
	}
}

func TestTooSmall(t *testing.T) {
	m, _ := screen(t, themes.Dark, 30, 6, 3, 3)
	v := m.Render()
	commontest.CheckFrame(t, v, 30, 6)
	if !strings.Contains(v, "at least 40x8") {
		t.Fatalf("a tiny terminal is not told why:\n%s", v)
	}
}

func TestErrorStaysOneLine(t *testing.T) {
	m, _ := screen(t, themes.Dark, 80, 24, 3, 3)
	m.Update(common.ErrorMsg{Err: errors.New("a\nb\r\x1b[2Jc")})
	v := m.Render()
	commontest.CheckFrame(t, v, 80, 24)
	last := commontest.Plain(v[strings.LastIndexByte(v, '\n')+1:])
	if !strings.Contains(last, "a b c") {
		t.Fatalf("footer %q does not carry the error on one line", last)
	}
	keys(m, "esc")
	if m.status != "" {
		t.Fatal("esc did not clear the error")
	}
}

func TestThemeFollowsBackground(t *testing.T) {
	m, err := New(context.Background(), newRecorder(1, 1), Options{Now: datatest.Clock})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if m.c.Styles.Theme != "light" {
		t.Fatalf("on a white background the theme is %s", m.c.Styles.Theme)
	}
	m.Update(tea.BackgroundColorMsg{Color: color.Black})
	if m.c.Styles.Theme != "dark" {
		t.Fatalf("on a black background the theme is %s", m.c.Styles.Theme)
	}
	cfg := common.DefaultConfig()
	cfg.Theme = "gruvbox"
	m, err = New(context.Background(), newRecorder(1, 1), Options{Config: cfg, Now: datatest.Clock})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if m.c.Styles.Theme != "gruvbox" {
		t.Fatalf("a chosen theme was replaced by %s", m.c.Styles.Theme)
	}
	cfg.Theme = "nosuch"
	if _, err := New(context.Background(), newRecorder(1, 1), Options{Config: cfg}); !errors.Is(err, themes.ErrUnknown) {
		t.Fatalf("unknown theme: %v", err)
	}
}

func TestPaletteSwitchesPane(t *testing.T) {
	m, _ := screen(t, themes.Dark, 80, 24, 3, 3)
	keys(m, ":", "e", "v", "enter")
	if m.Pane().Name() != "events" {
		t.Fatalf("palette 'ev' opened %s", m.Pane().Name())
	}
}

func TestHelpListsEveryKey(t *testing.T) {
	m, _ := screen(t, themes.Dark, 300, 100, 3, 3)
	keys(m, "?")
	v := commontest.Plain(m.Render())
	for _, b := range m.c.Keys.All() {
		if !strings.Contains(v, b.Help().Desc) {
			t.Errorf("help does not list %q", b.Help().Desc)
		}
	}
}

// BenchmarkFrame draws one frame of the Containers pane with 500 containers
// and 200 images at 200x60, after a round of stats samples for every running
// container.
func BenchmarkFrame(b *testing.B) {
	m, _ := screen(b, themes.Dark, 200, 60, 500, 200)
	m.Render()
	round := common.StatsMsg(datatest.Stats(datatest.Containers(500), 1))
	for b.Loop() {
		// A round of stats samples arrives between frames, as it does live.
		m.Update(round)
		_ = m.Render()
	}
}

// BenchmarkFrameImages draws one frame of the Images pane over the same
// data.
func BenchmarkFrameImages(b *testing.B) {
	m, _ := screen(b, themes.Dark, 200, 60, 500, 200)
	keys(m, "2")
	m.Render()
	for b.Loop() {
		_ = m.Render()
	}
}

func TestPaletteRunsPaneAction(t *testing.T) {
	m, r := screen(t, themes.Dark, 80, 24, 5, 3)
	keys(m, ":", "k", "i", "l", "l")
	_, cmd := m.Update(keyPress("enter"))
	if cmd == nil {
		t.Fatal(":kill did nothing")
	}
	a, ok := cmd().(common.ActionMsg)
	if !ok || a.Action != common.Kill || len(a.Targets) != 1 || a.Targets[0].ID != r.byName("api-4") {
		t.Fatalf(":kill asked for %+v", a)
	}
}

func TestMouseClickOnTab(t *testing.T) {
	m, _ := screen(t, themes.Dark, 120, 40, 5, 3)
	x := strings.Index(commontest.Plain(m.Render()), "Images")
	m.Update(tea.MouseClickMsg{X: x, Y: 0, Button: tea.MouseLeft})
	if m.Pane().Name() != "images" {
		t.Fatalf("click on Images opened %s", m.Pane().Name())
	}
	m.c.Config.Mouse = false
	m.Update(tea.MouseClickMsg{X: 2, Y: 0, Button: tea.MouseLeft})
	if m.Pane().Name() != "images" {
		t.Fatal("a click worked with the mouse turned off")
	}
}

func TestPaletteTheme(t *testing.T) {
	m, _ := screen(t, themes.Dark, 80, 24, 3, 3)
	keys(m, ":")
	for _, r := range "theme gruvbox" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	_, cmd := m.Update(keyPress("enter"))
	msg := cmd()
	if _, ok := msg.(themeMsg); !ok {
		t.Fatalf(":theme gruvbox sent %#v", msg)
	}
	m.Update(msg)
	if m.c.Styles.Theme != "gruvbox" || !strings.Contains(m.Render(), "theme gruvbox") {
		t.Fatalf("theme is %s", m.c.Styles.Theme)
	}
}

func TestFrameKeptOnlyWhileNothingChanges(t *testing.T) {
	m, _ := screen(t, themes.Dark, 80, 24, 10, 3)
	first := m.View().Content
	m.Update(tickMsg{}) // not a list reload: nothing to draw
	if m.frame == "" {
		t.Fatal("a tick that changes nothing dropped the frame")
	}
	keys(m, "j")
	if m.View().Content == first {
		t.Fatal("moving the cursor did not change the frame")
	}
}

func TestBulkFailuresGather(t *testing.T) {
	m, _ := screen(t, themes.Dark, 120, 24, 3, 3)
	boom := errors.New("container is not running")
	m.Update(common.ActionDoneMsg{Action: common.Kill, Target: common.Target{Name: "a"}, Err: boom})
	m.Update(common.ActionDoneMsg{Action: common.Kill, Target: common.Target{Name: "b"}, Err: boom})
	want := "kill a: container is not running; b: container is not running"
	if m.status != want {
		t.Fatalf("status %q, want %q", m.status, want)
	}
	commontest.CheckFrame(t, m.Render(), 120, 24)
}

func TestRunFormNeedsImage(t *testing.T) {
	m, r := screen(t, themes.Dark, 80, 24, 3, 3)
	m.Update(common.ActionMsg{Action: common.Run, Targets: []common.Target{{}}})
	_, cmd := m.Update(keyPress("ctrl+s"))
	if cmd != nil || m.form == nil {
		t.Fatal("the form ran without an image")
	}
	v := m.Render()
	commontest.CheckFrame(t, v, 80, 24)
	if !strings.Contains(commontest.Plain(v), "an image is needed") {
		t.Fatalf("the form does not say what is missing:\n%s", commontest.Plain(v))
	}
	if len(r.called) != 0 {
		t.Fatal("the backend was called")
	}
	golden.RequireEqual(t, v)
}

func TestPendingShownUntilDone(t *testing.T) {
	m, _ := screen(t, themes.Dark, 80, 24, 3, 3)
	m.Update(common.ActionMsg{Action: common.Start, Targets: []common.Target{{ID: "a", Name: "a"}, {ID: "b", Name: "b"}}})
	if m.pending != 2 || !strings.Contains(m.Render(), "⟳ 2") {
		t.Fatalf("pending %d not drawn", m.pending)
	}
	m.Update(common.ActionDoneMsg{Action: common.Start, Target: common.Target{Name: "a"}})
	m.Update(common.ActionDoneMsg{Action: common.Start, Target: common.Target{Name: "b"}})
	v := m.Render()
	commontest.CheckFrame(t, v, 80, 24)
	if m.pending != 0 || strings.Contains(v, "⟳") {
		t.Fatal("the pending count outlived the actions")
	}
}

func TestEscGoesBackAfterDrillingIn(t *testing.T) {
	m, _ := screen(t, themes.Dark, 80, 24, 5, 3)
	act(m, "2", "enter") // an image's layers
	if m.Pane().Name() != "layers" {
		t.Fatalf("enter on an image opened %s", m.Pane().Name())
	}
	m.Update(common.LayersMsg(datatest.Analysis()))
	keys(m, "/", "x", "enter")
	keys(m, "esc") // clears the filter first
	if m.Pane().Name() != "layers" {
		t.Fatal("esc left the pane before clearing its filter")
	}
	keys(m, "esc")
	if m.Pane().Name() != "images" {
		t.Fatalf("esc went to %s, not back to images", m.Pane().Name())
	}
	keys(m, "esc") // nothing left to go back to
	if m.Pane().Name() != "images" {
		t.Fatalf("esc with no trail went to %s", m.Pane().Name())
	}
}

func TestMouseWheelScrolls(t *testing.T) {
	m, _ := screen(t, themes.Dark, 80, 24, 10, 3)
	before := m.panes[0].View()
	m.Update(tea.MouseWheelMsg{X: 5, Y: 5, Button: tea.MouseWheelDown})
	if m.panes[0].View() == before {
		t.Fatal("the wheel did not move the cursor")
	}
}

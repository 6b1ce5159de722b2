package build

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data"
	"github.com/berth-dev/berth/tui/data/datatest"
)

func init() { time.Local = time.UTC }

// feed hands the pane the builds, and the progress of each build it asks
// to watch, as the workbench would.
func feed(p *Pane, msg tea.Msg) {
	cmd := p.Update(msg)
	for cmd != nil {
		w, ok := cmd().(common.WatchBuildMsg)
		if !ok {
			return
		}
		b := find(w.ID)
		cmd = p.Update(common.BuildProgressMsg{ID: w.ID, Progress: data.BuildProgress{Build: b, Events: datatest.BuildEvents(w.ID)}})
	}
}

func find(id string) data.BuildRow {
	for _, b := range datatest.Builds() {
		if b.ID == id {
			return b
		}
	}
	return data.BuildRow{}
}

func press(p *Pane, ks ...tea.KeyPressMsg) {
	for _, k := range ks {
		feed(p, k)
	}
}

var (
	up    = tea.KeyPressMsg{Code: tea.KeyUp}
	down  = tea.KeyPressMsg{Code: tea.KeyDown}
	enter = tea.KeyPressMsg{Code: tea.KeyEnter}
	pgup  = tea.KeyPressMsg{Code: tea.KeyPgUp}
)

func TestView(t *testing.T) {
	cases := map[string]func(p *Pane){
		"running":   func(p *Pane) {},
		"succeeded": func(p *Pane) { press(p, down) },
		"failed":    func(p *Pane) { press(p, down, down) },
		"steps":     func(p *Pane) { press(p, enter, up, up) },
		"empty":     nil,
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
				p := New(c)
				p.SetSize(w, h-2)
				if f != nil {
					feed(p, common.BuildsMsg(datatest.Builds()))
					f(p)
				}
				v := p.View()
				commontest.CheckFrame(t, v, w, h-2)
				golden.RequireEqual(t, v)
			})
		})
	}
}

func TestFollowsTheRunningBuild(t *testing.T) {
	p := New(commontest.New(commontest.Themes[0], 120, 40))
	p.SetSize(120, 38)
	feed(p, common.BuildsMsg(datatest.Builds()))
	v := commontest.Plain(p.View())
	for _, want := range []string{
		"[stage-0 1/4] FROM busybox", "CACHED",
		"[stage-0 2/4] COPY site/ /srv/", "0.02s", "1.23kB", "cache miss: file site/index.html changed",
		"[stage-0 3/4] RUN ./gen.sh && sleep 30", "38.0s", "cache miss: the step before it changed",
		"output of step 3/4 · 30 lines", "rendering page 30 of 30    ok",
		"warning: one or more build args were not consumed: VERSION",
		"running 41.0s · build 3f2a9c1e → site:2, site:latest · /home/dev/site · Dockerfile",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// More of the running build arrives from where the last read ended.
	b := find("3f2a9c1e0b7d4a65")
	p.Update(common.BuildProgressMsg{ID: b.ID, From: 100, Progress: data.BuildProgress{Build: b, Events: []data.BuildEvent{
		{Kind: data.BuildOutput, Step: 3, Total: 4, Text: "all pages rendered"},
	}}})
	if v := commontest.Plain(p.View()); !strings.Contains(v, "31 lines") || !strings.Contains(v, "all pages rendered") {
		t.Errorf("new output is not shown at the bottom:\n%s", v)
	}
	// Progress of a build no longer selected is dropped.
	press(p, down)
	p.Update(common.BuildProgressMsg{ID: b.ID, From: 200, Progress: data.BuildProgress{Build: b, Events: []data.BuildEvent{
		{Kind: data.BuildOutput, Step: 3, Total: 4, Text: "late line"},
	}}})
	if v := commontest.Plain(p.View()); strings.Contains(v, "late line") || !strings.Contains(v, "built in 14.2s") {
		t.Errorf("after moving to the second build:\n%s", v)
	}
	// Scrolling back pauses the output.
	press(p, up, pgup)
	if v := commontest.Plain(p.View()); !strings.Contains(v, "paused, f follows") || strings.Contains(v, "all pages rendered") {
		t.Errorf("page up did not scroll the output back:\n%s", v)
	}
}

func TestNewBuildIsSelected(t *testing.T) {
	p := New(commontest.New(commontest.Themes[0], 120, 40))
	p.SetSize(120, 38)
	feed(p, common.BuildsMsg(datatest.Builds()))
	press(p, down) // off the newest: a build from elsewhere does not move the selection
	bs := append([]data.BuildRow{{ID: "aaaa", Started: datatest.Now.Add(-time.Second), Status: data.BuildRunning}}, datatest.Builds()...)
	if cmd := p.Update(common.BuildsMsg(bs)); cmd != nil || p.Selected() != "9b1c44d0e2f35a17" {
		t.Fatalf("a new build took the selection: %s", p.Selected())
	}
	// One started here is selected, and followed once listed.
	cmd := p.Update(common.BuildStartedMsg{ID: "bbbb"})
	if w, ok := cmd().(common.WatchBuildMsg); !ok || w.ID != "bbbb" {
		t.Fatalf("a build started here is not watched: %v", w)
	}
	p.Update(common.BuildsMsg(bs)) // a list read before it was recorded
	if p.Selected() != "bbbb" {
		t.Fatalf("an older list moved the selection to %s", p.Selected())
	}
	// b asks for the form, filled from the selected build.
	press(p, down)
	msg := p.Update(tea.KeyPressMsg{Code: 'b', Text: "b"})()
	if nb, ok := msg.(common.NewBuildMsg); !ok || nb.Spec.Context != "/home/dev/site" || nb.Spec.Tags[0] != "site:2" {
		t.Fatalf("b asked for %#v", msg)
	}
}

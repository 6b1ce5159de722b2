package dev

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data"
)

func init() { time.Local = time.UTC }

var t0 = time.Date(2026, 11, 22, 18, 40, 0, 0, time.UTC)

func stage(name string, d time.Duration) data.DevStage {
	return data.DevStage{Name: name, Duration: d}
}

func reports() common.DevMsg {
	ms := time.Millisecond
	return common.DevMsg{
		{Time: t0, Kind: data.DevBuild, Text: "build 1/3 FROM busybox:demo"},
		{Time: t0, Kind: data.DevBuild, Text: "build 2/3 COPY site/ /srv/"},
		{Time: t0, Kind: data.DevUp, Text: "web up on http://127.0.0.1:8080 in 198ms · watching /app: sync site -> /srv"},
		{Time: t0.Add(time.Second), Kind: data.DevReload, N: 1, Action: "sync", Paths: 1, Total: 52 * ms,
			Stages: []data.DevStage{stage("seen", 50*ms), stage("sync", ms), stage("ready", ms)}},
		{Time: t0.Add(2 * time.Second), Kind: data.DevLog, Text: "GET / 200\x1b[2J"},
		{Time: t0.Add(3 * time.Second), Kind: data.DevReload, N: 2, Action: "rebuild", Paths: 2, Total: 260 * ms,
			Stages: []data.DevStage{stage("seen", 50*ms), stage("build", 30*ms), stage("replace", 175*ms), stage("ready", 5*ms)}},
		{Time: t0.Add(4 * time.Second), Kind: data.DevFailed, N: 3, Action: "rebuild", Paths: 1,
			Stages: []data.DevStage{stage("seen", 50*ms), stage("build", ms)},
			Text:   "rebuild: build failed: Dockerfile:5: FROOM: unknown instruction FROOM"},
	}
}

func TestView(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := New(c)
		p.SetSize(w, h-2)
		p.Update(reports())
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		golden.RequireEqual(t, v)
	})
}

func TestTimelineAndSelection(t *testing.T) {
	p := New(commontest.New(commontest.Themes[0], 100, 30))
	p.SetSize(100, 28)
	v := commontest.Plain(p.View())
	if !strings.Contains(v, "first build is running") || !strings.Contains(v, "no reloads yet") {
		t.Fatalf("empty pane:\n%s", v)
	}
	p.Update(reports())
	v = commontest.Plain(p.View())
	for _, want := range []string{
		"web up on http://127.0.0.1:8080",
		"3 reloads · median 260ms · last 260ms · 1 failed",
		"failed: rebuild: build failed: Dockerfile:5: FROOM",
		"#3 rebuild: seen 50ms · build 1ms",
		"reload 3 failed:",
		"GET / 200·",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// The rebuild's bar is five times the sync's: one time scale for all.
	var syncBar, rebuildBar int
	for _, l := range strings.Split(v, "\n") {
		n := strings.Count(l, "█")
		switch {
		case strings.Contains(l, " sync "):
			syncBar = n
		case strings.Contains(l, " rebuild ") && strings.HasSuffix(strings.TrimSpace(l), "260ms"):
			rebuildBar = n
		}
	}
	if syncBar == 0 || rebuildBar < 4*syncBar || rebuildBar > 6*syncBar {
		t.Errorf("bars: sync %d cells, rebuild %d cells; want about 1:5", syncBar, rebuildBar)
	}
	// Up selects older reloads; f follows the newest again.
	p.Update(tea.KeyPressMsg{Code: tea.KeyUp})
	p.Update(tea.KeyPressMsg{Code: tea.KeyUp})
	if v := commontest.Plain(p.View()); !strings.Contains(v, "#1 sync: seen 50ms · sync 1ms · ready 1ms · total 52ms") {
		t.Errorf("after two ups the first reload should be selected:\n%s", v)
	}
	p.Update(common.DevMsg{{Kind: data.DevReload, N: 4, Action: "sync", Total: time.Millisecond}})
	if v := commontest.Plain(p.View()); !strings.Contains(v, "#1 sync") {
		t.Errorf("a new reload moved the selection off reload 1:\n%s", v)
	}
	p.Update(tea.KeyPressMsg{Code: 'f', Text: "f"})
	if v := commontest.Plain(p.View()); !strings.Contains(v, "#4 sync") {
		t.Errorf("f should select the newest reload:\n%s", v)
	}
}

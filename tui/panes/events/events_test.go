package events

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data/datatest"
)

func init() { time.Local = time.UTC }

func TestView(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := New(c)
		p.SetSize(w, h-2)
		p.Update(common.EventsMsg(datatest.Events(60)))
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		golden.RequireEqual(t, v)
	})
}

func TestFollowAndScroll(t *testing.T) {
	p := New(commontest.New(commontest.Themes[0], 80, 24))
	p.SetSize(80, 10)
	evs := datatest.Events(30)
	p.Update(common.EventsMsg(evs))
	last := evs[len(evs)-1]
	if !strings.Contains(commontest.Plain(p.View()), last.Time.Format("15:04:05")) {
		t.Fatal("following pane does not show the newest event")
	}
	p.Update(tea.KeyPressMsg{Code: 'g', Text: "g"})
	p.Update(common.EventMsg(last))
	v := commontest.Plain(p.View())
	if !strings.Contains(v, evs[0].Time.Format("15:04:05")) || !strings.Contains(v, "paused") {
		t.Fatalf("scrolled-back pane moved on a new event:\n%s", v)
	}
}

func TestFilter(t *testing.T) {
	p := New(commontest.New(commontest.Themes[0], 80, 24))
	p.SetSize(80, 22)
	p.Update(common.EventsMsg(datatest.Events(30)))
	for _, r := range "/pull" {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	if len(p.shown) != 3 {
		t.Fatalf("filter pull shows %d, want 3", len(p.shown))
	}
	p.Update(common.EventMsg(datatest.Events(1)[0])) // a create: filtered out
	if len(p.shown) != 3 {
		t.Fatalf("a create event passed the pull filter")
	}
}

func TestHostileTextIsCleaned(t *testing.T) {
	p := New(commontest.New(commontest.Themes[0], 80, 24))
	p.SetSize(80, 22)
	p.Update(common.EventMsg{Time: datatest.Now, Type: "container", Action: "start", Name: "x\x1b[2Jy",
		Attrs: map[string]string{"label": "evil\r\x1b]0;title\a"}})
	v := p.View()
	commontest.CheckFrame(t, v, 80, 22)
	if strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\r") {
		t.Fatalf("control sequences from an event reached the screen: %q", v)
	}
}

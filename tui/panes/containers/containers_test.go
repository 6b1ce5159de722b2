package containers

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data/datatest"
)

func loaded(c *common.Common, w, h int) *Pane {
	p := New(c)
	cs := datatest.Containers(12)
	p.Update(common.ContainersMsg(cs))
	for _, s := range datatest.Stats(cs, 15) {
		p.Update(common.StatsMsg{s})
	}
	p.SetSize(w, h)
	return p
}

func press(p *Pane, keys ...string) (cmds []tea.Cmd) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "space":
			msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		default:
			msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}
		cmds = append(cmds, p.Update(msg))
	}
	return cmds
}

func TestView(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := loaded(c, w, h-2)
		press(p, "j", "space", "space")
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		golden.RequireEqual(t, v)
	})
}

func TestEmpty(t *testing.T) {
	c := commontest.New(commontest.Themes[0], 80, 24)
	p := New(c)
	p.SetSize(80, 22)
	v := p.View()
	commontest.CheckFrame(t, v, 80, 22)
	if !strings.Contains(commontest.Plain(v), "no containers") {
		t.Fatalf("empty pane does not say so:\n%s", commontest.Plain(v))
	}
}

func TestFilter(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 100, 30), 100, 28)
	press(p, "/", "c", "a", "c", "h", "e", "enter")
	if p.Capturing() {
		t.Fatal("filter still has the keyboard after enter")
	}
	if len(p.shown) != 3 { // cache-1, cache-6, cache-11 of 12
		t.Fatalf("filter cache shows %d rows, want 3", len(p.shown))
	}
	for _, r := range p.shown {
		if !strings.HasPrefix(r.Name, "cache-") {
			t.Fatalf("filter cache shows %s", r.Name)
		}
	}
	press(p, "esc")
	if len(p.shown) != 12 {
		t.Fatalf("esc left %d rows, want 12", len(p.shown))
	}
}

func TestSortByCPU(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 100, 30), 100, 28)
	for p.sortBy != byCPU {
		press(p, "o")
	}
	p.sync()
	for i := 1; i < len(p.shown); i++ {
		if p.shown[i].CPU > p.shown[i-1].CPU {
			t.Fatalf("row %d cpu %.1f above row %d cpu %.1f", i, p.shown[i].CPU, i-1, p.shown[i-1].CPU)
		}
	}
}

func TestMarkAndAct(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 100, 30), 100, 28)
	press(p, "space", "space") // marks rows 0 and 1 (by name: api-4, api-9)
	cmds := press(p, "K")
	msg := cmds[0]()
	act, ok := msg.(common.ActionMsg)
	if !ok || act.Action != common.Kill {
		t.Fatalf("K sent %#v", msg)
	}
	if len(act.Targets) != 2 || act.Targets[0].Name != "api-4" || act.Targets[1].Name != "api-9" {
		t.Fatalf("K targets %+v, want api-4 and api-9", act.Targets)
	}
}

func TestPauseTogglesByState(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 100, 30), 100, 28)
	for p.tbl.SelectedKey() != "" && p.shown[p.tbl.Cursor()].Status != "paused" {
		press(p, "j")
	}
	act := press(p, "p")[0]().(common.ActionMsg)
	if act.Action != common.Unpause {
		t.Fatalf("p on a paused container asks for %s", act.Action)
	}
}

func TestListKeepsLatestSample(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 100, 30), 100, 28)
	cs := datatest.Containers(12)
	for i := range cs {
		cs[i].CPU, cs[i].Mem = 0, 0 // a list without figures
	}
	p.Update(common.ContainersMsg(cs))
	for _, r := range p.all {
		if r.Running() && (r.CPU == 0 || r.Mem == 0) {
			t.Fatalf("%s lost its sampled figures on a list refresh", r.Name)
		}
	}
}

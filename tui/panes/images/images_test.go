package images

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
	p.Update(common.ImagesMsg(datatest.Images(10)))
	p.SetSize(w, h)
	return p
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestView(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := loaded(c, w, h-2)
		p.Update(press("j"))
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		golden.RequireEqual(t, v)
	})
}

func TestDanglingFilterAndRemove(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 100, 30), 100, 28)
	for _, k := range []string{"/", "d", "a", "n", "g", "l", "i", "n", "g", "enter"} {
		p.Update(press(k))
	}
	if len(p.shown) != 2 { // images 3 and 7 of 10
		t.Fatalf("dangling filter shows %d, want 2", len(p.shown))
	}
	if !strings.Contains(commontest.Plain(p.View()), "<none>:<none>") {
		t.Fatal("dangling image not drawn as <none>:<none>")
	}
	p.Update(press("space"))
	p.Update(press("space"))
	act := p.Update(press("d"))().(common.ActionMsg)
	if act.Action != common.RemoveImage || len(act.Targets) != 2 {
		t.Fatalf("d asks %+v", act)
	}
	for _, tg := range act.Targets {
		if tg.ID != p.shown[0].ID && tg.ID != p.shown[1].ID {
			t.Fatalf("remove target %s is not a dangling image", tg.ID)
		}
	}
}

func TestEnterOpensLayers(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 100, 30), 100, 28)
	o := p.Update(press("enter"))().(common.OpenMsg)
	if o.Pane != "layers" || len(o.Targets) != 1 || o.Targets[0].ID != p.shown[0].ID {
		t.Fatalf("enter opens %+v", o)
	}
}

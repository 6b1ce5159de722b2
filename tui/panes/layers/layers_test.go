package layers

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data/datatest"
)

func typeKeys(p *Pane, keys ...string) {
	for _, k := range keys {
		switch k {
		case "space":
			p.Update(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
		case "enter":
			p.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		default:
			for _, r := range k {
				p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
}

func loaded(c *common.Common, w, h int) *Pane {
	p := New(c)
	p.SetSize(w, h)
	p.Open([]common.Target{{ID: "x", Name: "api"}})
	p.Update(common.LayersMsg(datatest.Analysis()))
	return p
}

func TestView(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := loaded(c, w, h-2)
		typeKeys(p, "j", "l")
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		golden.RequireEqual(t, v)
	})
}

func TestMarksCollapseFilterSort(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 120, 40), 120, 38)
	typeKeys(p, "jj", "l") // the cleanup layer
	v := commontest.Plain(p.View())
	for _, want := range []string{"efficiency 81.2%", "wasted 2.00MB", "-      0B", "~  1.30kB", "cache.bin"} {
		if !strings.Contains(v, want) {
			t.Fatalf("missing %q:\n%s", want, v)
		}
	}
	n := len(p.tree)
	typeKeys(p, "space") // collapse /app
	if len(p.tree) != n-2 {
		t.Fatalf("collapsing /app left %d of %d entries", len(p.tree), n)
	}
	typeKeys(p, "space", "a", "/server", "enter")
	for _, e := range p.tree {
		if !strings.Contains(e.path, "server") && e.path != "/app" {
			t.Fatalf("filter server shows %s", e.path)
		}
	}
	typeKeys(p, "esc", "o")
	if p.tree[0].path != "/app" || p.tree[len(p.tree)-1].node.Size > p.tree[len(p.tree)-2].node.Size && p.tree[len(p.tree)-2].prefix == p.tree[len(p.tree)-1].prefix {
		t.Fatalf("not sorted by size: first %s", p.tree[0].path)
	}
}

func TestContainerChanges(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := New(c)
		p.SetSize(w, h-2)
		p.Open([]common.Target{{ID: "c", Name: "web-0"}})
		p.Update(common.ChangesMsg{Target: common.Target{ID: "c", Name: "web-0"}, Tree: datatest.Changes()})
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		if plain := commontest.Plain(v); !strings.Contains(plain, "2 added") || !strings.Contains(plain, "1 modified") || !strings.Contains(plain, "1 removed") {
			t.Fatalf("change counts missing:\n%s", plain)
		}
		golden.RequireEqual(t, v)
	})
}

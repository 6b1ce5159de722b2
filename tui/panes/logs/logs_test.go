package logs

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data"
	"github.com/berth-dev/berth/tui/data/datatest"
)

func typeKeys(p *Pane, s ...string) {
	for _, k := range s {
		switch k {
		case "enter":
			p.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		default:
			for _, r := range k {
				p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
}

func merged(c *common.Common, w, h int) *Pane {
	p := New(c)
	p.SetSize(w, h)
	p.Open([]common.Target{{ID: "c1", Name: "web-0"}, {ID: "c2", Name: "api-4"}})
	a, b := datatest.Logs("c1", "web-0", 40), datatest.Logs("c2", "api-4", 40)
	for i := range a {
		p.Update(common.LogMsg{a[i], b[i]})
	}
	return p
}

func TestView(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := merged(c, w, h-2)
		typeKeys(p, "t", "/items/3", "enter")
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		golden.RequireEqual(t, v)
	})
}

func TestSearchHighlightsAndJumps(t *testing.T) {
	p := merged(commontest.New(commontest.Themes[0], 100, 30), 100, 12)
	typeKeys(p, "/slow query", "enter")
	if len(p.matches) != 16 { // every fifth of 80 lines
		t.Fatalf("%d matches, want 16", len(p.matches))
	}
	v := p.View()
	if !strings.Contains(v, p.c.Styles.Match.Render("slow query")) && !strings.Contains(v, p.c.Styles.Selected.Render("slow query")) {
		t.Fatal("matches are not highlighted")
	}
	first := p.match
	typeKeys(p, "n")
	if p.match != (first+1)%16 {
		t.Fatalf("n went from match %d to %d", first, p.match)
	}
	if p.follow {
		t.Fatal("jumping to a match kept following")
	}
}

func TestStreamFilter(t *testing.T) {
	p := merged(commontest.New(commontest.Themes[0], 100, 30), 100, 28)
	typeKeys(p, "e", "e") // all → stdout → stderr
	for _, i := range p.shown {
		if p.lines[i].Stream != data.Stderr {
			t.Fatalf("stderr filter shows a %s line", p.lines[i].Stream)
		}
	}
	if len(p.shown) != 16 {
		t.Fatalf("stderr filter shows %d lines, want 16", len(p.shown))
	}
}

func TestControlCharactersCannotGarble(t *testing.T) {
	p := New(commontest.New(commontest.Themes[0], 60, 20))
	p.SetSize(60, 18)
	p.Open([]common.Target{{ID: "c1", Name: "x"}})
	p.Update(common.LogMsg{{ContainerID: "c1", Stream: data.Stdout, Text: "\x1b[2J\x1b[Hboom\rbad\ttab"}})
	v := p.View()
	commontest.CheckFrame(t, v, 60, 18)
	if strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\r") {
		t.Fatal("a log line's control characters reached the screen")
	}
}

package resources

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
	p.SetSize(w, h)
	cs := datatest.Containers(8)
	p.Update(common.ContainersMsg(cs))
	for _, s := range datatest.Stats(cs, 30) {
		p.Update(common.StatsMsg{s})
	}
	return p
}

func TestView(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := loaded(c, w, h-2)
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		golden.RequireEqual(t, v)
	})
}

func TestRatesLimitsAndMarks(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 200, 40), 200, 38)
	v := commontest.Plain(p.View())
	// Container 1 of the fixture gains 1100 bytes of rx a second.
	if !strings.Contains(v, "1.10kB/s") {
		t.Fatalf("no network rate drawn:\n%s", v)
	}
	if !strings.Contains(v, "OOM") || !strings.Contains(v, "throttled") {
		t.Fatalf("OOM and throttling not marked:\n%s", v)
	}
	if !strings.Contains(v, "/ 268MB") || !strings.Contains(v, "┃") {
		t.Fatalf("memory limit not drawn:\n%s", v)
	}
	if p.totalCPU.Last() == 0 || len(p.totalCPU.Values()) != 29 {
		t.Fatalf("totals: %d values, last %.1f", len(p.totalCPU.Values()), p.totalCPU.Last())
	}
}

func TestSortByMemory(t *testing.T) {
	p := loaded(commontest.New(commontest.Themes[0], 200, 40), 200, 38)
	p.Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
	p.sync()
	for i := 1; i < len(p.order); i++ {
		if p.tracks[p.order[i]].last.Mem > p.tracks[p.order[i-1]].last.Mem {
			t.Fatal("not sorted by memory")
		}
	}
}

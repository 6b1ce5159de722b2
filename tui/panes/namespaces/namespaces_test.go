package namespaces

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data/datatest"
)

func TestView(t *testing.T) {
	commontest.Each(t, func(t *testing.T, c *common.Common, w, h int) {
		p := New(c)
		p.SetSize(w, h-2)
		p.Open([]common.Target{{ID: "c", Name: "web-0"}})
		p.Update(common.NamespacesMsg(datatest.Namespaces()))
		v := p.View()
		commontest.CheckFrame(t, v, w, h-2)
		golden.RequireEqual(t, v)
	})
}

func TestEveryItemExplained(t *testing.T) {
	p := New(commontest.New(commontest.Themes[0], 200, 100))
	p.SetSize(200, 98)
	p.Update(common.NamespacesMsg(datatest.Namespaces()))
	v := commontest.Plain(p.View())
	for kind, why := range explain {
		if kind == "time" || kind == "user" {
			continue // not in the fixture, or shared there
		}
		if !strings.Contains(v, why) {
			t.Errorf("namespace %s not explained", kind)
		}
	}
	for _, want := range []string{"shared", "41233        1", "upper /var/lib/berth/snapshots/41/upper", "43.0MB of 268MB", "not isolated: the container shares the host's user namespace", "veth   eth0 ⇄ veth3f2a1c on berth0",
		"8080->80/tcp: 42 connections, 2.52kB in their first packets"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q", want)
		}
	}
}

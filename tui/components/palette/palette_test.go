package palette

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common/commontest"
)

func TestScore(t *testing.T) {
	if _, ok := Score("xyz", "containers"); ok {
		t.Fatal("xyz matched containers")
	}
	a, _ := Score("lo", "logs")
	b, _ := Score("lo", "layers-overview")
	if a <= b {
		t.Fatalf("a prefix match (%d) did not beat a scattered one (%d)", a, b)
	}
	if _, ok := Score("NS", "namespaces"); !ok {
		t.Fatal("matching is not case-insensitive")
	}
}

func TestSelectedWithArgument(t *testing.T) {
	m := New(commontest.New(themes.Dark, 80, 24), []Command{{Name: "theme"}, {Name: "images"}})
	for _, r := range "theme gruvbox" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	c, arg, ok := m.Selected()
	if !ok || c.Name != "theme" || arg != "gruvbox" {
		t.Fatalf("selected %q %q %v", c.Name, arg, ok)
	}
	done, chosen := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if !done || !chosen {
		t.Fatal("enter did not choose")
	}
}

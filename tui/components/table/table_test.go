package table

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common/commontest"
)

func rows(n int) []Row {
	out := make([]Row, n)
	for i := range out {
		out[i] = Row{Key: string(rune('a' + i)), Cells: []Cell{{Text: strings.Repeat("x", i+1)}, {Text: "right"}, {Text: "dropped-first"}}}
	}
	return out
}

func TestNarrowDropsColumnsFromTheRight(t *testing.T) {
	tb := New(commontest.New(themes.Dark, 30, 10), []Column{{Title: "A", Width: 5, Flex: 1}, {Title: "B", Width: 8}, {Title: "C", Width: 20}})
	tb.SetSize(30, 5)
	if tb.Width(2) != 0 || tb.Width(1) != 8 || tb.Width(0) < 5 {
		t.Fatalf("widths %v", tb.widths)
	}
	tb.SetRows(rows(3))
	v := tb.View()
	commontest.CheckFrame(t, v, 30, 5)
	if strings.Contains(commontest.Plain(v), "dropped") {
		t.Fatal("a column that does not fit was drawn")
	}
}

func TestCursorStaysOnKeyAndScrolls(t *testing.T) {
	tb := New(commontest.New(themes.Dark, 40, 10), []Column{{Title: "A", Width: 5, Flex: 1}})
	tb.SetSize(40, 4) // header and three rows
	tb.SetRows(rows(10))
	tb.Move(5)
	if tb.SelectedKey() != "f" || tb.offset != 3 {
		t.Fatalf("cursor %s offset %d", tb.SelectedKey(), tb.offset)
	}
	rs := rows(10)
	rs = append(rs[:1], rs[2:]...) // "b" goes away; "f" moves up
	tb.SetRows(rs)
	if tb.SelectedKey() != "f" {
		t.Fatalf("cursor moved off f to %s", tb.SelectedKey())
	}
	tb.Move(100)
	if tb.SelectedKey() != "j" {
		t.Fatalf("cursor past the end is on %s", tb.SelectedKey())
	}
	tb.SetRows(nil)
	if tb.SelectedKey() != "" || !strings.Contains(commontest.Plain(tb.View()), "nothing here") {
		t.Fatal("an empty table does not say so")
	}
}

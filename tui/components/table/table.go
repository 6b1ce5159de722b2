// Package table draws a scrolling table with a cursor and marked rows. It
// renders only the rows that fit, so a list of thousands costs the same as a
// screenful.
package table

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/berth-dev/berth/tui/common"
)

// Column is one column of a table.
type Column struct {
	Title string
	// Width is the column's width in cells; with Flex > 0 it is the least
	// width and the column shares the room left over.
	Width int
	Flex  int
	// Right aligns the column's cells to the right.
	Right bool
}

// Cell is one cell: its text and, optionally, its style.
type Cell struct {
	Text  string
	Style *lipgloss.Style
}

// Row is one row: a key that stays the same across refreshes, and its cells.
type Row struct {
	Key    string
	Cells  []Cell
	Marked bool
}

// Model is a table.
type Model struct {
	c       *common.Common
	cols    []Column
	widths  []int
	keys    []string
	build   func(i int) Row
	cursor  int
	offset  int
	w, h    int
	sortCol int
	sortRev bool
	empty   string
	// paints caches each cell style's opening and closing sequences, so a
	// frame costs string joins rather than a lipgloss render per cell. It
	// is dropped when the theme changes.
	paints     map[*lipgloss.Style][2]string
	paintTheme string
}

// paint styles s with st, which must be a plain colour and weight style
// (no padding, border or width).
func (m *Model) paint(st *lipgloss.Style, s string) string {
	if m.paintTheme != m.c.Styles.Theme || m.paints == nil {
		m.paints, m.paintTheme = map[*lipgloss.Style][2]string{}, m.c.Styles.Theme
	}
	p, ok := m.paints[st]
	if !ok {
		r := st.Render("\x00")
		i := strings.IndexByte(r, 0)
		p = [2]string{r[:i], r[i+1:]}
		m.paints[st] = p
	}
	return p[0] + s + p[1]
}

// New returns a table with the given columns.
func New(c *common.Common, cols []Column) *Model {
	return &Model{c: c, cols: cols, sortCol: -1, empty: "nothing here"}
}

// SetEmpty sets the text shown when there are no rows.
func (m *Model) SetEmpty(s string) { m.empty = s }

// SetSize sets the table's size, header included.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.layout()
	m.clamp()
}

// SetSort sets the column drawn as the sort column.
func (m *Model) SetSort(col int, rev bool) { m.sortCol, m.sortRev = col, rev }

// SetRows replaces the rows, keeping the cursor on the row with the same key.
func (m *Model) SetRows(rows []Row) {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	m.SetLazyRows(keys, func(i int) Row { return rows[i] })
}

// SetLazyRows replaces the rows with len(keys) rows that build makes on
// demand: only the rows on screen are ever built, so a long list costs no
// more to draw than a short one.
func (m *Model) SetLazyRows(keys []string, build func(i int) Row) {
	cur := m.SelectedKey()
	m.keys, m.build = keys, build
	if cur != "" {
		for i, k := range keys {
			if k == cur {
				m.cursor = i
				break
			}
		}
	}
	m.clamp()
}

// Len returns the number of rows.
func (m *Model) Len() int { return len(m.keys) }

// Cursor returns the index of the selected row.
func (m *Model) Cursor() int { return m.cursor }

// SelectedKey returns the selected row's key, or "" with no rows.
func (m *Model) SelectedKey() string {
	if m.cursor < 0 || m.cursor >= len(m.keys) {
		return ""
	}
	return m.keys[m.cursor]
}

// Move moves the cursor by n rows, staying inside the table.
func (m *Model) Move(n int) {
	m.cursor += n
	m.clamp()
}

// Top moves to the first row; Bottom to the last.
func (m *Model) Top()    { m.cursor = 0; m.clamp() }
func (m *Model) Bottom() { m.cursor = len(m.keys) - 1; m.clamp() }

// Page is the number of rows on one screen.
func (m *Model) Page() int { return max(1, m.h-1) }

func (m *Model) clamp() {
	if m.cursor >= len(m.keys) {
		m.cursor = len(m.keys) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	page := m.Page()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+page {
		m.offset = m.cursor - page + 1
	}
	if m.offset > max(0, len(m.keys)-page) {
		m.offset = max(0, len(m.keys)-page)
	}
}

func (m *Model) layout() {
	m.widths = make([]int, len(m.cols))
	used, flex := 2, 0 // the cursor and mark gutter
	for i, c := range m.cols {
		m.widths[i] = c.Width
		used += c.Width + 1
		flex += c.Flex
	}
	room := m.w - used
	// Too narrow: drop columns from the right until the rest fit.
	for i := len(m.cols) - 1; room < 0 && i > 0; i-- {
		room += m.widths[i] + 1
		m.widths[i] = 0
	}
	if room > 0 && flex > 0 {
		left := room
		for i, c := range m.cols {
			if c.Flex > 0 && m.widths[i] > 0 {
				add := room * c.Flex / flex
				m.widths[i] += add
				left -= add
			}
		}
		for i, c := range m.cols { // rounding leftovers to the first flex column
			if c.Flex > 0 && m.widths[i] > 0 {
				m.widths[i] += left
				break
			}
		}
	}
}

// Width returns the width column col is drawn at: 0 when it does not fit.
func (m *Model) Width(col int) int {
	if col < 0 || col >= len(m.widths) {
		return 0
	}
	return m.widths[col]
}

// View draws the table into its size.
func (m *Model) View() string {
	st := &m.c.Styles
	lines := make([]string, 0, m.h)
	var hb strings.Builder
	hb.WriteString("  ")
	for i, c := range m.cols {
		if m.widths[i] == 0 {
			continue
		}
		title := c.Title
		if i == m.sortCol {
			if m.sortRev {
				title += "↑"
			} else {
				title += "↓"
			}
		}
		hb.WriteString(align(title, m.widths[i], c.Right))
		hb.WriteByte(' ')
	}
	lines = append(lines, st.TableHeader.Render(common.Fit(hb.String(), m.w)))
	if len(m.keys) == 0 {
		lines = append(lines, st.Muted.Render(common.Fit("  "+m.empty, m.w)))
	}
	end := min(len(m.keys), m.offset+m.Page())
	for ri := m.offset; ri < end; ri++ {
		lines = append(lines, m.row(ri))
	}
	return common.Pad(lines, m.w, m.h) // every line is m.w wide
}

func (m *Model) row(ri int) string {
	st := &m.c.Styles
	r := m.build(ri)
	sel := ri == m.cursor
	var sb strings.Builder
	gutter := "  "
	switch {
	case sel && r.Marked:
		gutter = "▶●"
	case sel:
		gutter = "▶ "
	case r.Marked:
		gutter = " ●"
	}
	if sel {
		// The selected row is drawn in one style so its background runs
		// unbroken across the cells.
		sb.WriteString(gutter)
		for i, c := range m.cols {
			if m.widths[i] == 0 {
				continue
			}
			t := ""
			if i < len(r.Cells) {
				t = r.Cells[i].Text
			}
			sb.WriteString(align(t, m.widths[i], c.Right))
			sb.WriteByte(' ')
		}
		return m.paint(&st.Selected, common.Fit(sb.String(), m.w))
	}
	if r.Marked {
		sb.WriteString(m.paint(&st.Marked, gutter))
	} else {
		sb.WriteString(gutter)
	}
	used := 2
	for i, c := range m.cols {
		if m.widths[i] == 0 {
			continue
		}
		t, style := "", &st.Cell
		if i < len(r.Cells) {
			t = r.Cells[i].Text
			if r.Cells[i].Style != nil {
				style = r.Cells[i].Style
			}
		}
		if r.Marked {
			style = &st.Marked
		}
		sb.WriteString(m.paint(style, align(t, m.widths[i], c.Right)))
		sb.WriteByte(' ')
		used += m.widths[i] + 1
	}
	if used < m.w {
		sb.WriteString(strings.Repeat(" ", m.w-used))
	}
	return sb.String() // the columns were laid out to fit m.w
}

func align(s string, w int, right bool) string {
	s = common.Clean(s)
	if right {
		return common.FitRight(s, w)
	}
	return common.Fit(s, w)
}

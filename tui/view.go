package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/berth-dev/berth/tui/common"
)

// Smallest screen the workbench draws into; below it, it asks for more room.
const minW, minH = 40, 8

// View draws the whole screen.
func (m *Model) View() tea.View {
	if m.frame == "" {
		m.frame = m.Render()
	}
	v := tea.NewView(m.frame)
	v.AltScreen = true
	v.WindowTitle = "berth"
	if m.c.Config.Mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

// Render draws the screen as text, exactly Width by Height cells.
func (m *Model) Render() string {
	w, h := m.c.Width, m.c.Height
	if w == 0 || h == 0 {
		return ""
	}
	if w < minW || h < minH {
		return common.Block([]string{"berth needs at least 40x8", fmt.Sprintf("this terminal is %dx%d", w, h)}, w, h)
	}
	var body string
	if m.help {
		body = m.helpView(w, bodyHeight(h))
	} else {
		body = m.Pane().View()
	}
	switch {
	case m.form != nil:
		body = common.Overlay(body, m.form.View(w), w, bodyHeight(h))
	case m.confirm != nil:
		body = common.Overlay(body, m.confirm.View(w), w, bodyHeight(h))
	case m.prompt != nil:
		body = common.Overlay(body, m.prompt.View(w), w, bodyHeight(h))
	case m.pal != nil:
		body = common.Overlay(body, m.pal.View(w, bodyHeight(h)), w, bodyHeight(h))
	}
	return m.header(w) + "\n" + body + "\n" + m.footer(w)
}

// tabTitles picks the widest tab titles that fit in w cells: whole, cut
// to four letters, then to three.
func (m *Model) tabTitles(w int) ([]string, bool) {
	cut := func(n int) []string {
		ts := make([]string, len(m.panes))
		for i, p := range m.panes {
			t := p.Title()
			if len(t) > n+1 { // a title one letter longer than the cut says no more
				t = t[:n]
			}
			ts[i] = fmt.Sprintf("%d %s", i+1, t)
		}
		return ts
	}
	width := func(ts []string) int {
		n := 0
		for _, t := range ts {
			n += ansi.StringWidth(t) + 2
		}
		return n
	}
	brand := 7 // " berth "
	full, short, tiny := cut(1<<10), cut(4), cut(3)
	switch {
	case width(full)+brand <= w:
		return full, true
	case width(full) <= w:
		return full, false
	case width(short)+brand <= w:
		return short, true
	case width(short) <= w:
		return short, false
	}
	return tiny, false
}

// header draws the tabs; the result is kept until the width, the active
// pane or the theme changes.
func (m *Model) header(w int) string {
	key := fmt.Sprintf("%d/%d/%s", w, m.active, m.c.Styles.Theme)
	if key != m.headerKey {
		m.headerKey, m.headerLine = key, m.drawHeader(w)
	}
	return m.headerLine
}

func (m *Model) drawHeader(w int) string {
	st := &m.c.Styles
	titles, brand := m.tabTitles(w)
	var sb strings.Builder
	if brand {
		sb.WriteString(st.Brand.Render("berth"))
	}
	for i, t := range titles {
		if i == m.active {
			sb.WriteString(st.TabActive.Render(t))
		} else {
			sb.WriteString(st.Tab.Render(t))
		}
	}
	line := sb.String()
	if pad := w - ansi.StringWidth(line); pad > 0 {
		line += st.Header.Render(strings.Repeat(" ", pad))
	}
	return ansi.Truncate(line, w, "")
}

// tabAt returns the pane whose tab is at column x, or -1.
func (m *Model) tabAt(x int) int {
	titles, brand := m.tabTitles(m.c.Width)
	pos := 0
	if brand {
		pos = 7
	}
	for i, t := range titles {
		end := pos + ansi.StringWidth(t) + 2
		if x >= pos && x < end {
			return i
		}
		pos = end
	}
	return -1
}

// footer draws the status line: the notice or error if there is one, else
// the keys of what has the keyboard. The result is kept until one of those
// changes.
func (m *Model) footer(w int) string {
	key := fmt.Sprintf("%d/%d/%s/%t%t%t%t%t/%t/%d/%s", w, m.active, m.c.Styles.Theme,
		m.help, m.pal != nil, m.confirm != nil, m.prompt != nil, m.form != nil, m.isError, m.pending, m.status)
	if key != m.footerKey {
		m.footerKey, m.footerLine = key, m.drawFooter(w)
	}
	return m.footerLine
}

func (m *Model) drawFooter(w int) string {
	st := &m.c.Styles
	right := st.StatusKey.Render("?") + st.StatusDesc.Render(" help ")
	if m.pending > 0 {
		// Long operations (a pull, a stop with a grace period) run in the
		// background; the count says something is still under way.
		right = st.StatusInfo.Render(fmt.Sprintf(" ⟳ %d ", m.pending)) + right
	}
	rw := ansi.StringWidth(right)
	if m.status != "" {
		style := st.StatusInfo
		if m.isError {
			style = st.StatusError
		}
		return style.Render(common.Fit(" "+oneLine(m.status), w-rw)) + right
	}
	hints := m.hints()
	var sb strings.Builder
	used := 0
	for _, b := range hints {
		h := b.Help()
		n := ansi.StringWidth(h.Key) + ansi.StringWidth(h.Desc) + 3
		if used+n > w-rw {
			break
		}
		sb.WriteString(st.StatusKey.Render(" " + h.Key))
		sb.WriteString(st.StatusDesc.Render(" " + h.Desc + " "))
		used += n
	}
	if used < w-rw {
		sb.WriteString(st.Status.Render(strings.Repeat(" ", w-rw-used)))
	}
	return sb.String() + right
}

// oneLine keeps an error to one line so it cannot garble the screen.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	return ansi.Strip(s)
}

func (m *Model) hints() []key.Binding {
	km := m.c.Keys
	switch {
	case m.confirm != nil:
		return []key.Binding{km.Confirm, km.Cancel}
	case m.pal != nil, m.prompt != nil, m.form != nil:
		return []key.Binding{km.Enter, km.Back}
	case m.help:
		return []key.Binding{km.Up, km.Down, km.Back}
	}
	return append(m.Pane().Keys(), km.NextPane, km.Palette, km.Quit)
}

// helpView lists every key: the active pane's first, then all of the
// workbench's, in as many columns as fit, scrolled by helpTop.
func (m *Model) helpView(w, h int) string {
	st := &m.c.Styles
	type entry struct{ k, d string }
	var entries []entry
	add := func(title string, bs []key.Binding) {
		entries = append(entries, entry{"", title})
		for _, b := range bs {
			entries = append(entries, entry{b.Help().Key, b.Help().Desc})
		}
	}
	add(m.Pane().Title(), m.Pane().Keys())
	add("All keys", m.c.Keys.All())
	const colW = 30
	cols := max(1, w/colW)
	rows := (len(entries) + cols - 1) / cols
	lines := make([]string, rows)
	for i, e := range entries {
		var cell string
		if e.k == "" {
			cell = st.Title.Render(common.Fit(e.d, colW))
		} else {
			cell = st.Accent.Render(common.Fit(e.k, 12)) + st.Text.Render(common.Fit(e.d, colW-12))
		}
		lines[i%rows] += cell
	}
	top := min(m.helpTop, max(0, rows-(h-1)))
	out := []string{st.Muted.Render("Keys — ↑/↓ scroll, esc or ? close")}
	out = append(out, lines[top:]...)
	return common.Block(out, w, h)
}

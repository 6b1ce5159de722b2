// Package palette is the ":" command palette: a fuzzy search over the
// workbench's commands and pane names.
package palette

import (
	"sort"
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/input"
)

// Command is one entry of the palette.
type Command struct {
	Name string // what the user types and sees, e.g. "stop", "pane logs"
	Help string
}

// Model is the palette.
type Model struct {
	c       *common.Common
	in      input.Model
	all     []Command
	matches []Command
	cursor  int
}

// New returns a palette over cmds.
func New(c *common.Common, cmds []Command) *Model {
	in := input.New(":")
	in.Focus()
	m := &Model{c: c, in: in, all: cmds}
	m.filter()
	return m
}

// Selected returns the highlighted command, and the text typed after its
// name (the argument of "theme gruvbox").
func (m *Model) Selected() (Command, string, bool) {
	typed := strings.TrimSpace(m.in.Value())
	for _, c := range m.all { // an exact name with an argument wins
		if rest, ok := strings.CutPrefix(typed, c.Name+" "); ok {
			return c, strings.TrimSpace(rest), true
		}
	}
	if len(m.matches) == 0 {
		return Command{}, "", false
	}
	return m.matches[m.cursor], "", true
}

// Update handles a key and reports whether the user chose (enter) or left
// (esc).
func (m *Model) Update(msg tea.Msg) (done, chosen bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false, false
	}
	switch k.String() {
	case "enter":
		return true, true
	case "esc":
		return true, false
	case "up", "ctrl+p":
		m.cursor = max(0, m.cursor-1)
		return false, false
	case "down", "ctrl+n", "tab":
		m.cursor = min(len(m.matches)-1, m.cursor+1)
		m.cursor = max(0, m.cursor)
		return false, false
	}
	if m.in.Update(msg) {
		m.filter()
	}
	return false, false
}

func (m *Model) filter() {
	q := strings.TrimSpace(m.in.Value())
	if i := strings.IndexByte(q, ' '); i >= 0 {
		q = q[:i]
	}
	type scored struct {
		c Command
		s int
	}
	var out []scored
	for _, c := range m.all {
		if s, ok := Score(q, c.Name); ok {
			out = append(out, scored{c, s})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].s > out[j].s })
	m.matches = m.matches[:0]
	for _, o := range out {
		m.matches = append(m.matches, o.c)
	}
	m.cursor = 0
}

// Score matches q as a subsequence of s, case-insensitively, and scores the
// match: consecutive letters and letters at word starts count more.
func Score(q, s string) (int, bool) {
	if q == "" {
		return 0, true
	}
	qr := []rune(strings.ToLower(q))
	sr := []rune(strings.ToLower(s))
	score, qi, last := 0, 0, -2
	for si := 0; si < len(sr) && qi < len(qr); si++ {
		if sr[si] != qr[qi] {
			continue
		}
		score++
		if si == last+1 {
			score += 3
		}
		if si == 0 || !unicode.IsLetter(sr[si-1]) {
			score += 2
		}
		last = si
		qi++
	}
	if qi < len(qr) {
		return 0, false
	}
	return score*10 - len(sr), true
}

// View draws the palette box, at most h lines tall.
func (m *Model) View(maxW, h int) string {
	st := &m.c.Styles
	w := min(maxW-4, 60)
	lines := []string{st.Input.Render(common.Fit(m.in.View(), w)), st.Rule.Render(strings.Repeat("─", w))}
	n := max(1, min(len(m.matches), h-4))
	start := 0
	if m.cursor >= n {
		start = m.cursor - n + 1
	}
	for i := start; i < min(len(m.matches), start+n); i++ {
		c := m.matches[i]
		text := common.Fit(c.Name, 20) + " " + c.Help
		if i == m.cursor {
			lines = append(lines, st.Selected.Render(common.Fit("▶ "+text, w)))
		} else {
			lines = append(lines, st.Text.Render(common.Fit("  "+text, w)))
		}
	}
	if len(m.matches) == 0 {
		lines = append(lines, st.Muted.Render(common.Fit("  no matching command", w)))
	}
	return st.Dialog.Render(strings.Join(lines, "\n"))
}

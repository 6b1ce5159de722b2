// Package logs is the workbench's Logs pane: the output of one container or
// the merged output of several, followed live, searchable with highlighted
// matches, filtered by stream, with or without timestamps.
package logs

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/input"
	"github.com/berth-dev/berth/tui/data"
)

// keep is how many lines the pane remembers.
const keep = 10000

// streamFilter says which streams are shown.
type streamFilter int

const (
	allStreams streamFilter = iota
	onlyStdout
	onlyStderr
)

func (s streamFilter) String() string {
	return [...]string{"all streams", "stdout", "stderr"}[s]
}

// Pane is the Logs pane.
type Pane struct {
	c       *common.Common
	targets []common.Target
	lines   []data.LogLine
	shown   []int
	search  input.Model
	query   string
	matches []int // positions in shown of lines that match query
	match   int
	stream  streamFilter
	stamps  bool
	follow  bool
	top     int
	w, h    int
}

var _ common.Pane = (*Pane)(nil)
var _ common.Opener = (*Pane)(nil)

// New returns an empty Logs pane.
func New(c *common.Common) *Pane {
	return &Pane{c: c, search: input.New("/"), follow: true}
}

// Name implements common.Pane.
func (p *Pane) Name() string { return "logs" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Logs" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane.
func (p *Pane) Capturing() bool { return p.search.Focused() }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) { p.w, p.h = w, h }

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Search, k.NextMatch, k.PrevMatch, k.Follow, k.Timestamps, k.Stream, k.Top, k.Bottom}
}

// Open implements common.Opener: the pane now shows the targets' logs, and
// forgets the lines it had.
func (p *Pane) Open(ts []common.Target) tea.Cmd {
	p.targets = ts
	p.lines, p.shown, p.matches = nil, nil, nil
	p.follow, p.top = true, 0
	return nil
}

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.LogMsg:
		p.add(msg)
	case tea.KeyPressMsg:
		p.key(msg)
	}
	return nil
}

func (p *Pane) name(id string) string {
	for _, t := range p.targets {
		if t.ID == id {
			return t.Name
		}
	}
	return common.ShortID(id)
}

func (p *Pane) add(ls []data.LogLine) {
	p.lines = append(p.lines, ls...)
	if len(p.lines) > keep {
		p.lines = slices.Delete(p.lines, 0, len(p.lines)-keep)
		p.refilter()
		return
	}
	for i := len(p.lines) - len(ls); i < len(p.lines); i++ {
		if p.visible(p.lines[i]) {
			p.shown = append(p.shown, i)
			if p.query != "" && strings.Contains(p.lines[i].Text, p.query) {
				p.matches = append(p.matches, len(p.shown)-1)
			}
		}
	}
}

func (p *Pane) visible(l data.LogLine) bool {
	switch p.stream {
	case onlyStdout:
		return l.Stream == data.Stdout
	case onlyStderr:
		return l.Stream == data.Stderr
	}
	return true
}

func (p *Pane) refilter() {
	p.shown, p.matches = p.shown[:0], p.matches[:0]
	for i, l := range p.lines {
		if p.visible(l) {
			p.shown = append(p.shown, i)
			if p.query != "" && strings.Contains(l.Text, p.query) {
				p.matches = append(p.matches, len(p.shown)-1)
			}
		}
	}
	p.match = 0
}

func (p *Pane) page() int { return max(1, p.h-1) }

func (p *Pane) last() int { return max(0, len(p.shown)-p.page()) }

func (p *Pane) key(k tea.KeyPressMsg) {
	km := p.c.Keys
	if p.search.Focused() {
		switch k.String() {
		case "enter":
			p.search.Blur()
			p.query = p.search.Value()
			p.refilter()
			p.jump(0)
		case "esc":
			p.search.Blur()
		default:
			p.search.Update(k)
		}
		return
	}
	if p.follow {
		p.top = p.last()
	}
	switch {
	case key.Matches(k, km.Search):
		p.search.SetValue(p.query)
		p.search.Focus()
	case key.Matches(k, km.Back):
		p.Back()
	case key.Matches(k, km.NextMatch):
		p.jump(1)
	case key.Matches(k, km.PrevMatch):
		p.jump(-1)
	case key.Matches(k, km.Follow), key.Matches(k, km.Bottom):
		p.follow = true
	case key.Matches(k, km.Timestamps):
		p.stamps = !p.stamps
	case key.Matches(k, km.Stream):
		p.stream = (p.stream + 1) % 3
		p.refilter()
	case key.Matches(k, km.Up):
		p.top, p.follow = max(0, p.top-1), false
	case key.Matches(k, km.Down):
		p.top = min(p.last(), p.top+1)
		p.follow = p.top == p.last()
	case key.Matches(k, km.PageUp):
		p.top, p.follow = max(0, p.top-p.page()), false
	case key.Matches(k, km.PageDown):
		p.top = min(p.last(), p.top+p.page())
		p.follow = p.top == p.last()
	case key.Matches(k, km.Top):
		p.top, p.follow = 0, false
	}
}

// jump moves to the next (d=1), previous (d=-1) or first at or below the
// screen (d=0) match and stops following.
func (p *Pane) jump(d int) {
	if len(p.matches) == 0 {
		return
	}
	switch d {
	case 0:
		p.match = len(p.matches) - 1
	default:
		p.match = (p.match + d + len(p.matches)) % len(p.matches)
	}
	p.follow = false
	p.top = min(p.last(), max(0, p.matches[p.match]-p.page()/2))
}

// View implements common.Pane.
func (p *Pane) View() string {
	st := &p.c.Styles
	lines := []string{p.head()}
	top := p.top
	if p.follow {
		top = p.last()
	}
	if len(p.targets) == 0 {
		lines = append(lines, st.Muted.Render("  choose containers in the Containers pane (space marks) and press enter"))
	} else if len(p.shown) == 0 {
		lines = append(lines, st.Muted.Render("  no output yet"))
	}
	current := -1
	if len(p.matches) > 0 && !p.follow {
		current = p.matches[p.match]
	}
	for i := top; i < min(len(p.shown), top+p.page()); i++ {
		lines = append(lines, p.line(p.lines[p.shown[i]], i == current))
	}
	return common.Block(lines, p.w, p.h)
}

func (p *Pane) head() string {
	st := &p.c.Styles
	if p.search.Focused() {
		return st.Accent.Render(common.Fit(p.search.View(), p.w))
	}
	names := make([]string, len(p.targets))
	for i, t := range p.targets {
		names[i] = t.Name
	}
	parts := []string{strings.Join(names, " + "), p.stream.String()}
	if p.follow {
		parts = append(parts, "following")
	} else {
		parts = append(parts, "paused — f to follow")
	}
	if p.query != "" {
		n := len(p.matches)
		at := 0
		if n > 0 {
			at = p.match + 1
		}
		parts = append(parts, fmt.Sprintf("%q %d/%d", p.query, at, n))
	}
	return st.Muted.Render(common.Fit(strings.Join(parts, " · "), p.w))
}

func (p *Pane) line(l data.LogLine, current bool) string {
	st := &p.c.Styles
	var sb strings.Builder
	if p.stamps {
		sb.WriteString(st.Timestamp.Render(l.Time.UTC().Format("2006-01-02T15:04:05.000Z")) + " ")
	}
	if len(p.targets) > 1 {
		sb.WriteString(p.nameStyle(l.ContainerID).Render(common.Fit(p.name(l.ContainerID), 12)) + " ")
	}
	text := st.Text
	if l.Stream == data.Stderr {
		text = st.Stderr
	}
	t := common.Clean(l.Text)
	if p.query == "" {
		sb.WriteString(text.Render(t))
	} else {
		match := st.Match
		if current {
			match = st.Selected
		}
		for {
			i := strings.Index(t, p.query)
			if i < 0 {
				sb.WriteString(text.Render(t))
				break
			}
			sb.WriteString(text.Render(t[:i]))
			sb.WriteString(match.Render(p.query))
			t = t[i+len(p.query):]
		}
	}
	return sb.String()
}

// nameStyle gives each merged container a stable colour of the palette.
func (p *Pane) nameStyle(id string) (s lipgloss.Style) {
	st := &p.c.Styles
	choices := []lipgloss.Style{st.Accent, st.Secondary, st.Good, st.Warn, st.Info}
	for i, t := range p.targets {
		if t.ID == id {
			return choices[i%len(choices)]
		}
	}
	return st.Muted
}

// Back implements common.Backer: esc clears the search.
func (p *Pane) Back() bool {
	if p.query == "" {
		return false
	}
	p.query = ""
	p.search.SetValue("")
	p.refilter()
	return true
}

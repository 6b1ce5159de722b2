// Package events is the workbench's Events pane: the engine's event journal
// as a timeline, newest at the bottom, following unless scrolled back.
package events

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/input"
	"github.com/berth-dev/berth/tui/data"
)

// keep is how many events the pane remembers.
const keep = 5000

// Pane is the Events pane.
type Pane struct {
	c      *common.Common
	all    []data.EventRow
	shown  []int // indexes into all
	filter input.Model
	top    int  // first shown line when not following
	follow bool // stick to the newest event
	w, h   int
}

var _ common.Pane = (*Pane)(nil)

// New returns an empty Events pane.
func New(c *common.Common) *Pane {
	return &Pane{c: c, filter: input.New("/"), follow: true}
}

// Name implements common.Pane.
func (p *Pane) Name() string { return "events" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Events" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane.
func (p *Pane) Capturing() bool { return p.filter.Focused() }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) { p.w, p.h = w, h }

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Filter, k.Follow, k.Up, k.Down, k.Top, k.Bottom}
}

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.EventMsg:
		p.add(data.EventRow(msg))
	case common.EventsMsg:
		for _, e := range msg {
			p.add(e)
		}
	case tea.KeyPressMsg:
		p.key(msg)
	}
	return nil
}

func (p *Pane) add(e data.EventRow) {
	p.all = append(p.all, e)
	if len(p.all) > keep {
		p.all = slices.Delete(p.all, 0, len(p.all)-keep)
		p.refilter()
		return
	}
	if p.match(e) {
		p.shown = append(p.shown, len(p.all)-1)
	}
}

func (p *Pane) match(e data.EventRow) bool {
	q := strings.ToLower(p.filter.Value())
	if q == "" {
		return true
	}
	return strings.Contains(strings.ToLower(e.Type+" "+e.Action+" "+e.Name+" "+e.ID), q)
}

func (p *Pane) refilter() {
	p.shown = p.shown[:0]
	for i, e := range p.all {
		if p.match(e) {
			p.shown = append(p.shown, i)
		}
	}
}

func (p *Pane) page() int { return max(1, p.h-1) }

func (p *Pane) key(k tea.KeyPressMsg) {
	km := p.c.Keys
	if p.filter.Focused() {
		switch k.String() {
		case "enter":
			p.filter.Blur()
		case "esc":
			p.filter.Blur()
			p.filter.SetValue("")
			p.refilter()
		default:
			if p.filter.Update(k) {
				p.refilter()
			}
		}
		return
	}
	last := max(0, len(p.shown)-p.page())
	if p.follow {
		p.top = last
	}
	switch {
	case key.Matches(k, km.Filter):
		p.filter.Focus()
	case key.Matches(k, km.Back):
		p.Back()
	case key.Matches(k, km.Follow), key.Matches(k, km.Bottom):
		p.follow = true
	case key.Matches(k, km.Up):
		p.top, p.follow = max(0, p.top-1), false
	case key.Matches(k, km.Down):
		p.top = min(last, p.top+1)
		p.follow = p.top == last
	case key.Matches(k, km.PageUp):
		p.top, p.follow = max(0, p.top-p.page()), false
	case key.Matches(k, km.PageDown):
		p.top = min(last, p.top+p.page())
		p.follow = p.top == last
	case key.Matches(k, km.Top):
		p.top, p.follow = 0, false
	}
}

// View implements common.Pane.
func (p *Pane) View() string {
	st := &p.c.Styles
	var head string
	if p.filter.Focused() || p.filter.Value() != "" {
		head = st.Accent.Render(common.Fit(p.filter.View()+fmt.Sprintf("  (%d of %d)", len(p.shown), len(p.all)), p.w))
	} else {
		mode := "following"
		if !p.follow {
			mode = "paused — f to follow"
		}
		head = st.Muted.Render(common.Fit(fmt.Sprintf("%d events · %s", len(p.all), mode), p.w))
	}
	lines := []string{head}
	top := p.top
	if p.follow {
		top = max(0, len(p.shown)-p.page())
	}
	if len(p.shown) == 0 {
		lines = append(lines, st.Muted.Render("  no events yet"))
	}
	for i := top; i < min(len(p.shown), top+p.page()); i++ {
		lines = append(lines, p.line(p.all[p.shown[i]]))
	}
	return common.Block(lines, p.w, p.h)
}

func (p *Pane) line(e data.EventRow) string {
	st := &p.c.Styles
	style := st.Info
	switch e.Action {
	case "die", "kill", "oom", "destroy", "delete", "untag":
		style = st.Bad
	case "start", "create", "pull", "tag", "unpause":
		style = st.Good
	case "stop", "pause", "restart":
		style = st.Warn
	}
	name := e.Name
	if name == "" {
		name = common.ShortID(e.ID)
	}
	var attrs []string
	for _, k := range slices.Sorted(maps.Keys(e.Attrs)) {
		if k != "name" {
			attrs = append(attrs, common.Clean(k+"="+e.Attrs[k]))
		}
	}
	name = common.Clean(name)
	return st.Timestamp.Render(e.Time.Local().Format("15:04:05")) + " " +
		st.Muted.Render(pad(e.Type, 9)) + " " +
		style.Render(pad(e.Action, 8)) + " " +
		st.Text.Render(name) + " " +
		st.Muted.Render(strings.Join(attrs, " "))
}

func pad(s string, n int) string { return common.Fit(s, n) }

// Back implements common.Backer: esc clears the filter.
func (p *Pane) Back() bool {
	if p.filter.Value() == "" {
		return false
	}
	p.filter.SetValue("")
	p.refilter()
	return true
}

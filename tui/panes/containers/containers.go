// Package containers is the workbench's Containers pane: a sortable,
// filterable table of containers with live CPU and memory sparklines, bulk
// marking and the container actions.
package containers

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/input"
	"github.com/berth-dev/berth/tui/components/table"
	"github.com/berth-dev/berth/tui/data"
)

// historyLen is how many stats samples a sparkline keeps.
const historyLen = 120

// Pane is the Containers pane.
type Pane struct {
	c      *common.Common
	all    []data.ContainerRow
	shown  []data.ContainerRow
	marks  map[string]bool
	index  map[string]int // container ID → position in all
	cpu    map[string]*common.Series
	mem    map[string]*common.Series
	filter input.Model
	sortBy sortKey
	rev    bool
	tbl    *table.Model
	dirty  bool
	w, h   int
}

var _ common.Pane = (*Pane)(nil)

// New returns an empty Containers pane.
func New(c *common.Common) *Pane {
	p := &Pane{
		c:      c,
		marks:  map[string]bool{},
		index:  map[string]int{},
		cpu:    map[string]*common.Series{},
		mem:    map[string]*common.Series{},
		filter: input.New("/"),
	}
	p.tbl = table.New(c, columns)
	p.tbl.SetEmpty("no containers: run one with `berth run`")
	return p
}

// Name implements common.Pane.
func (p *Pane) Name() string { return "containers" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Containers" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane: true while the filter is being typed.
func (p *Pane) Capturing() bool { return p.filter.Focused() }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.tbl.SetSize(w, h-1)
}

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Enter, k.Mark, k.Filter, k.Sort, k.Start, k.Stop, k.Restart,
		k.Pause, k.Kill, k.Remove, k.Rename, k.Shell, k.Logs, k.Inspect, k.Changes, k.Run,
		k.Attach, k.Commit, k.Browse, k.MarkAll, k.Reverse}
}

// Marked returns the marked containers' IDs, in table order.
func (p *Pane) Marked() []string {
	var ids []string
	for _, r := range p.all {
		if p.marks[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.ContainersMsg:
		p.all = msg
		clear(p.index)
		for i, r := range p.all {
			p.index[r.ID] = i
		}
		// The latest stats sample is newer than the list's figures.
		for i, r := range p.all {
			if s := p.cpu[r.ID]; s != nil && r.Running() {
				p.all[i].CPU, p.all[i].Mem = s.Last(), uint64(p.mem[r.ID].Last())
			}
		}
		for id := range p.marks { // forget marks of removed containers
			if !p.has(id) {
				delete(p.marks, id)
			}
		}
		p.refresh()
	case common.StatsMsg:
		for _, s := range msg {
			p.addSample(s)
		}
	case common.RestyleMsg:
		p.refresh()
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return nil
}

func (p *Pane) has(id string) bool {
	_, ok := p.index[id]
	return ok
}

func (p *Pane) addSample(s data.StatsSample) {
	if p.cpu[s.ID] == nil {
		p.cpu[s.ID], p.mem[s.ID] = common.NewSeries(historyLen), common.NewSeries(historyLen)
	}
	p.cpu[s.ID].Add(s.CPU)
	p.mem[s.ID].Add(float64(s.Mem))
	if i, ok := p.index[s.ID]; ok {
		p.all[i].CPU, p.all[i].Mem = s.CPU, s.Mem
		if s.MemLimit > 0 {
			p.all[i].MemLimit = s.MemLimit
		}
	}
	// Samples come often; the rows are rebuilt once, when next drawn.
	p.dirty = true
}

func (p *Pane) sync() {
	if p.dirty {
		p.refresh()
	}
}

func (p *Pane) key(k tea.KeyPressMsg) tea.Cmd {
	km := p.c.Keys
	p.sync()
	if p.filter.Focused() {
		switch {
		case k.String() == "enter":
			p.filter.Blur()
		case k.String() == "esc":
			p.filter.Blur()
			p.filter.SetValue("")
			p.refresh()
		default:
			if p.filter.Update(k) {
				p.refresh()
			}
		}
		return nil
	}
	switch {
	case key.Matches(k, km.Up):
		p.tbl.Move(-1)
	case key.Matches(k, km.Down):
		p.tbl.Move(1)
	case key.Matches(k, km.PageUp):
		p.tbl.Move(-p.tbl.Page())
	case key.Matches(k, km.PageDown):
		p.tbl.Move(p.tbl.Page())
	case key.Matches(k, km.Top):
		p.tbl.Top()
	case key.Matches(k, km.Bottom):
		p.tbl.Bottom()
	case key.Matches(k, km.Filter):
		p.filter.Focus()
	case key.Matches(k, km.Back):
		p.Back()
	case key.Matches(k, km.Mark):
		if id := p.tbl.SelectedKey(); id != "" {
			if p.marks[id] {
				delete(p.marks, id)
			} else {
				p.marks[id] = true
			}
			p.tbl.Move(1)
			p.refresh()
		}
	case key.Matches(k, km.MarkAll):
		p.markAll()
	case key.Matches(k, km.Sort):
		p.sortBy = (p.sortBy + 1) % numSortKeys
		p.refresh()
	case key.Matches(k, km.Reverse):
		p.rev = !p.rev
		p.refresh()
	case key.Matches(k, km.Start):
		return p.act(common.Start)
	case key.Matches(k, km.Stop):
		return p.act(common.Stop)
	case key.Matches(k, km.Restart):
		return p.act(common.Restart)
	case key.Matches(k, km.Pause):
		return p.pause()
	case key.Matches(k, km.Kill):
		return p.act(common.Kill)
	case key.Matches(k, km.Remove):
		return p.act(common.Remove)
	case key.Matches(k, km.Rename):
		return p.actOnSelected(common.Rename)
	case key.Matches(k, km.Shell):
		return p.actOnSelected(common.Shell)
	case key.Matches(k, km.Attach):
		return p.actOnSelected(common.Attach)
	case key.Matches(k, km.Commit):
		return p.actOnSelected(common.Commit)
	case key.Matches(k, km.Browse):
		if t, ok := p.selected(); ok {
			if r := p.all[p.index[t.ID]]; !r.Running() {
				return send(common.ErrorMsg{Err: fmt.Errorf("%s is %s: its ports are closed until it is started", r.Name, r.Status)})
			}
			return send(common.ActionMsg{Action: common.Browse, Targets: []common.Target{t}, URLs: p.urls(t.ID)})
		}
	case key.Matches(k, km.Enter), key.Matches(k, km.Logs):
		return p.open("logs")
	case key.Matches(k, km.Run):
		image := ""
		if t, ok := p.selected(); ok {
			image = p.all[p.index[t.ID]].Image
		}
		return send(common.ActionMsg{Action: common.Run, Targets: []common.Target{{Name: image}}})
	case key.Matches(k, km.Changes):
		if t, ok := p.selected(); ok {
			return send(common.OpenMsg{Pane: "layers", Targets: []common.Target{t}, Changes: true})
		}
	case key.Matches(k, km.Inspect):
		if t, ok := p.selected(); ok {
			return send(common.OpenMsg{Pane: "namespaces", Targets: []common.Target{t}})
		}
	}
	return nil
}

// urls are the addresses of a container's published TCP ports.
func (p *Pane) urls(id string) []string {
	var out []string
	for _, port := range p.all[p.index[id]].Ports {
		if u, ok := common.PortURL(port); ok && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

func (p *Pane) markAll() {
	all := true
	for _, r := range p.shown {
		all = all && p.marks[r.ID]
	}
	for _, r := range p.shown {
		if all {
			delete(p.marks, r.ID)
		} else {
			p.marks[r.ID] = true
		}
	}
	p.refresh()
}

func (p *Pane) selected() (common.Target, bool) {
	id := p.tbl.SelectedKey()
	for _, r := range p.shown {
		if r.ID == id {
			return common.Target{ID: r.ID, Name: r.Name}, true
		}
	}
	return common.Target{}, false
}

// targets are the marked containers, or else the selected one.
func (p *Pane) targets() []common.Target {
	var ts []common.Target
	for _, r := range p.all {
		if p.marks[r.ID] {
			ts = append(ts, common.Target{ID: r.ID, Name: r.Name})
		}
	}
	if len(ts) == 0 {
		if t, ok := p.selected(); ok {
			ts = append(ts, t)
		}
	}
	return ts
}

func (p *Pane) act(a common.Action) tea.Cmd {
	ts := p.targets()
	if len(ts) == 0 {
		return nil
	}
	return send(common.ActionMsg{Action: a, Targets: ts})
}

// actOnSelected asks for a on the container under the cursor alone.
func (p *Pane) actOnSelected(a common.Action) tea.Cmd {
	t, ok := p.selected()
	if !ok {
		return nil
	}
	return send(common.ActionMsg{Action: a, Targets: []common.Target{t}})
}

// pause pauses running targets and unpauses paused ones, by the state of
// the first.
func (p *Pane) pause() tea.Cmd {
	ts := p.targets()
	if len(ts) == 0 {
		return nil
	}
	a := common.Pause
	for _, r := range p.all {
		if r.ID == ts[0].ID && r.Status == "paused" {
			a = common.Unpause
		}
	}
	return send(common.ActionMsg{Action: a, Targets: ts})
}

func (p *Pane) open(pane string) tea.Cmd {
	ts := p.targets()
	if len(ts) == 0 {
		return nil
	}
	return send(common.OpenMsg{Pane: pane, Targets: ts})
}

func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// View implements common.Pane.
func (p *Pane) View() string {
	p.sync()
	return p.summary() + "\n" + p.tbl.View()
}

func (p *Pane) summary() string {
	st := &p.c.Styles
	if p.filter.Focused() || p.filter.Value() != "" {
		return st.Accent.Render(common.Fit(p.filter.View()+fmt.Sprintf("  (%d of %d)", len(p.shown), len(p.all)), p.w))
	}
	running := 0
	for _, r := range p.all {
		if r.Status == "running" {
			running++
		}
	}
	parts := []string{fmt.Sprintf("%d containers", len(p.all)), fmt.Sprintf("%d running", running)}
	if n := len(p.marks); n > 0 {
		parts = append(parts, fmt.Sprintf("%d marked", n))
	}
	parts = append(parts, "sort: "+p.sortBy.String()+map[bool]string{false: "↓", true: "↑"}[p.rev])
	return st.Muted.Render(common.Fit(strings.Join(parts, " · "), p.w))
}

// Back implements common.Backer: esc clears the filter, then the marks.
func (p *Pane) Back() bool {
	switch {
	case p.filter.Value() != "":
		p.filter.SetValue("")
	case len(p.marks) > 0:
		clear(p.marks)
	default:
		return false
	}
	p.refresh()
	return true
}

// Package images is the workbench's Images pane: tags, sizes shared and
// unique, layer counts, ages and dangling images.
package images

import (
	"cmp"
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

var columns = []table.Column{
	{Title: "REPOSITORY:TAG", Width: 14, Flex: 1},
	{Title: "ID", Width: 12},
	{Title: "SIZE", Width: 8, Right: true},
	{Title: "SHARED", Width: 8, Right: true},
	{Title: "UNIQUE", Width: 8, Right: true},
	{Title: "LAYERS", Width: 6, Right: true},
	{Title: "AGE", Width: 4, Right: true},
	{Title: "USED", Width: 4, Right: true},
}

type sortKey int

const (
	byName sortKey = iota
	bySize
	byUnique
	byAge
	numSortKeys
)

var sortNames = []string{"name", "size", "unique", "age"}
var sortCols = []int{0, 2, 4, 6}

// Pane is the Images pane.
type Pane struct {
	c      *common.Common
	all    []data.ImageRow
	shown  []data.ImageRow
	marks  map[string]bool
	filter input.Model
	sortBy sortKey
	rev    bool
	tbl    *table.Model
	w, h   int
}

var _ common.Pane = (*Pane)(nil)

// New returns an empty Images pane.
func New(c *common.Common) *Pane {
	p := &Pane{c: c, marks: map[string]bool{}, filter: input.New("/")}
	p.tbl = table.New(c, columns)
	p.tbl.SetEmpty("no images: pull one with `berth pull`")
	return p
}

// Name implements common.Pane.
func (p *Pane) Name() string { return "images" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Images" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane.
func (p *Pane) Capturing() bool { return p.filter.Focused() }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) { p.w, p.h = w, h; p.tbl.SetSize(w, h-1) }

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	enter := k.Enter
	enter.SetHelp(enter.Help().Key, "layers")
	return []key.Binding{enter, k.Mark, k.Filter, k.Sort, k.Remove, k.Run, k.Tag, k.Pull, k.Push, k.Save, k.MarkAll, k.Reverse}
}

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.ImagesMsg:
		p.all = msg
		p.refresh()
	case common.RestyleMsg:
		p.refresh()
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return nil
}

func (p *Pane) key(k tea.KeyPressMsg) tea.Cmd {
	km := p.c.Keys
	if p.filter.Focused() {
		switch k.String() {
		case "enter":
			p.filter.Blur()
		case "esc":
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
		for _, r := range p.shown {
			p.marks[r.ID] = true
		}
		p.refresh()
	case key.Matches(k, km.Sort):
		p.sortBy = (p.sortBy + 1) % numSortKeys
		p.refresh()
	case key.Matches(k, km.Reverse):
		p.rev = !p.rev
		p.refresh()
	case key.Matches(k, km.Remove):
		if ts := p.targets(); len(ts) > 0 {
			return send(common.ActionMsg{Action: common.RemoveImage, Targets: ts})
		}
	case key.Matches(k, km.Tag):
		return p.actOnSelected(common.Tag)
	case key.Matches(k, km.Run):
		return p.actOnSelected(common.Run)
	case key.Matches(k, km.Push):
		return p.actOnSelected(common.Push)
	case key.Matches(k, km.Save):
		return p.actOnSelected(common.Save)
	case key.Matches(k, km.Pull):
		return send(common.ActionMsg{Action: common.Pull, Targets: []common.Target{{}}})
	case key.Matches(k, km.Enter):
		if ts := p.selected(); len(ts) > 0 {
			return send(common.OpenMsg{Pane: "layers", Targets: ts})
		}
	}
	return nil
}

func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// actOnSelected asks for a on the image under the cursor.
func (p *Pane) actOnSelected(a common.Action) tea.Cmd {
	ts := p.selected()
	if len(ts) == 0 {
		return nil
	}
	return send(common.ActionMsg{Action: a, Targets: ts})
}

func name(r data.ImageRow) string {
	if len(r.Tags) == 0 {
		return "<none>:<none>"
	}
	return r.Tags[0]
}

func (p *Pane) selected() []common.Target {
	id := p.tbl.SelectedKey()
	for _, r := range p.shown {
		if r.ID == id {
			return []common.Target{{ID: r.ID, Name: name(r)}}
		}
	}
	return nil
}

func (p *Pane) targets() []common.Target {
	var ts []common.Target
	for _, r := range p.all {
		if p.marks[r.ID] {
			ts = append(ts, common.Target{ID: r.ID, Name: name(r)})
		}
	}
	if len(ts) == 0 {
		return p.selected()
	}
	return ts
}

func (p *Pane) refresh() {
	q := strings.ToLower(p.filter.Value())
	p.shown = p.shown[:0]
	for _, r := range p.all {
		if q == "" || strings.Contains(strings.ToLower(strings.Join(r.Tags, " ")), q) ||
			strings.HasPrefix(strings.TrimPrefix(r.ID, "sha256:"), q) || (q == "dangling" && r.Dangling) {
			p.shown = append(p.shown, r)
		}
	}
	slices.SortStableFunc(p.shown, func(a, b data.ImageRow) int {
		var c int
		switch p.sortBy {
		case bySize:
			c = -cmp.Compare(a.Size, b.Size)
		case byUnique:
			c = -cmp.Compare(a.UniqueSize, b.UniqueSize)
		case byAge:
			c = -a.Created.Compare(b.Created)
		}
		if c == 0 {
			c = cmp.Compare(name(a), name(b))
		}
		if p.rev {
			return -c
		}
		return c
	})
	st := &p.c.Styles
	now := p.c.Now()
	rows := make([]table.Row, len(p.shown))
	for i, r := range p.shown {
		nameStyle := &st.Text
		if r.Dangling {
			nameStyle = &st.Warn
		}
		tag := name(r)
		if len(r.Tags) > 1 {
			tag += fmt.Sprintf(" +%d", len(r.Tags)-1)
		}
		used := ""
		if r.Containers > 0 {
			used = fmt.Sprint(r.Containers)
		}
		rows[i] = table.Row{Key: r.ID, Marked: p.marks[r.ID], Cells: []table.Cell{
			{Text: tag, Style: nameStyle},
			{Text: common.ShortID(r.ID), Style: &st.Muted},
			{Text: common.HumanSize(r.Size)},
			{Text: common.HumanSize(r.SharedSize), Style: &st.Muted},
			{Text: common.HumanSize(r.UniqueSize), Style: &st.Info},
			{Text: fmt.Sprint(r.Layers)},
			{Text: common.Short(now.Sub(r.Created)), Style: &st.Muted},
			{Text: used},
		}}
	}
	p.tbl.SetSort(sortCols[p.sortBy], p.rev)
	p.tbl.SetRows(rows)
}

// View implements common.Pane.
func (p *Pane) View() string {
	st := &p.c.Styles
	var top string
	if p.filter.Focused() || p.filter.Value() != "" {
		top = st.Accent.Render(common.Fit(p.filter.View()+fmt.Sprintf("  (%d of %d)", len(p.shown), len(p.all)), p.w))
	} else {
		var total, dangling uint64
		nd := 0
		for _, r := range p.all {
			total += r.UniqueSize
			if r.Dangling {
				nd++
				dangling += r.Size
			}
		}
		s := fmt.Sprintf("%d images · %s unique · %d dangling (%s)", len(p.all), common.HumanSize(total), nd, common.HumanSize(dangling))
		if len(p.marks) > 0 {
			s += fmt.Sprintf(" · %d marked", len(p.marks))
		}
		s += " · sort: " + sortNames[p.sortBy] + map[bool]string{false: "↓", true: "↑"}[p.rev]
		top = st.Muted.Render(common.Fit(s, p.w))
	}
	return top + "\n" + p.tbl.View()
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

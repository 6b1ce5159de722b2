// Package layers is the workbench's Layers pane, in the manner of dive: an
// image's layers with their commands and sizes beside the file tree of the
// selected layer (or of the image up to it), with added, modified and
// removed paths marked, and the image's efficiency and wasted space.
package layers

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/input"
	"github.com/berth-dev/berth/tui/data"
)

// Pane is the Layers pane.
type Pane struct {
	c         *common.Common
	target    common.Target
	a         *data.LayerAnalysis
	layer     int
	treeFocus bool
	aggregate bool // show the image's tree up to the layer, not the layer's own
	changes   bool // showing a container's own changes, not an image
	bySize    bool
	collapsed map[string]bool
	filter    input.Model
	tree      []entry
	cursor    int
	top       int
	w, h      int
}

var _ common.Pane = (*Pane)(nil)
var _ common.Opener = (*Pane)(nil)

// New returns an empty Layers pane.
func New(c *common.Common) *Pane {
	return &Pane{c: c, collapsed: map[string]bool{}, filter: input.New("/")}
}

// Name implements common.Pane.
func (p *Pane) Name() string { return "layers" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Layers" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane.
func (p *Pane) Capturing() bool { return p.filter.Focused() }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) { p.w, p.h = w, h }

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	sw := k.Right
	sw.SetHelp("←/→", "layers/tree")
	sort := k.Sort
	sort.SetHelp(sort.Help().Key, "sort by size")
	return []key.Binding{sw, k.Collapse, k.Aggregate, k.Filter, sort, k.Up, k.Down}
}

// Open implements common.Opener.
func (p *Pane) Open(ts []common.Target) tea.Cmd {
	if len(ts) > 0 {
		p.target = ts[0]
	}
	p.a, p.changes = nil, false
	return nil
}

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.LayersMsg:
		a := data.LayerAnalysis(msg)
		p.a, p.layer, p.cursor, p.top = &a, 0, 0, 0
		p.changes = false
		p.collapsed = map[string]bool{}
		p.rebuild()
	case common.ChangesMsg:
		// A container's changes are one layer, its writable one, shown
		// as a tree across the whole pane.
		tree := msg.Tree
		if tree == nil {
			tree = &data.FileNode{Dir: true}
		}
		p.a = &data.LayerAnalysis{Ref: msg.Target.Name, Layers: []data.LayerRow{{Command: "writable layer", Size: tree.Size, Tree: tree}}}
		p.changes, p.treeFocus, p.aggregate = true, true, false
		p.layer, p.cursor, p.top = 0, 0, 0
		p.collapsed = map[string]bool{}
		p.rebuild()
	case tea.KeyPressMsg:
		p.key(msg)
	}
	return nil
}

func (p *Pane) key(k tea.KeyPressMsg) {
	km := p.c.Keys
	if p.filter.Focused() {
		switch k.String() {
		case "enter":
			p.filter.Blur()
		case "esc":
			p.filter.Blur()
			p.filter.SetValue("")
			p.rebuild()
		default:
			if p.filter.Update(k) {
				p.rebuild()
			}
		}
		return
	}
	if p.a == nil {
		return
	}
	switch {
	case key.Matches(k, km.Left):
		p.treeFocus = p.changes // a container's changes have no layer list
	case key.Matches(k, km.Right):
		p.treeFocus = true
	case key.Matches(k, km.Aggregate):
		p.aggregate = !p.aggregate
		p.rebuild()
	case key.Matches(k, km.Sort):
		p.bySize = !p.bySize
		p.rebuild()
	case key.Matches(k, km.Filter):
		p.filter.Focus()
	case key.Matches(k, km.Back):
		p.Back()
	case !p.treeFocus && key.Matches(k, km.Up):
		p.selectLayer(p.layer - 1)
	case !p.treeFocus && key.Matches(k, km.Down):
		p.selectLayer(p.layer + 1)
	case !p.treeFocus && key.Matches(k, km.Enter):
		p.treeFocus = true
	case key.Matches(k, km.Up):
		p.moveTree(-1)
	case key.Matches(k, km.Down):
		p.moveTree(1)
	case key.Matches(k, km.PageUp):
		p.moveTree(-p.treeRows())
	case key.Matches(k, km.PageDown):
		p.moveTree(p.treeRows())
	case key.Matches(k, km.Collapse), key.Matches(k, km.Enter):
		if p.cursor < len(p.tree) && p.tree[p.cursor].node.Dir {
			path := p.tree[p.cursor].path
			p.collapsed[path] = !p.collapsed[path]
			p.rebuild()
		}
	}
}

func (p *Pane) selectLayer(i int) {
	p.layer = min(max(0, i), len(p.a.Layers)-1)
	p.cursor, p.top = 0, 0
	p.rebuild()
}

func (p *Pane) treeRows() int { return max(1, p.h-3) }

func (p *Pane) moveTree(d int) {
	p.cursor = min(max(0, p.cursor+d), max(0, len(p.tree)-1))
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+p.treeRows() {
		p.top = p.cursor - p.treeRows() + 1
	}
}

func (p *Pane) root() *data.FileNode {
	if p.a == nil || len(p.a.Layers) == 0 {
		return nil
	}
	l := p.a.Layers[p.layer]
	if p.aggregate && l.Image != nil {
		return l.Image
	}
	return l.Tree
}

func (p *Pane) rebuild() {
	p.tree = flatten(p.root(), p.collapsed, strings.ToLower(p.filter.Value()), p.bySize)
	p.moveTree(0)
}

// View implements common.Pane.
func (p *Pane) View() string {
	st := &p.c.Styles
	if p.a == nil {
		msg := "  choose an image in the Images pane and press enter"
		if p.target.ID != "" {
			msg = "  analysing " + p.target.Name + "…"
		}
		return common.Block([]string{st.Muted.Render(msg)}, p.w, p.h)
	}
	if p.changes {
		return p.changesView()
	}
	head := st.Title.Render(p.a.Ref) + st.Muted.Render(fmt.Sprintf(" · %d layers · efficiency ", len(p.a.Layers)))
	eff := st.Good
	if p.a.Efficiency < 0.9 {
		eff = st.Warn
	}
	if p.a.Efficiency < 0.7 {
		eff = st.Bad
	}
	head += eff.Render(fmt.Sprintf("%.1f%%", p.a.Efficiency*100)) +
		st.Muted.Render(" · wasted ") + eff.Render(common.HumanSize(p.a.Wasted))
	leftW := max(20, p.w*2/5)
	if p.w < 70 {
		leftW = p.w / 2
	}
	rightW := p.w - leftW - 1
	body := p.h - 1
	left := strings.Split(p.layersView(leftW, body), "\n")
	right := strings.Split(p.treeView(rightW, body), "\n")
	lines := []string{common.Fit(head, p.w)}
	sep := st.Rule.Render("│")
	for i := 0; i < body; i++ {
		lines = append(lines, left[i]+sep+right[i])
	}
	return strings.Join(lines, "\n")
}

func (p *Pane) layersView(w, h int) string {
	st := &p.c.Styles
	title := st.TableHeader
	if !p.treeFocus {
		title = st.Title
	}
	lines := []string{title.Render(common.Fit("Layers", w))}
	for i, l := range p.a.Layers {
		text := fmt.Sprintf("%2d %8s  %s", i, common.HumanSize(l.Size), oneLine(l.Command))
		switch {
		case i == p.layer && !p.treeFocus:
			lines = append(lines, st.Selected.Render(common.Fit(text, w)))
		case i == p.layer:
			lines = append(lines, st.Accent.Render(common.Fit(text, w)))
		default:
			lines = append(lines, st.Text.Render(common.Fit(text, w)))
		}
	}
	if room := h - len(lines) - 2; room > 0 && len(p.a.WastedFiles) > 0 {
		lines = append(lines, "", st.TableHeader.Render(common.Fit("Wasted space", w)))
		for i, f := range p.a.WastedFiles {
			if i == room-1 {
				break
			}
			lines = append(lines, st.Warn.Render(common.Fit(fmt.Sprintf("%2d× %8s  %s", f.Count, common.HumanSize(f.Wasted), f.Path), w)))
		}
	}
	return common.Block(lines, w, h)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// changesView draws a container's own changes: a count of each kind, then
// the tree across the whole pane.
func (p *Pane) changesView() string {
	st := &p.c.Styles
	var n [4]int
	count(p.a.Layers[0].Tree, &n)
	head := st.Title.Render(p.a.Ref) + st.Muted.Render(" · changes vs image · ") +
		st.Added.Render(fmt.Sprintf("%d added", n[data.Added])) + st.Muted.Render(" · ") +
		st.Modified.Render(fmt.Sprintf("%d modified", n[data.Modified])) + st.Muted.Render(" · ") +
		st.Bad.Render(fmt.Sprintf("%d removed", n[data.Removed]))
	return common.Fit(head, p.w) + "\n" + p.treeView(p.w, p.h-1)
}

// count tallies the files (not directories) of n by change.
func count(n *data.FileNode, into *[4]int) {
	for _, k := range n.Children {
		if k.Dir {
			count(k, into)
			continue
		}
		into[k.Change]++
	}
}

// Back implements common.Backer: esc clears the filter.
func (p *Pane) Back() bool {
	if p.filter.Value() == "" {
		return false
	}
	p.filter.SetValue("")
	p.rebuild()
	return true
}

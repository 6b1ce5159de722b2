package layers

import (
	"cmp"
	"slices"
	"strings"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/data"
)

// entry is one visible line of the file tree.
type entry struct {
	node   *data.FileNode
	path   string
	prefix string // the tree's guide lines
}

// flatten lists the visible nodes of root: children of collapsed
// directories are hidden; with a filter, only paths that contain it and
// the directories above them.
func flatten(root *data.FileNode, collapsed map[string]bool, filter string, bySize bool) []entry {
	if root == nil {
		return nil
	}
	var out []entry
	var walk func(n *data.FileNode, path, prefix string)
	walk = func(n *data.FileNode, path, prefix string) {
		kids := slices.Clone(n.Children)
		slices.SortFunc(kids, func(a, b *data.FileNode) int {
			if bySize {
				if c := -cmp.Compare(a.Size, b.Size); c != 0 {
					return c
				}
			}
			return cmp.Compare(a.Name, b.Name)
		})
		if filter != "" {
			kids = slices.DeleteFunc(kids, func(k *data.FileNode) bool { return !contains(k, path+"/"+k.Name, filter) })
		}
		for i, k := range kids {
			last := i == len(kids)-1
			branch, next := "├── ", "│   "
			if last {
				branch, next = "└── ", "    "
			}
			kp := path + "/" + k.Name
			out = append(out, entry{node: k, path: kp, prefix: prefix + branch})
			if k.Dir && !collapsed[kp] {
				walk(k, kp, prefix+next)
			}
		}
	}
	walk(root, "", "")
	return out
}

func contains(n *data.FileNode, path, filter string) bool {
	if strings.Contains(strings.ToLower(path), filter) {
		return true
	}
	for _, k := range n.Children {
		if contains(k, path+"/"+k.Name, filter) {
			return true
		}
	}
	return false
}

func (p *Pane) treeView(w, h int) string {
	st := &p.c.Styles
	title := st.TableHeader
	if p.treeFocus {
		title = st.Title
	}
	what := "Layer changes"
	if p.changes {
		what = "Container changes"
	}
	if p.aggregate {
		what = "Image up to layer"
	}
	if p.filter.Focused() || p.filter.Value() != "" {
		what += "  " + p.filter.View()
	}
	perms := w >= 56 // below that, the path needs the room
	header := "     SIZE  PATH"
	if perms {
		header = "     SIZE  PERMISSIONS  PATH"
	}
	lines := []string{title.Render(common.Fit(what, w)), st.TableHeader.Render(common.Fit(header, w))}
	if len(p.tree) == 0 {
		lines = append(lines, st.Muted.Render(common.Fit("  no files", w)))
	}
	for i := p.top; i < min(len(p.tree), p.top+p.treeRows()); i++ {
		e := p.tree[i]
		mark, style := " ", st.Text
		switch e.node.Change {
		case data.Added:
			mark, style = "+", st.Added
		case data.Modified:
			mark, style = "~", st.Modified
		case data.Removed:
			mark, style = "-", st.Removed
		}
		name := e.node.Name
		if e.node.Dir {
			if p.collapsed[e.path] {
				name += "/ ▸"
			} else {
				name += "/"
			}
		}
		text := mark + common.FitRight(common.HumanSize(e.node.Size), 8) + "  "
		if perms {
			text += common.Fit(e.node.Mode, 11) + "  "
		}
		text += e.prefix + name
		if i == p.cursor && p.treeFocus {
			lines = append(lines, st.Selected.Render(common.Fit(text, w)))
		} else {
			lines = append(lines, style.Render(common.Fit(text, w)))
		}
	}
	return common.Block(lines, w, h)
}

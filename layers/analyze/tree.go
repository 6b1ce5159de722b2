package analyze

import (
	"slices"
	"strings"
)

// Tree is the merged file tree of an image up to one layer, as the layer
// pane draws it: every path in tree order (a directory right before what is
// below it), each marked with how that layer changed it. Paths the layer
// removed stay in the tree, marked Removed.
type Tree struct {
	Nodes []Node
}

// Node is one path of a Tree.
type Node struct {
	Entry
	// Diff is how the tree's top layer changed this path.
	Diff ChangeKind
	// Depth is 0 for top-level paths.
	Depth int32
	// Parent is the index of the parent node, -1 for top-level paths.
	Parent int32
	// End is one past the last node below this one: the subtree is
	// Nodes[i+1 : End].
	End int32
	// Total is the size of the node and everything below it that is not
	// removed (a removed directory counts what it removed).
	Total int64
}

// Tree builds the merged tree of the image up to and including layer i.
func (r *Result) Tree(i int) *Tree {
	lower := r.merged(i)
	t := &Tree{Nodes: make([]Node, 0, len(lower)+len(r.indexes[i].Entries))}
	var chain []int32
	overlay(lower, r.indexes[i].Entries, func(e *Entry, kind ChangeKind) {
		n := Node{Entry: *e, Diff: kind, Parent: -1}
		n.Flags &^= Whiteout
		for len(chain) > 0 && !isUnder(e.Path, t.Nodes[chain[len(chain)-1]].Path) {
			chain = chain[:len(chain)-1]
		}
		if len(chain) > 0 {
			n.Parent = chain[len(chain)-1]
		}
		n.Depth = int32(len(chain))
		if e.IsImplicit() || e.IsDir() {
			n.Total = 0
		} else {
			n.Total = e.Size
		}
		t.Nodes = append(t.Nodes, n)
		chain = append(chain, int32(len(t.Nodes)-1))
	})
	for i := range t.Nodes {
		t.Nodes[i].End = int32(i + 1)
	}
	for i := len(t.Nodes) - 1; i >= 0; i-- {
		n := &t.Nodes[i]
		if n.Parent < 0 {
			continue
		}
		p := &t.Nodes[n.Parent]
		if n.End > p.End {
			p.End = n.End
		}
		if n.Diff != Removed || p.Diff == Removed {
			p.Total += n.Total
		}
	}
	return t
}

// Find returns the index of the node at path (relative, as in Entry.Path),
// or -1.
func (t *Tree) Find(path string) int {
	path = strings.Trim(path, "/")
	i, ok := slices.BinarySearchFunc(t.Nodes, path, func(n Node, p string) int { return ComparePaths(n.Path, p) })
	if !ok {
		return -1
	}
	return i
}

// Children returns the indexes of the nodes directly below node i (i = -1
// for the top level), by name.
func (t *Tree) Children(i int) []int {
	start, end := 0, len(t.Nodes)
	if i >= 0 {
		start, end = i+1, int(t.Nodes[i].End)
	}
	var out []int
	for c := start; c < end; c = int(t.Nodes[c].End) {
		out = append(out, c)
	}
	return out
}

// Order is how Walk sorts the children of a node.
type Order uint8

const (
	// ByName sorts children by name.
	ByName Order = iota
	// BySize sorts children by Total, largest first, then by name.
	BySize
)

// Walk visits the tree depth first, parents before children, with the
// children of each node in the given order. When visit returns false the
// nodes below that node are skipped (a collapsed directory).
func (t *Tree) Walk(order Order, visit func(i int) bool) {
	t.walk(-1, order, visit)
}

func (t *Tree) walk(i int, order Order, visit func(i int) bool) {
	kids := t.Children(i)
	if order == BySize {
		slices.SortStableFunc(kids, func(a, b int) int {
			ta, tb := t.Nodes[a].Total, t.Nodes[b].Total
			switch {
			case ta > tb:
				return -1
			case ta < tb:
				return 1
			}
			return 0
		})
	}
	for _, c := range kids {
		if visit(c) && t.Nodes[c].End > int32(c+1) {
			t.walk(c, order, visit)
		}
	}
}

// Filter marks the nodes to show for a filter: those that match and their
// ancestors. The result has one flag per node.
func (t *Tree) Filter(match func(n *Node) bool) []bool {
	keep := make([]bool, len(t.Nodes))
	for i := range t.Nodes {
		if !match(&t.Nodes[i]) {
			continue
		}
		for j := i; j >= 0 && !keep[j]; j = int(t.Nodes[j].Parent) {
			keep[j] = true
		}
	}
	return keep
}

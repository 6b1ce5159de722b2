package analyze

import (
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Result is the analysis of one image.
type Result struct {
	// Layers are the image's layers, bottom first.
	Layers []LayerInfo
	// Efficiency is dive's score: the sum over paths of the smallest size
	// a path has in any layer, divided by the sum of all its sizes (1 when
	// the image has no bytes).
	Efficiency float64
	// SizeBytes is the sum of the layer sizes; UserSizeBytes leaves out the
	// first (base) layer.
	SizeBytes, UserSizeBytes uint64
	// WastedBytes is the sum of the sizes, in every layer, of the paths
	// that appear in more than one layer (a removal counts as an appearance).
	WastedBytes uint64
	// WastedUserPercent is WastedBytes / UserSizeBytes (a fraction, 0 when
	// there are no user bytes).
	WastedUserPercent float64
	// Inefficiencies are the paths found in more than one layer, largest
	// cumulative size first.
	Inefficiencies []Inefficiency

	indexes []*Index
}

// LayerInfo describes one layer of an analysed image.
type LayerInfo struct {
	// DiffID is the digest of the layer's uncompressed tar.
	DiffID v1.Hash
	// Command is the history entry that made the layer ("/bin/sh -c "
	// trimmed), or "(missing)".
	Command string
	// Size is the sum of the sizes in the layer's tar headers.
	Size uint64
	// Files counts the paths the tar lists (whiteouts included, implicit
	// directories not).
	Files int
	// Cached says whether the layer's index came from the cache.
	Cached bool
}

// Inefficiency is a path that appears in more than one layer.
type Inefficiency struct {
	// Path is absolute ("/etc/passwd").
	Path string
	// Count is the number of layers the path appears in.
	Count int
	// Size is the sum of its sizes over those layers; a removal counts
	// what it removed if it was a directory, else nothing (as dive does).
	Size int64
}

// Index returns the index of layer i.
func (r *Result) Index(i int) *Index { return r.indexes[i] }

// Indexes returns the layer indexes, bottom first.
func (r *Result) Indexes() []*Index { return r.indexes }

// leaf is one leaf of a layer's tree, with the size dive gives it.
type leaf struct {
	path string
	size int64
}

// diveNode is a node of the tree dive stacks to size removals.
type diveNode struct {
	path  string
	size  int64
	isDir bool
}

// Compute analyses an image from its layer indexes, bottom first. It
// follows dive's rules (filetree.Efficiency and image.Analyze): in each
// layer's own tree only the leaves count; a leaf's size is its header size,
// or for a whiteout, if the path was a directory in the layers below, the
// total size of what it removes; paths in more than one layer are
// inefficiencies, and wasted bytes are their whole cumulative size.
//
// Where dive errors out, berth goes on: a whiteout of a path no lower layer
// has counts 0 bytes (dive stops counting the rest of that layer).
func Compute(indexes []*Index) *Result {
	r := &Result{indexes: indexes, Layers: make([]LayerInfo, len(indexes))}
	leaves := make([][]leaf, len(indexes))
	var stack []diveNode
	for i, x := range indexes {
		info := &r.Layers[i]
		info.DiffID, info.Size = x.DiffID, uint64(x.Size)
		r.SizeBytes += uint64(x.Size)
		if i > 0 {
			r.UserSizeBytes += uint64(x.Size)
		}
		ls := make([]leaf, 0, len(x.Entries))
		for k := range x.Entries {
			e := &x.Entries[k]
			if !e.IsImplicit() {
				info.Files++
			}
			if k+1 < len(x.Entries) && isUnder(x.Entries[k+1].Path, e.Path) {
				continue
			}
			size := e.Size
			if e.IsImplicit() {
				size = 0
			}
			if e.IsWhiteout() {
				size = removedDirSize(stack, e.Path)
			}
			ls = append(ls, leaf{e.Path, size})
		}
		leaves[i] = ls
		stack = stackDive(stack, x.Entries)
	}
	var minSum, cumSum int64
	mergeLeaves(leaves, func(path string, count int, cum, least int64) {
		minSum += least
		cumSum += cum
		if count > 1 {
			r.Inefficiencies = append(r.Inefficiencies, Inefficiency{Path: "/" + path, Count: count, Size: cum})
			r.WastedBytes += uint64(cum)
		}
	})
	r.Efficiency = 1
	if cumSum != 0 {
		r.Efficiency = float64(minSum) / float64(cumSum)
	}
	if r.UserSizeBytes != 0 {
		r.WastedUserPercent = float64(r.WastedBytes) / float64(r.UserSizeBytes)
	}
	slices.SortFunc(r.Inefficiencies, func(a, b Inefficiency) int {
		if a.Size != b.Size {
			if a.Size > b.Size {
				return -1
			}
			return 1
		}
		return ComparePaths(a.Path, b.Path)
	})
	return r
}

// removedDirSize is what dive counts for a whiteout of p: if p is a
// directory in the stacked lower layers, the sizes of it and all below it.
func removedDirSize(stack []diveNode, p string) int64 {
	j, ok := slices.BinarySearchFunc(stack, p, func(n diveNode, p string) int { return ComparePaths(n.path, p) })
	if !ok || !stack[j].isDir {
		return 0
	}
	var sum int64
	for k := j; k < len(stack) && (k == j || isUnder(stack[k].path, p)); k++ {
		sum += stack[k].size
	}
	return sum
}

// stackDive lays a layer over the stacked tree the way dive's
// FileTree.Stack does: a whiteout removes the path and all below it, every
// other node (an implicit directory too, with an empty payload) replaces the
// lower one's data; opaque directories are not honoured.
func stackDive(lower []diveNode, upper []Entry) []diveNode {
	out := make([]diveNode, 0, len(lower)+len(upper))
	j, k := 0, 0
	drop := ""
	for j < len(lower) || k < len(upper) {
		if j < len(lower) && drop != "" && isUnder(lower[j].path, drop) {
			j++
			continue
		}
		c := 1
		if j < len(lower) && k < len(upper) {
			c = ComparePaths(lower[j].path, upper[k].Path)
		} else if j < len(lower) {
			c = -1
		}
		if c < 0 {
			out = append(out, lower[j])
			j++
			continue
		}
		e := &upper[k]
		k++
		if c == 0 {
			j++
		}
		if e.IsWhiteout() {
			if c == 0 {
				drop = e.Path
			}
			continue
		}
		n := diveNode{path: e.Path}
		if !e.IsImplicit() {
			n.size, n.isDir = e.Size, e.IsDir()
		}
		out = append(out, n)
	}
	return out
}

// mergeLeaves walks the layers' sorted leaf lists together and calls fn once
// per path with the number of layers it is a leaf in, its cumulative size
// and its smallest size.
func mergeLeaves(leaves [][]leaf, fn func(path string, count int, cum, least int64)) {
	pos := make([]int, len(leaves))
	for {
		cur := ""
		found := false
		for i, ls := range leaves {
			if pos[i] < len(ls) && (!found || ComparePaths(ls[pos[i]].path, cur) < 0) {
				cur, found = ls[pos[i]].path, true
			}
		}
		if !found {
			return
		}
		count := 0
		var cum, least int64
		for i, ls := range leaves {
			if pos[i] < len(ls) && ls[pos[i]].path == cur {
				s := ls[pos[i]].size
				if count == 0 || s < least {
					least = s
				}
				cum += s
				count++
				pos[i]++
			}
		}
		fn(cur, count, cum, least)
	}
}

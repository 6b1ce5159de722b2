package analyze

// ChangeKind says how a layer changed a path.
type ChangeKind uint8

const (
	// Unmodified paths come from lower layers as they were.
	Unmodified ChangeKind = iota
	// Added paths are new in the layer.
	Added
	// Modified paths existed below and the layer writes them again. File
	// contents are not read, so a file the layer rewrites counts as
	// modified even with the same bytes; a directory counts only when its
	// mode or owner changes or it is made opaque.
	Modified
	// Removed paths existed below and the layer removes them (a whiteout,
	// or hidden by an opaque directory).
	Removed
)

func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Modified:
		return "modified"
	case Removed:
		return "removed"
	}
	return "unmodified"
}

// Change is one path a layer added, modified or removed.
type Change struct {
	Kind ChangeKind
	// Entry is the path as the layer leaves it, or for a removal as it was
	// before.
	Entry Entry
}

// overlay lays upper over lower as overlayfs does and calls emit, in tree
// order, for every path of the result and every path removed: whiteouts
// remove a path and all below it, opaque directories hide what lower layers
// had below them, implicit directories change nothing that exists.
func overlay(lower, upper []Entry, emit func(e *Entry, kind ChangeKind)) {
	j, k := 0, 0
	drop := ""
	setDrop := func(p string) {
		if drop == "" || !isUnder(p, drop) {
			drop = p
		}
	}
	for j < len(lower) || k < len(upper) {
		if j < len(lower) && drop != "" && isUnder(lower[j].Path, drop) {
			emit(&lower[j], Removed)
			j++
			continue
		}
		c := 1
		if j < len(lower) && k < len(upper) {
			c = ComparePaths(lower[j].Path, upper[k].Path)
		} else if j < len(lower) {
			c = -1
		}
		if c < 0 {
			emit(&lower[j], Unmodified)
			j++
			continue
		}
		e := &upper[k]
		k++
		if c > 0 {
			if !e.IsWhiteout() {
				emit(e, Added)
			}
			continue
		}
		l := &lower[j]
		j++
		switch {
		case e.IsWhiteout():
			emit(l, Removed)
			setDrop(e.Path)
		case e.IsImplicit() && !e.IsOpaque():
			emit(l, Unmodified)
		case e.IsImplicit():
			o := *l
			o.Flags |= Opaque
			emit(&o, Modified)
			setDrop(e.Path)
		case e.IsDir() && l.IsDir() && !e.IsOpaque() && e.Mode == l.Mode && e.UID == l.UID && e.GID == l.GID:
			emit(e, Unmodified)
		default:
			emit(e, Modified)
			if e.IsOpaque() {
				setDrop(e.Path)
			}
		}
	}
}

// merged returns the image's tree after layers [0, n), whiteouts applied.
func (r *Result) merged(n int) []Entry {
	var cur []Entry
	for i := 0; i < n; i++ {
		next := make([]Entry, 0, len(cur)+len(r.indexes[i].Entries))
		overlay(cur, r.indexes[i].Entries, func(e *Entry, kind ChangeKind) {
			if kind != Removed {
				c := *e
				c.Flags &^= Whiteout | Opaque
				next = append(next, c)
			}
		})
		cur = next
	}
	return cur
}

// Changes lists, in tree order, the paths layer i added, modified and
// removed relative to the layers below it. A removed directory is listed
// with everything that was below it.
func (r *Result) Changes(i int) []Change {
	out := make([]Change, 0, len(r.indexes[i].Entries))
	overlay(r.merged(i), r.indexes[i].Entries, func(e *Entry, kind ChangeKind) {
		if kind != Unmodified {
			out = append(out, Change{Kind: kind, Entry: *e})
		}
	})
	return out
}

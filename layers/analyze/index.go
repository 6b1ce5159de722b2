// Package analyze indexes the files of image layers and measures how much
// of an image is wasted, the way wagoodman/dive does.
//
// Each layer is read once, from its tar headers only (file data is skipped,
// by seeking where the stream allows), into an Index: every path the layer
// adds, changes or removes, with size, mode, owner and link target. Indexes
// are cached under <root>/analysis keyed by diff ID, so an image's analysis
// is a merge of cached indexes: the per-layer changes, the merged tree up to
// any layer, and dive's efficiency score, wasted bytes and user wasted
// percent.
package analyze

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// Index is the file-tree index of one layer.
type Index struct {
	// DiffID names the layer: the digest of its uncompressed tar.
	DiffID v1.Hash
	// Size is the sum of the sizes in the layer's tar headers, which is what
	// dive calls the layer's size.
	Size int64
	// Entries are in ComparePaths order, one per path, with implicit parent
	// directories included.
	Entries []Entry
}

// IndexTar reads a layer's tar stream and indexes its headers. File data is
// skipped; if r is an io.Seeker it is skipped by seeking.
func IndexTar(r io.Reader) (*Index, error) {
	tr := tar.NewReader(r)
	b := newBuilder()
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading layer tar: %w", err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		b.add(h.Name, h.Linkname, h.Size, h.Mode, h.Uid, h.Gid, h.Typeflag)
	}
	return b.index(), nil
}

// builder collects a layer's headers into an Index.
type builder struct {
	idx     Index
	entries []Entry
	opaque  map[string]bool
}

func newBuilder() *builder { return &builder{opaque: map[string]bool{}} }

// add records one tar header.
func (b *builder) add(name, link string, size, mode int64, uid, gid int, typ byte) {
	p := cleanPath(name)
	if p == "" {
		return
	}
	b.idx.Size += size
	dir := parent(p)
	base := p
	if dir != "" {
		base = p[len(dir)+1:]
	}
	if base == opaqueMarker {
		if dir != "" {
			b.opaque[dir] = true
		}
		return
	}
	if typ == tar.TypeRegA {
		typ = tar.TypeReg
	}
	e := Entry{Path: p, Link: link, Size: size, Mode: tarMode(mode, typ), UID: uint32(uid), GID: uint32(gid), Type: typ}
	if strings.HasPrefix(base, whiteoutPrefix) {
		if len(base) == len(whiteoutPrefix) {
			return
		}
		e.Flags = Whiteout
		if dir == "" {
			e.Path = base[len(whiteoutPrefix):]
		} else {
			e.Path = dir + "/" + base[len(whiteoutPrefix):]
		}
	}
	b.entries = append(b.entries, e)
}

func (b *builder) index() *Index {
	for dir := range b.opaque {
		b.entries = append(b.entries, Entry{Path: dir, Type: tar.TypeDir, Mode: fs.ModeDir | 0o755, Flags: Opaque | Implicit})
	}
	b.idx.Entries = normalise(b.entries)
	return &b.idx
}

// normalise sorts entries into tree order, keeps one entry per path (the
// last in the tar; an explicit header wins over an implicit directory, whose
// opaque mark it takes over) and adds the implicit parent directories.
func normalise(entries []Entry) []Entry {
	// Sort a permutation (cheaper to move than entries), stable by position.
	perm := make([]int32, len(entries))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		if c := ComparePaths(entries[a].Path, entries[b].Path); c != 0 {
			return c
		}
		return int(a - b)
	})
	sorted := make([]Entry, len(entries))
	for i, p := range perm {
		sorted[i] = entries[p]
	}
	entries = sorted
	out := make([]Entry, 0, len(entries)+len(entries)/8)
	// chain holds the directories of out that are ancestors of the current entry.
	var chain []string
	for i := 0; i < len(entries); i++ {
		e := entries[i]
		for i+1 < len(entries) && entries[i+1].Path == e.Path {
			next := entries[i+1]
			i++
			switch {
			case next.IsImplicit():
				e.Flags |= next.Flags & Opaque
			case e.IsImplicit():
				next.Flags |= e.Flags & Opaque
				e = next
			default:
				next.Flags |= e.Flags & Opaque
				e = next
			}
		}
		for len(chain) > 0 && !isUnder(e.Path, chain[len(chain)-1]) {
			chain = chain[:len(chain)-1]
		}
		// Add the missing parents between the deepest known ancestor and e.
		have := ""
		if len(chain) > 0 {
			have = chain[len(chain)-1]
		}
		start := 0
		if have != "" {
			start = len(have) + 1
		}
		for j := start; j < len(e.Path); j++ {
			if e.Path[j] == '/' {
				d := e.Path[:j]
				out = append(out, Entry{Path: d, Type: tar.TypeDir, Mode: fs.ModeDir | 0o755, Flags: Implicit})
				chain = append(chain, d)
			}
		}
		out = append(out, e)
		if !e.IsWhiteout() {
			chain = append(chain, e.Path)
		}
	}
	return out
}

// cleanPath turns a tar name into a clean relative path; "" is the root.
func cleanPath(name string) string {
	if isClean(name) {
		return name
	}
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// isClean says whether a tar name is already a clean relative path, the
// common case, which then needs no allocation.
func isClean(name string) bool {
	if name == "" || name[0] == '/' || name[len(name)-1] == '/' {
		return false
	}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '/' {
			el := name[start:i]
			if el == "" || el == "." || el == ".." {
				return false
			}
			start = i + 1
		}
	}
	return true
}

func tarMode(mode int64, typ byte) fs.FileMode {
	m := fs.FileMode(mode).Perm()
	if mode&04000 != 0 {
		m |= fs.ModeSetuid
	}
	if mode&02000 != 0 {
		m |= fs.ModeSetgid
	}
	if mode&01000 != 0 {
		m |= fs.ModeSticky
	}
	switch typ {
	case tar.TypeDir:
		m |= fs.ModeDir
	case tar.TypeSymlink:
		m |= fs.ModeSymlink
	case tar.TypeChar:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case tar.TypeBlock:
		m |= fs.ModeDevice
	case tar.TypeFifo:
		m |= fs.ModeNamedPipe
	}
	return m
}

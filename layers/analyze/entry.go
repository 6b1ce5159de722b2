package analyze

import (
	"archive/tar"
	"io/fs"
)

// Entry is one path of a layer as its tar headers describe it: a file, a
// directory, a link, a whiteout (the path is removed) or a directory made
// opaque (what lower layers had under it is hidden).
type Entry struct {
	// Path is slash-separated and relative to the root, without a leading
	// slash ("etc/passwd"). For a whiteout it is the removed path, without
	// the ".wh." prefix.
	Path string
	// Link is the target of a symlink or a hardlink.
	Link string
	// Size is the size the tar header gives (0 for links and directories).
	Size int64
	// Mode holds the permission bits and the type, as in fs.FileMode.
	Mode fs.FileMode
	// UID and GID are the owner.
	UID, GID uint32
	// Type is the tar type flag (tar.TypeReg, tar.TypeDir, tar.TypeSymlink...).
	Type byte
	// Flags say whether the entry is a whiteout, an opaque directory or an
	// implicit directory (a parent the tar does not list itself).
	Flags Flags
}

// Flags mark entries that are not plain files.
type Flags uint8

const (
	// Whiteout marks an entry that removes its path (a ".wh." file in the tar).
	Whiteout Flags = 1 << iota
	// Opaque marks a directory whose lower contents are hidden (".wh..wh..opq").
	Opaque
	// Implicit marks a directory that the tar does not list but whose
	// children it holds.
	Implicit
)

// IsWhiteout says whether the entry removes its path.
func (e *Entry) IsWhiteout() bool { return e.Flags&Whiteout != 0 }

// IsOpaque says whether the entry is a directory that hides lower contents.
func (e *Entry) IsOpaque() bool { return e.Flags&Opaque != 0 }

// IsImplicit says whether the tar holds children of this directory without a
// header for it.
func (e *Entry) IsImplicit() bool { return e.Flags&Implicit != 0 }

// IsDir says whether the entry is a directory.
func (e *Entry) IsDir() bool { return e.Type == tar.TypeDir }

// Name is the last element of the path.
func (e *Entry) Name() string {
	for i := len(e.Path) - 1; i >= 0; i-- {
		if e.Path[i] == '/' {
			return e.Path[i+1:]
		}
	}
	return e.Path
}

// ComparePaths orders paths the way a tree is walked: a directory comes
// right before everything under it ('/' sorts before every other byte), so
// that a sorted list is a depth-first walk and a subtree is a contiguous run.
func ComparePaths(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			ca = 0
		}
		if cb == '/' {
			cb = 0
		}
		if ca < cb {
			return -1
		}
		return 1
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// isUnder says whether p lies strictly below dir.
func isUnder(p, dir string) bool {
	return len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}

// parent is the directory holding p, "" for a top-level path.
func parent(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return ""
}

package archive

import (
	"path"
	"strings"
)

// Whiteout names, as the OCI image spec defines them.
const (
	WhiteoutPrefix = ".wh."
	OpaqueMarker   = ".wh..wh..opq"
	// OverlayOpaqueXattr marks an opaque directory in an overlay upper or lower dir.
	OverlayOpaqueXattr = "trusted.overlay.opaque"
)

// Whiteouts says what Unpack does with whiteout entries.
type Whiteouts int

const (
	// ApplyWhiteouts deletes what a whiteout names from the directory being
	// unpacked into: layers unpacked in order into one directory flatten.
	ApplyWhiteouts Whiteouts = iota
	// OverlayWhiteouts keeps whiteouts as overlayfs reads them: a 0/0
	// character device, and the opaque attribute on a directory. A layer
	// unpacked so serves as an overlay lower directory.
	OverlayWhiteouts
)

// cleanName turns an archive name into a clean path relative to the target:
// a leading "/" or "./" is dropped (tar treats names as relative), "." is the
// target itself, and a name that climbs out of it is refused.
func cleanName(name string) (string, bool) {
	p := path.Clean("/" + name)
	raw := path.Clean(strings.TrimPrefix(name, "/"))
	if raw == ".." || strings.HasPrefix(raw, "../") {
		return "", false
	}
	if p == "/" {
		return ".", true
	}
	return p[1:], true
}

package archive

import "errors"

var (
	// ErrEscape is returned for an entry whose name or link target leads
	// outside the directory being unpacked into.
	ErrEscape = errors.New("archive entry leads outside the target")
	// ErrUnsupported is returned for an entry type a layer cannot hold.
	ErrUnsupported = errors.New("unsupported archive entry")
)

package analyze

import "errors"

var (
	// ErrBadIndex means a cached layer index is unreadable; the layer is indexed again.
	ErrBadIndex = errors.New("bad layer index")
	// ErrBadArchive means a docker archive lacks or garbles its manifest, config or layers.
	ErrBadArchive = errors.New("bad docker archive")
	// ErrBadThreshold means a CI rule's threshold cannot be parsed or is out of range.
	ErrBadThreshold = errors.New("bad threshold")
)

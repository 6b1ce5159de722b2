package themes

import "errors"

var (
	// ErrUnknown is returned for a theme name that is neither built in nor a
	// user theme file.
	ErrUnknown = errors.New("unknown theme")
	// ErrBadColour is returned for a palette field that is not "#rrggbb".
	ErrBadColour = errors.New("not a #rrggbb colour")
	// ErrNoName is returned for a palette without a name.
	ErrNoName = errors.New("theme has no name")
	// ErrBadName is returned for a theme name that cannot be a file name.
	ErrBadName = errors.New("theme name must be letters, digits, '-' or '_'")
)

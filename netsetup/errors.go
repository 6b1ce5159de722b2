package netsetup

import "errors"

// ErrBadPort reports a malformed or out-of-range port specification.
var ErrBadPort = errors.New("invalid port specification")

package netsetup

import "errors"

// ErrBadPort reports a malformed or out-of-range port specification.
var ErrBadPort = errors.New("invalid port specification")

// ErrPortInUse reports a host port that another socket already holds.
var ErrPortInUse = errors.New("host port already in use")

package netsetup

import "errors"

// ErrBadPort reports a malformed or out-of-range port specification.
var ErrBadPort = errors.New("invalid port specification")

// ErrPortInUse reports a host port that another socket already holds.
var ErrPortInUse = errors.New("host port already in use")

// ErrPoolExhausted reports a network with no free address left.
var ErrPoolExhausted = errors.New("no free address left in the network")

// ErrBadSubnet reports a subnet or gateway that cannot hold containers.
var ErrBadSubnet = errors.New("invalid subnet")

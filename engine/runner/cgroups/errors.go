package cgroups

import "errors"

var (
	// ErrNotExist is returned by Load when the cgroup does not exist.
	ErrNotExist = errors.New("cgroup does not exist")

	// ErrInvalidPath is returned for a cgroup path that is empty, relative
	// or climbs out of the hierarchy.
	ErrInvalidPath = errors.New("invalid cgroup path")

	// ErrNotEmpty is returned by Kill and Destroy when processes remain in
	// the cgroup after every attempt to kill them.
	ErrNotEmpty = errors.New("processes remain in cgroup")

	// ErrUnsupported is returned for a resource or operation that this
	// host's cgroup set-up does not offer.
	ErrUnsupported = errors.New("not supported by this cgroup hierarchy")
)

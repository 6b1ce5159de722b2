package common

import "errors"

var (
	// ErrUnknownBinding is returned for a key binding name the config file
	// names that the workbench does not have.
	ErrUnknownBinding = errors.New("no such key binding")
	// ErrNoKeys is returned for a binding rebound to no keys at all.
	ErrNoKeys = errors.New("binding needs at least one key")
	// ErrBadInterval is returned for a refresh interval under 100ms.
	ErrBadInterval = errors.New("refresh interval must be at least 100ms")
)

package container

import "errors"

var (
	// ErrNotFound is returned when no container has the given ID, ID prefix or name.
	ErrNotFound = errors.New("no such container")
	// ErrNameInUse is returned when a container already has the requested name.
	ErrNameInUse = errors.New("name already in use")
	// ErrAmbiguous is returned when an ID prefix matches more than one container.
	ErrAmbiguous = errors.New("ambiguous container ID prefix")
	// ErrInvalidName is returned for names docker would refuse.
	ErrInvalidName = errors.New("invalid container name")
)

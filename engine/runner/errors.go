package runner

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidConfig is wrapped by every error about a config that cannot
	// be run: a field that is malformed or asks for what the machine lacks.
	ErrInvalidConfig = errors.New("invalid config")
	// ErrNotExist is wrapped when no container has the given ID.
	ErrNotExist = errors.New("no such container")
	// ErrExist is wrapped when a container with the ID already exists.
	ErrExist = errors.New("container already exists")
	// ErrNotRunning is wrapped when an operation needs a running container.
	ErrNotRunning = errors.New("container is not running")
)

// ExitError is a failure to start the workload, with the exit code docker
// gives it: 127 for a command that is not found, 126 for one that cannot be
// executed, 125 for anything else.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// invalid makes an ErrInvalidConfig error naming the field at fault.
func invalid(field, format string, a ...any) error {
	return fmt.Errorf("%s: %s: %w", field, fmt.Sprintf(format, a...), ErrInvalidConfig)
}

// ExitCode is the exit code docker gives the failure.
func (e *ExitError) ExitCode() int { return e.Code }

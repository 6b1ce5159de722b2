package seccomp

import "errors"

var (
	// ErrUnsupported is returned for an action, flag or architecture name
	// that berth cannot put into a filter.
	ErrUnsupported = errors.New("not supported")

	// ErrInvalid is returned for a profile that is malformed: an unknown
	// operator, an argument index past 5, an errno out of range.
	ErrInvalid = errors.New("invalid seccomp profile")

	// ErrNoKnownSyscalls is returned when a profile lists system calls but
	// none of their names is known for any of its architectures.
	ErrNoKnownSyscalls = errors.New("no known system call in seccomp profile")

	// ErrTooLarge is returned when the program would exceed the kernel's
	// limit of 4096 instructions.
	ErrTooLarge = errors.New("seccomp program too large")
)

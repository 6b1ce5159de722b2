package builder

import "errors"

// Sentinel errors of a build. Errors about one instruction are
// *dockerfile.Error values located at it, wrapping one of these or one of
// package dockerfile's.
var (
	// ErrNoRunner is a RUN instruction in a build that has no StepRunner.
	ErrNoRunner = errors.New("RUN needs a step runner")
	// ErrSourceMissing is a COPY or ADD source that does not exist.
	ErrSourceMissing = errors.New("source not found")
	// ErrOutsideContext is a COPY or ADD source outside the build context.
	ErrOutsideContext = errors.New("source outside the build context")
	// ErrArgRequired is an ARG without a value where a value is needed.
	ErrArgRequired = errors.New("argument has no value")
	// ErrRunFailed is a RUN step whose command exited non-zero.
	ErrRunFailed = errors.New("RUN command failed")
	// ErrChecksum is an ADD download whose content does not match --checksum.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrNoSuchUser is a --chown or USER name that the stage's /etc/passwd or
	// /etc/group does not have.
	ErrNoSuchUser = errors.New("no such user or group")
)

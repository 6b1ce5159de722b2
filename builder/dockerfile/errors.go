package dockerfile

import "errors"

// Sentinel errors of Dockerfile parsing and evaluation; every error returned
// wraps one of them together with the file, the line and the offending text.
var (
	// ErrSyntax is a Dockerfile the parser rejects.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownInstruction is an instruction the Dockerfile reference does not define.
	ErrUnknownInstruction = errors.New("unknown instruction")
	// ErrUnknownFlag is a flag an instruction does not take.
	ErrUnknownFlag = errors.New("unknown flag")
	// ErrNoFrom is an instruction other than ARG before the first FROM.
	ErrNoFrom = errors.New("no FROM before instruction")
	// ErrUnknownStage is a --target, COPY --from or FROM naming a stage that does not exist.
	ErrUnknownStage = errors.New("unknown stage")
	// ErrInvalid is an instruction whose arguments are malformed.
	ErrInvalid = errors.New("invalid instruction")
)

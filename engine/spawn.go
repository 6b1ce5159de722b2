package engine

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine/launch"
)

// SupervisorLog, under the root, collects what supervisors write to their
// standard error.
const SupervisorLog = launch.Log

// SuperviseVerb is the hidden berth verb that runs a container's supervisor.
const SuperviseVerb = launch.Verb

// StartError is why a container could not start, with the exit code docker
// gives it: 125 by default, 126 for a command that cannot run, 127 for one
// that does not exist.
type StartError struct {
	Code int
	Msg  string
}

func (e *StartError) Error() string { return e.Msg }

// ExitCode is the exit code `berth run` ends with.
func (e *StartError) ExitCode() int { return e.Code }

// SpawnSupervisor starts the supervisor of container id as a new berth
// process in a session of its own, so that it outlives this one, and waits
// for its word that the container runs (or why it does not).
func SpawnSupervisor(ctx context.Context, root, id string, waitAttach bool) error {
	s, err := launch.Start(root, id)
	if err != nil {
		return err
	}
	return GoSupervisor(s, waitAttach)
}

// GoSupervisor tells a launched supervisor to start its container and
// waits for its word that the container runs, or why it does not.
func GoSupervisor(s *launch.Supervisor, waitAttach bool) error {
	line, err := s.Go(waitAttach)
	if err != nil {
		return err
	}
	return ParseReady(line)
}

// ReadyLine is what a supervisor says once the first run started or failed.
func ReadyLine(err error) string {
	if err == nil {
		return "ok"
	}
	code := 125
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		code = ec.ExitCode()
	}
	return strconv.Itoa(code) + " " + strings.ReplaceAll(err.Error(), "\n", " ")
}

// ParseReady reads a ready line back into nil or a StartError.
func ParseReady(line string) error {
	if line == "ok" {
		return nil
	}
	codeText, msg, _ := strings.Cut(line, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil {
		return &StartError{Code: 125, Msg: line}
	}
	return &StartError{Code: code, Msg: msg}
}

package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// SupervisorLog, under the root, collects what supervisors write to their
// standard error.
const SupervisorLog = "supervisor.log"

// SuperviseVerb is the hidden berth verb that runs a container's supervisor.
const SuperviseVerb = "supervise"

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
// for its word that the container runs (or why it does not). The supervisor
// answers on an inherited pipe with one line: "ok", or "CODE MESSAGE".
func SpawnSupervisor(ctx context.Context, root, id string, waitAttach bool) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the berth binary: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	args := []string{"--root", root, SuperviseVerb, "--ready-fd", "3", id}
	if waitAttach {
		args = append(args, "--wait-attach")
	}
	cmd := exec.Command(self, args...)
	cmd.Args[0] = "berth"
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	// What a supervisor says on its way out (a panic, a goroutine dump on
	// SIGQUIT) has no terminal to go to: it goes to the root's log.
	if logf, err := os.OpenFile(filepath.Join(root, SupervisorLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
		cmd.Stderr = logf
		defer logf.Close()
	}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("starting the supervisor: %w", err)
	}
	w.Close()
	// Reap it when it ends so it does not linger as a zombie of this
	// process; it lives on on its own when this process exits first.
	go cmd.Wait()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		return errors.New("the supervisor exited before the container started")
	}
	return ParseReady(strings.TrimSuffix(line, "\n"))
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

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
// for its word that the container runs (or why it does not).
func SpawnSupervisor(ctx context.Context, root, id string, waitAttach bool) error {
	l, err := LaunchSupervisor(root, id, waitAttach)
	if err != nil {
		return err
	}
	return l.Go()
}

// Launch is a supervisor started ahead of its container. Starting a berth
// process takes milliseconds; launched first, the supervisor starts while
// the container is being created and then waits for Go. One that is never
// told to go (Abort, or this process gone) exits without a word.
type Launch struct {
	ID         string
	WaitAttach bool
	ready      *os.File // the supervisor's one line: "ok" or "CODE MESSAGE"
	goW        *os.File // closed after one byte: go; closed without: give up
	used       bool
}

// LaunchSupervisor starts the supervisor of container id, which need not
// exist yet; it goes on at Go.
func LaunchSupervisor(root, id string, waitAttach bool) (*Launch, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the berth binary: %w", err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer readyW.Close()
	goR, goW, err := os.Pipe()
	if err != nil {
		readyR.Close()
		return nil, err
	}
	defer goR.Close()
	args := []string{"--root", root, SuperviseVerb, id, "--ready-fd", "3", "--go-fd", "4"}
	if waitAttach {
		args = append(args, "--wait-attach")
	}
	cmd := exec.Command(self, args...)
	cmd.Args[0] = "berth"
	cmd.ExtraFiles = []*os.File{readyW, goR}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	// What a supervisor says on its way out (a panic, a goroutine dump on
	// SIGQUIT) has no terminal to go to: it goes to the root's log.
	if logf, err := os.OpenFile(filepath.Join(root, SupervisorLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
		cmd.Stderr = logf
		defer logf.Close()
	}
	if err := cmd.Start(); err != nil {
		readyR.Close()
		goW.Close()
		return nil, fmt.Errorf("starting the supervisor: %w", err)
	}
	// Reap it when it ends so it does not linger as a zombie of this
	// process; it lives on on its own when this process exits first.
	go cmd.Wait()
	return &Launch{ID: id, WaitAttach: waitAttach, ready: readyR, goW: goW}, nil
}

// Go tells the supervisor to start the container and waits for its word
// that the container runs, or why it does not.
func (l *Launch) Go() error {
	if l.used {
		return errors.New("the supervisor was told to go already")
	}
	l.used = true
	defer l.ready.Close()
	// A supervisor that failed before it read this has said why on the
	// ready pipe already; that is read below.
	l.goW.Write([]byte{'g'})
	l.goW.Close()
	line, err := bufio.NewReader(l.ready).ReadString('\n')
	if err != nil {
		return errors.New("the supervisor exited before the container started")
	}
	return ParseReady(strings.TrimSuffix(line, "\n"))
}

// Abort lets a supervisor that was not told to go exit. It does nothing
// after Go.
func (l *Launch) Abort() {
	if !l.used {
		l.used = true
		l.goW.Close()
		l.ready.Close()
	}
}

// Or is a supervise function for an Engine: it uses l for l's container,
// once, and spawn for any other.
func (l *Launch) Or(spawn func(ctx context.Context, id string, waitAttach bool) error) func(ctx context.Context, id string, waitAttach bool) error {
	return func(ctx context.Context, id string, waitAttach bool) error {
		if id == l.ID && waitAttach == l.WaitAttach && !l.used {
			return l.Go()
		}
		return spawn(ctx, id, waitAttach)
	}
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

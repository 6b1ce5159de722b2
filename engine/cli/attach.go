package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/attach"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/supervisor"
)

// startAttached starts a container with its supervisor waiting for this
// process to attach, copies the container's output here (and with stdin,
// this process's input there) until it exits, forwards SIGINT and SIGTERM to
// it as docker's --sig-proxy does, and returns its exit code.
func startAttached(ctx context.Context, e *engine.Engine, ref string, stdin bool) (int, error) {
	return startAttachedTTY(ctx, e, ref, stdin, false)
}

// startAttachedTTY is startAttached for a container that may have a
// terminal: with tty, this process's terminal is put in raw mode and its
// size follows the container's.
func startAttachedTTY(ctx context.Context, e *engine.Engine, ref string, stdin, tty bool) (int, error) {
	id, err := e.Containers.Resolve(ref)
	if err != nil {
		return 0, err
	}
	started := make(chan error, 1)
	go func() { started <- e.Start(ctx, id, true) }()

	sock := filepath.Join(e.Containers.Dir(id), supervisor.AttachSocket)
	var c *attach.Client
	for c == nil {
		select {
		case err := <-started:
			if err != nil {
				return 0, err
			}
			// Started without us: it ran already (a restart raced us); attach anyway.
			started = nil
		case <-time.After(2 * time.Millisecond):
		}
		if cl, err := attach.Dial(sock); err == nil {
			c = cl
		}
	}
	defer c.Close()
	if err := c.WaitReady(); err != nil {
		return 0, err
	}
	if tty {
		defer rawTerminal(c)()
	}
	if stdin {
		go func() {
			io.Copy(c, os.Stdin)
			c.CloseStdin()
		}()
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			e.Kill(context.WithoutCancel(ctx), id, unix.SignalName(sig.(unix.Signal)))
		}
	}()
	code, err := c.Copy(os.Stdout, os.Stderr)
	if started != nil {
		if serr := <-started; serr != nil {
			return 0, serr
		}
	}
	if errors.Is(err, attach.ErrDetached) {
		// The supervisor went away: the recorded state has the exit code.
		return e.Wait(ctx, id)
	}
	return code, err
}

func renameEvent(from, to string) events.Event {
	return events.Event{Type: events.TypeContainer, Action: "rename", ID: to,
		Attributes: map[string]string{"name": to, "oldName": from}}
}

// rawTerminal puts berth's terminal, if stdin is one, in raw mode and keeps
// the container's terminal the same size; it returns the undo.
func rawTerminal(c *attach.Client) func() {
	fd := os.Stdin.Fd()
	if !term.IsTerminal(fd) {
		return func() {}
	}
	st, err := term.MakeRaw(fd)
	if err != nil {
		return func() {}
	}
	resize := func() {
		if w, h, err := term.GetSize(fd); err == nil {
			_ = c.Resize(uint16(w), uint16(h))
		}
	}
	resize()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	go func() {
		for range winch {
			resize()
		}
	}()
	return func() {
		signal.Stop(winch)
		close(winch)
		_ = term.Restore(fd, st)
	}
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/attach"
	"github.com/berth-dev/berth/engine/container"
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
	code, err := streamAttached(ctx, e, id, c, stdin, tty, true, nil)
	if started != nil {
		if serr := <-started; serr != nil {
			return 0, serr
		}
	}
	return code, err
}

// streamAttached copies an attached container's output here and, with
// stdin, this process's input there, until it exits: its exit code. tty puts
// this terminal in raw mode; sigProxy forwards SIGINT and SIGTERM to the
// container; detachKeys, when typed, detach with errEscape and leave the
// container running.
func streamAttached(ctx context.Context, e *engine.Engine, id string, c *attach.Client, stdin, tty, sigProxy bool, detachKeys []byte) (int, error) {
	if tty {
		defer rawTerminal(c)()
	}
	escaped := make(chan struct{})
	if stdin {
		go func() {
			in := io.Reader(os.Stdin)
			if len(detachKeys) > 0 {
				in = &attach.EscapeReader{R: os.Stdin, Keys: detachKeys, Hit: func() { close(escaped); c.Close() }}
			}
			io.Copy(c, in)
			c.CloseStdin()
		}()
	}
	if sigProxy {
		sigs := make(chan os.Signal, 4)
		signal.Notify(sigs, unix.SIGINT, unix.SIGTERM)
		defer signal.Stop(sigs)
		go func() {
			for sig := range sigs {
				e.Kill(context.WithoutCancel(ctx), id, unix.SignalName(sig.(unix.Signal)))
			}
		}()
	}
	code, err := c.Copy(os.Stdout, os.Stderr)
	select {
	case <-escaped:
		return 0, errEscape
	default:
	}
	if errors.Is(err, attach.ErrDetached) {
		// The supervisor went away: the recorded state has the exit code.
		return e.Wait(ctx, id)
	}
	return code, err
}

// errEscape is docker's answer to the detach keys.
var errEscape = errors.New("read escape sequence")

func attachCmd(opts *Options) *cobra.Command {
	var noStdin, sigProxy bool
	var keys string
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] CONTAINER",
		Short: "Attach local standard input, output, and error streams to a running container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			detach, err := attach.ParseDetachKeys(keys)
			if err != nil {
				return &ExitError{Code: 125, Err: err}
			}
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			rec, err := e.Containers.Get(args[0])
			if err != nil {
				return notFound(err)
			}
			if rec.State.Status != container.Running && rec.State.Status != container.Paused {
				return &ExitError{Code: 1, Err: fmt.Errorf("container %s: you cannot attach to a stopped container, start it first", rec.Name)}
			}
			c, err := attach.Dial(filepath.Join(e.Containers.Dir(rec.ID), supervisor.AttachSocket))
			if err != nil {
				return fmt.Errorf("attaching to %s: %w", rec.Name, err)
			}
			defer c.Close()
			if err := c.WaitReady(); err != nil {
				return err
			}
			tty := rec.Config.Tty && term.IsTerminal(os.Stdin.Fd())
			code, err := streamAttached(cmd.Context(), e, rec.ID, c, rec.Config.OpenStdin && !noStdin, tty, sigProxy && !rec.Config.Tty, detach)
			if errors.Is(err, errEscape) {
				return &ExitError{Code: 1, Err: err}
			}
			if err != nil {
				return err
			}
			if code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noStdin, "no-stdin", false, "do not attach STDIN")
	cmd.Flags().BoolVar(&sigProxy, "sig-proxy", true, "proxy all received signals to the process")
	cmd.Flags().StringVar(&keys, "detach-keys", "ctrl-p,ctrl-q", "override the key sequence for detaching a container")
	return cmd
}

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(attachCmd(opts))
		group(root, "container", "Manage containers").AddCommand(attachCmd(opts))
	})
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
	stop := c.FollowSize(int(fd))
	return func() {
		stop()
		_ = term.Restore(fd, st)
	}
}

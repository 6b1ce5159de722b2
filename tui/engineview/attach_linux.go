package engineview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/attach"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/tui"
)

// ErrNotRunning is returned by Attach for a container that is not running.
var ErrNotRunning = errors.New("container not running")

// Attach connects to a running container's standard streams through its
// supervisor's attach socket, as `berth attach` does. The connection is
// made here, so that a container that cannot be attached to is reported
// before the workbench steps aside.
func (b *Backend) Attach(ctx context.Context, id string) (tui.Process, error) {
	rec, err := b.e.Containers.Get(id)
	if err != nil {
		return nil, err
	}
	if rec.State.Status != container.Running && rec.State.Status != container.Paused {
		return nil, fmt.Errorf("%w: %s is %s, start it first", ErrNotRunning, rec.Name, rec.State.Status)
	}
	c, err := attach.Dial(filepath.Join(b.e.Containers.Dir(rec.ID), supervisor.AttachSocket))
	if err != nil {
		return nil, err
	}
	if err := c.WaitReady(); err != nil {
		c.Close()
		return nil, err
	}
	return &attached{c: c, name: rec.Name, tty: rec.Config.Tty, stdin: rec.Config.OpenStdin}, nil
}

// attached is a container's streams copied to and from the terminal until
// the user detaches or the container exits.
type attached struct {
	c     *attach.Client
	name  string
	tty   bool // the container has a terminal of its own
	stdin bool // the container reads its standard input
	in    io.Reader
	out   io.Writer
	err   io.Writer
}

var _ tui.Process = (*attached)(nil)

func (a *attached) SetStdin(r io.Reader)  { a.in = r }
func (a *attached) SetStdout(w io.Writer) { a.out = w }
func (a *attached) SetStderr(w io.Writer) { a.err = w }

// Run copies the streams. It returns nil when the user detached, and an
// error saying how the container ended when it exited.
func (a *attached) Run() error {
	defer a.c.Close()
	restore := a.terminal()
	defer restore()
	what := "its output"
	if a.stdin {
		what = "its input and output"
	}
	fmt.Fprintf(a.out, "attached to %s, %s · ctrl-p ctrl-q detaches\r\n", a.name, what)

	stop, detached, inputDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	f, isFile := a.in.(*os.File)
	go func() {
		defer close(inputDone)
		a.input(f, isFile, stop, detached)
	}()
	code, err := a.c.Copy(a.out, a.err)
	close(stop)
	if isFile {
		// The terminal is the workbench's again once Run returns: the
		// input loop must not read one more key.
		<-inputDone
	}
	select {
	case <-detached:
		return nil
	default:
	}
	if err != nil {
		return fmt.Errorf("%s: %w", a.name, err)
	}
	return fmt.Errorf("%s exited with code %d", a.name, code)
}

// input copies the terminal's input to the container (when it reads its
// input) until the detach keys, the end of input, or stop. On a terminal it
// waits for input at most pollEvery at a time, so that stop is heard.
func (a *attached) input(f *os.File, isFile bool, stop, detached chan struct{}) {
	const pollEvery = 50 // milliseconds
	buf := make([]byte, 4096)
	keys := &attach.EscapeReader{R: a.in, Keys: attach.DefaultDetachKeys, Hit: func() {
		close(detached)
		a.c.Close()
	}}
	for {
		if isFile {
			fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}
			n, err := unix.Poll(fds, pollEvery)
			select {
			case <-stop:
				return
			default:
			}
			if errors.Is(err, unix.EINTR) || (err == nil && n == 0) {
				continue
			}
			if err != nil {
				return
			}
		}
		n, err := keys.Read(buf)
		select {
		case <-detached:
			return
		default:
		}
		if a.stdin && n > 0 {
			if _, werr := a.c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if a.stdin {
				a.c.CloseStdin()
			}
			return
		}
	}
}

// terminal sets the workbench's terminal up for the container and returns
// the undo. Keys go through one at a time, unechoed, and ctrl-c is a key,
// not a signal to berth. A container with a terminal of its own gets a raw
// one sized like this one; for one without, output still turns \n into a
// new line.
func (a *attached) terminal() func() {
	f, ok := a.in.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return func() {}
	}
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	t := *old
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if a.tty {
		t.Oflag &^= unix.OPOST
	}
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return func() {}
	}
	undo := func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }
	if !a.tty {
		return undo
	}
	stop := a.c.FollowSize(fd)
	return func() {
		stop()
		undo()
	}
}

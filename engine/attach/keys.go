package attach

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultDetachKeys end an attachment and leave the container running:
// docker's ctrl-p ctrl-q.
var DefaultDetachKeys = []byte{0x10, 0x11}

// EscapeReader passes input through until the detach keys arrive in a row;
// then it calls Hit and ends. Keys typed that turn out not to be the whole
// sequence are passed on.
type EscapeReader struct {
	R    io.Reader
	Keys []byte
	Hit  func()

	matched int
	done    bool
}

func (e *EscapeReader) Read(p []byte) (int, error) {
	if e.done {
		return 0, io.EOF
	}
	// Room for the keys held back from the last read, which may be passed on now.
	if len(p) <= len(e.Keys) {
		return 0, io.ErrShortBuffer
	}
	buf := make([]byte, len(p)-len(e.Keys))
	n, err := e.R.Read(buf)
	out := p[:0]
	for _, b := range buf[:n] {
		if b == e.Keys[e.matched] {
			e.matched++
			if e.matched == len(e.Keys) {
				e.done = true
				e.Hit()
				return len(out), io.EOF
			}
			continue
		}
		out = append(out, e.Keys[:e.matched]...)
		e.matched = 0
		if b == e.Keys[0] {
			e.matched = 1
			continue
		}
		out = append(out, b)
	}
	if err != nil && e.matched > 0 {
		// The input ended in the middle of what looked like the keys.
		out = append(out, e.Keys[:e.matched]...)
		e.matched = 0
	}
	return len(out), err
}

// ParseDetachKeys reads docker's --detach-keys: comma-separated keys, each a
// letter or ctrl-X (ctrl-@, ctrl-[ and the like too).
func ParseDetachKeys(s string) ([]byte, error) {
	var out []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			out = append(out, k[0])
		case len(k) == 6 && strings.HasPrefix(k, "ctrl-"):
			c := k[5]
			switch {
			case c >= 'a' && c <= 'z':
				out = append(out, c-'a'+1)
			case c >= '@' && c <= '_':
				out = append(out, c-'@')
			default:
				return nil, fmt.Errorf("invalid --detach-keys %q: unknown key %q", s, k)
			}
		default:
			return nil, fmt.Errorf("invalid --detach-keys %q: unknown key %q", s, k)
		}
	}
	return out, nil
}

// FollowSize keeps the container's terminal the size of the terminal fd,
// now and on every SIGWINCH, until the returned stop is called.
func (c *Client) FollowSize(fd int) (stop func()) {
	resize := func() {
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil {
			_ = c.Resize(ws.Col, ws.Row)
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
	}
}

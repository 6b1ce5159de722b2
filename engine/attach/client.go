package attach

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// ErrDetached is returned by Client.Copy when the connection ended before the
// container exited (the supervisor went away, or the client detached).
var ErrDetached = errors.New("detached before the container exited")

// Client is an attached berth process.
type Client struct {
	conn net.Conn
	mu   sync.Mutex
}

// Dial attaches to the supervisor's socket at path and waits until the
// server says output from now on will reach it.
func Dial(path string) (*Client, error) {
	conn, err := dialUnix(path)
	if err != nil {
		return nil, fmt.Errorf("attaching: %w", err)
	}
	c := &Client{conn: conn}
	return c, nil
}

// Copy writes the container's output to stdout and stderr until it exits, and
// returns its exit code. A nil writer drops that stream.
func (c *Client) Copy(stdout, stderr io.Writer) (int, error) {
	buf := make([]byte, 32<<10)
	for {
		stream, p, err := ReadFrame(c.conn, buf)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return 0, ErrDetached
			}
			return 0, fmt.Errorf("reading attached output: %w", err)
		}
		var w io.Writer
		switch stream {
		case Stdout:
			w = stdout
		case Stderr:
			w = stderr
		case Exit:
			if len(p) != 4 {
				return 0, fmt.Errorf("malformed exit frame")
			}
			return int(int32(binary.BigEndian.Uint32(p))), nil
		}
		if w != nil {
			if _, err := w.Write(p); err != nil {
				return 0, err
			}
		}
	}
}

// WaitReady reads up to the server's ready frame; output before it is passed
// to the writers as Copy would.
func (c *Client) WaitReady() error {
	var hdr [8]byte
	if _, err := io.ReadFull(c.conn, hdr[:]); err != nil {
		return fmt.Errorf("attaching: %w", err)
	}
	switch hdr[0] {
	case Ready:
		return nil
	case Exit:
		// The container has exited already: put the frame back for Copy.
		rest := make([]byte, binary.BigEndian.Uint32(hdr[4:8]))
		io.ReadFull(c.conn, rest)
		c.conn = &prefixConn{Conn: c.conn, r: io.MultiReader(bytes.NewReader(append(hdr[:], rest...)), c.conn)}
		return nil
	}
	return fmt.Errorf("attaching: unexpected frame %d", hdr[0])
}

// Write sends input to the container's stdin.
func (c *Client) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := WriteFrame(c.conn, Stdin, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseStdin says there is no more input.
func (c *Client) CloseStdin() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return WriteFrame(c.conn, CloseStdin, nil)
}

// Resize tells the container's terminal its new size.
func (c *Client) Resize(width, height uint16) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return WriteFrame(c.conn, Resize, resizePayload(width, height))
}

// Close detaches.
func (c *Client) Close() error { return c.conn.Close() }

type prefixConn struct {
	net.Conn
	r io.Reader
}

func (p *prefixConn) Read(b []byte) (int, error) { return p.r.Read(b) }

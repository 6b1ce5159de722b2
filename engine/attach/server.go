package attach

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
)

// Server is the supervisor's side: it fans the container's output out to
// every attached client and gathers their input.
type Server struct {
	ln   net.Listener
	path string

	mu      sync.Mutex
	clients map[*client]struct{}
	exited  bool
	code    int
	// attached is closed when the first client attaches.
	attached     chan struct{}
	attachedOnce sync.Once

	// Input receives what clients send to stdin; the supervisor copies it to
	// the container. It is closed by CloseStdin from any client when the
	// server was made with closeOnEOF.
	input      *io.PipeWriter
	inputR     *io.PipeReader
	closeOnEOF bool
	// OnResize, when set, is called with each terminal size a client sends.
	OnResize func(width, height uint16)
}

type client struct {
	conn net.Conn
	mu   sync.Mutex // serialises writes
}

// Listen makes the server's socket at path (replacing a stale one). With
// closeOnEOF, a client's end of input closes the container's stdin, as
// `docker run -i` does when its stdin ends.
func Listen(path string, closeOnEOF bool) (*Server, error) {
	os.Remove(path)
	ln, err := listenUnix(path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	r, w := io.Pipe()
	s := &Server{ln: ln, path: path, clients: map[*client]struct{}{}, attached: make(chan struct{}),
		input: w, inputR: r, closeOnEOF: closeOnEOF}
	go s.accept()
	return s, nil
}

// Stdin is what clients type, for the supervisor to copy into the container.
func (s *Server) Stdin() io.Reader { return s.inputR }

// Attached is closed once a first client has attached.
func (s *Server) Attached() <-chan struct{} { return s.attached }

// Writer returns an io.Writer that sends to every client on the given stream.
func (s *Server) Writer(stream byte) io.Writer { return streamWriter{s, stream} }

type streamWriter struct {
	s      *Server
	stream byte
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.s.broadcast(w.stream, p)
	return len(p), nil
}

func (s *Server) broadcast(stream byte, p []byte) {
	s.mu.Lock()
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		c.mu.Lock()
		err := WriteFrame(c.conn, stream, p)
		c.mu.Unlock()
		if err != nil {
			s.drop(c)
		}
	}
}

// Exit tells every client the container's exit code and closes the server;
// clients attaching later get the code at once.
func (s *Server) Exit(code int) {
	s.mu.Lock()
	s.exited, s.code = true, code
	s.mu.Unlock()
	s.broadcast(Exit, exitPayload(code))
	s.Close()
}

// Close stops accepting clients and disconnects them.
func (s *Server) Close() error {
	err := s.ln.Close()
	os.Remove(s.path)
	s.mu.Lock()
	for c := range s.clients {
		c.conn.Close()
	}
	s.clients = map[*client]struct{}{}
	s.mu.Unlock()
	s.input.Close()
	return err
}

func (s *Server) accept() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := &client{conn: conn}
		s.mu.Lock()
		if s.exited {
			code := s.code
			s.mu.Unlock()
			WriteFrame(conn, Exit, exitPayload(code))
			conn.Close()
			continue
		}
		s.clients[c] = struct{}{}
		s.mu.Unlock()
		c.mu.Lock()
		WriteFrame(conn, Ready, nil)
		c.mu.Unlock()
		s.attachedOnce.Do(func() { close(s.attached) })
		go s.read(c)
	}
}

// read takes a client's input frames until it goes away.
func (s *Server) read(c *client) {
	defer s.drop(c)
	buf := make([]byte, 32<<10)
	for {
		stream, p, err := ReadFrame(c.conn, buf)
		if err != nil {
			return
		}
		switch stream {
		case Stdin:
			if _, err := s.input.Write(p); err != nil && !errors.Is(err, io.ErrClosedPipe) {
				return
			}
		case CloseStdin:
			if s.closeOnEOF {
				s.input.Close()
			}
		case Resize:
			if len(p) == 4 && s.OnResize != nil {
				s.OnResize(uint16(p[0])<<8|uint16(p[1]), uint16(p[2])<<8|uint16(p[3]))
			}
		}
	}
}

func (s *Server) drop(c *client) {
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
	c.conn.Close()
}

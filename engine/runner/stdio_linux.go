package runner

import (
	"io"
	"os"
	"sync"
)

// Stdio is what a container's process gets as its standard streams. A nil
// stream is /dev/null; an *os.File is passed as it is; any other reader or
// writer is copied through a pipe. With a terminal (process.terminal) the
// streams are ignored and the process gets the container's pty instead.
type Stdio struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// childStdio is a process's three streams as files, with what the parent
// closes once the child has them and a wait for the copying to end.
type childStdio struct {
	files  [3]*os.File
	parent []*os.File // the child's ends, closed in the parent after start
	copies sync.WaitGroup
	closed []*os.File // the parent's ends, closed when copying ends
}

func openStdio(s Stdio, terminal bool) (*childStdio, error) {
	c := &childStdio{}
	if terminal {
		s = Stdio{}
	}
	null := func() (*os.File, error) {
		f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err == nil {
			c.parent = append(c.parent, f)
		}
		return f, err
	}
	var err error
	switch r := s.Stdin.(type) {
	case nil:
		c.files[0], err = null()
	case *os.File:
		c.files[0] = r
	default:
		pr, pw, perr := os.Pipe()
		if perr != nil {
			return nil, perr
		}
		c.files[0] = pr
		c.parent = append(c.parent, pr)
		go func() {
			_, _ = io.Copy(pw, r)
			pw.Close()
		}()
	}
	if err != nil {
		return nil, err
	}
	for i, w := range []io.Writer{s.Stdout, s.Stderr} {
		if i == 1 && sameWriter(s.Stdout, s.Stderr) && c.files[1] != nil {
			// One writer for both: one pipe, so that the order of lines
			// is kept and the writer is never written from two copies.
			c.files[2] = c.files[1]
			continue
		}
		switch w := w.(type) {
		case nil:
			c.files[i+1], err = null()
		case *os.File:
			c.files[i+1] = w
		default:
			pr, pw, perr := os.Pipe()
			if perr != nil {
				c.release()
				return nil, perr
			}
			c.files[i+1] = pw
			c.parent = append(c.parent, pw)
			c.copies.Add(1)
			go func() {
				defer c.copies.Done()
				_, _ = io.Copy(w, pr)
				pr.Close()
			}()
		}
		if err != nil {
			c.release()
			return nil, err
		}
	}
	return c, nil
}

// release closes the child's ends in the parent, once the child holds them.
func (c *childStdio) release() {
	for _, f := range c.parent {
		f.Close()
	}
	c.parent = nil
}

// wait returns once the child's output has been copied out.
func (c *childStdio) wait() { c.copies.Wait() }

// sameWriter reports whether a and b are the same writer.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false // writers of an incomparable type
		}
	}()
	return a != nil && a == b
}

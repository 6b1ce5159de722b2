// Package logs keeps a container's output: one JSON record per line with its
// stream and time, in docker's json-file shape, capped in size and rotated,
// readable (tail, since, until, follow) by any number of processes while the
// container's supervisor writes it.
package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// maxLine is the longest line kept as one record; longer output is cut into
// partial records of this size, as docker does at 16 KiB.
const maxLine = 16 << 10

// Record is one line of a container's log as stored on disk.
type Record struct {
	// Log is the line's text, with its newline unless Partial.
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// Rotation says how large a log may grow and how many old files are kept.
type Rotation struct {
	MaxSize  int64 // bytes; 0 means no cap
	MaxFiles int   // files in all, the current one included; at least 1
}

// DefaultRotation caps a container's log at 10 MiB a file and three files.
var DefaultRotation = Rotation{MaxSize: 10 << 20, MaxFiles: 3}

// Writer appends records to a container's log. Each record is written with a
// single write to a file opened O_APPEND, so nothing written is lost when the
// writing process is killed, and readers never see half a record.
type Writer struct {
	mu   sync.Mutex
	path string
	rot  Rotation
	file *os.File
	size int64
	now  func() time.Time
}

// NewWriter opens (or creates) the log at path for appending.
func NewWriter(path string, rot Rotation) (*Writer, error) {
	if rot.MaxFiles < 1 {
		rot.MaxFiles = 1
	}
	w := &Writer{path: path, rot: rot, now: time.Now}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("opening log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening log: %w", err)
	}
	w.file, w.size = f, fi.Size()
	return nil
}

// Stream returns a writer for one stream ("stdout" or "stderr") that turns
// what it is given into line records. Close it to flush a last partial line.
func (w *Writer) Stream(name string) io.WriteCloser {
	return &streamWriter{w: w, name: name}
}

// Close closes the log file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.file.Close()
}

// write stores one record.
func (w *Writer) write(stream string, line []byte) error {
	rec, err := json.Marshal(Record{Log: string(line), Stream: stream, Time: w.now().UTC()})
	if err != nil {
		return err
	}
	rec = append(rec, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rot.MaxSize > 0 && w.size > 0 && w.size+int64(len(rec)) > w.rot.MaxSize {
		if err := w.rotate(); err != nil {
			return err
		}
	}
	n, err := w.file.Write(rec)
	w.size += int64(n)
	if err != nil {
		return fmt.Errorf("writing log: %w", err)
	}
	return nil
}

// rotate shifts path.N-1 to path.N ... path to path.1 and starts a new file.
func (w *Writer) rotate() error {
	if w.rot.MaxFiles == 1 {
		if err := w.file.Truncate(0); err != nil {
			return fmt.Errorf("rotating log: %w", err)
		}
		w.size = 0
		return nil
	}
	for i := w.rot.MaxFiles - 1; i >= 1; i-- {
		from := w.path
		if i > 1 {
			from = fmt.Sprintf("%s.%d", w.path, i-1)
		}
		if err := os.Rename(from, fmt.Sprintf("%s.%d", w.path, i)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("rotating log: %w", err)
		}
	}
	w.file.Close()
	return w.open()
}

// streamWriter splits one stream's bytes into line records.
type streamWriter struct {
	w       *Writer
	name    string
	pending []byte
}

func (s *streamWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.pending = append(s.pending, p...)
			for len(s.pending) >= maxLine {
				if err := s.w.write(s.name, s.pending[:maxLine]); err != nil {
					return 0, err
				}
				s.pending = append(s.pending[:0], s.pending[maxLine:]...)
			}
			return n, nil
		}
		line := p[:i+1]
		if len(s.pending) > 0 {
			line = append(s.pending, line...)
			s.pending = s.pending[:0]
		}
		for len(line) > maxLine {
			if err := s.w.write(s.name, line[:maxLine]); err != nil {
				return 0, err
			}
			line = line[maxLine:]
		}
		if err := s.w.write(s.name, line); err != nil {
			return 0, err
		}
		p = p[i+1:]
	}
	return n, nil
}

// Close writes what is left of a last line without its newline.
func (s *streamWriter) Close() error {
	if len(s.pending) == 0 {
		return nil
	}
	err := s.w.write(s.name, s.pending)
	s.pending = nil
	return err
}

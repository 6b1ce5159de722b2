package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/berth-dev/berth/engine/tail"
	"golang.org/x/sys/unix"
)

// maxSize is the journal size past which an append starts a new file and keeps
// the previous one as <name>.1: the journal keeps between one and two files'
// worth of history.
const maxSize = 8 << 20

// Journal is the append-only event file under the berth root.
type Journal struct {
	path string
}

// Open returns the journal at path, creating its directory if needed.
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("opening event journal: %w", err)
	}
	return &Journal{path: path}, nil
}

// Path returns the journal's file name.
func (j *Journal) Path() string { return j.path }

// Append writes events to the journal. An event without a time is stamped now.
func (j *Journal) Append(evs ...Event) error {
	var buf bytes.Buffer
	for _, e := range evs {
		if e.Time.IsZero() {
			e.Time = time.Now()
		}
		e.Time = e.Time.UTC()
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encoding %s %s event: %w", e.Type, e.Action, err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("appending to event journal: %w", err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("locking event journal: %w", err)
	}
	if err := j.rotate(f); err != nil {
		return err
	}
	// Rotation may have renamed the file under f: append to the current one.
	cur, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("appending to event journal: %w", err)
	}
	defer cur.Close()
	if _, err := cur.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("appending to event journal: %w", err)
	}
	return nil
}

// rotate moves a full journal aside, while the caller holds the lock on it.
func (j *Journal) rotate(locked *os.File) error {
	fi, err := locked.Stat()
	if err != nil || fi.Size() < maxSize {
		return err
	}
	cur, err := os.Stat(j.path)
	if err != nil || !os.SameFile(fi, cur) {
		return nil // another process rotated it already
	}
	if err := os.Rename(j.path, j.path+".1"); err != nil {
		return fmt.Errorf("rotating event journal: %w", err)
	}
	return nil
}

// Read returns the events recorded between since and until (zero values mean
// unbounded) that pass the filter, oldest first.
func (j *Journal) Read(since, until time.Time, f Filter) ([]Event, error) {
	var out []Event
	for _, p := range []string{j.path + ".1", j.path} {
		file, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading event journal: %w", err)
		}
		err = scan(file, func(e Event) {
			if inWindow(e, since, until) && f.Match(e) {
				out = append(out, e)
			}
		})
		file.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func inWindow(e Event, since, until time.Time) bool {
	return (since.IsZero() || !e.Time.Before(since)) && (until.IsZero() || !e.Time.After(until))
}

// scan calls fn for every complete, well-formed line of r.
func scan(r io.Reader, fn func(Event)) error {
	_, err := tail.Lines(r, func(line []byte) error {
		var e Event
		if json.Unmarshal(line, &e) == nil {
			fn(e)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading event journal: %w", err)
	}
	return nil
}

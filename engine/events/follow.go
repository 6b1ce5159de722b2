package events

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// backstop is how often a follower looks at the journal when no file-change
// notification came: it covers filesystems where inotify says nothing.
const backstop = time.Second

// Follow sends the events since the given time that pass the filter, then every
// new one as it is appended, until ctx is done; then it closes the channel.
// Errors past the start end the stream; the returned error covers only setting up.
func (j *Journal) Follow(ctx context.Context, since time.Time, f Filter) (<-chan Event, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("following event journal: %w", err)
	}
	if err := w.Add(filepath.Dir(j.path)); err != nil {
		w.Close()
		return nil, fmt.Errorf("following event journal: %w", err)
	}
	// Read the history before returning, so that an event appended after Follow
	// returns is never missed and none is sent twice.
	var history []Event
	if !since.IsZero() {
		if history, err = j.Read(since, time.Time{}, f); err != nil {
			w.Close()
			return nil, err
		}
	}
	fl := &follower{j: j, filter: f}
	if err := fl.open(true); err != nil {
		w.Close()
		return nil, err
	}
	ch := make(chan Event, 64)
	go func() {
		defer close(ch)
		defer w.Close()
		defer fl.close()
		for _, e := range history {
			select {
			case ch <- e:
			case <-ctx.Done():
				return
			}
		}
		tick := time.NewTicker(backstop)
		defer tick.Stop()
		for {
			if err := fl.drain(ctx, ch); err != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-w.Events:
			case <-w.Errors:
			case <-tick.C:
			}
		}
	}()
	return ch, nil
}

// follower reads a journal file from where it left off, switching to the new
// file when the journal is rotated.
type follower struct {
	j      *Journal
	filter Filter
	file   *os.File
	pos    int64
}

// open opens the current journal file; atEnd starts past what it holds now.
func (fl *follower) open(atEnd bool) error {
	f, err := os.OpenFile(fl.j.path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("following event journal: %w", err)
	}
	fl.file, fl.pos = f, 0
	if atEnd {
		// Resume after the last complete line only.
		n, err := scan(f, func(Event) {})
		if err != nil {
			f.Close()
			return err
		}
		fl.pos = n
	}
	return nil
}

func (fl *follower) close() {
	if fl.file != nil {
		fl.file.Close()
	}
}

// drain sends every complete new line; when the journal was rotated it
// finishes the old file and continues at the start of the new one.
func (fl *follower) drain(ctx context.Context, ch chan<- Event) error {
	for {
		if err := fl.readNew(ctx, ch); err != nil {
			return err
		}
		cur, err := os.Stat(fl.j.path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		mine, err := fl.file.Stat()
		if err != nil {
			return err
		}
		if os.SameFile(cur, mine) {
			return nil
		}
		fl.file.Close()
		if err := fl.open(false); err != nil {
			return err
		}
	}
}

func (fl *follower) readNew(ctx context.Context, ch chan<- Event) error {
	if _, err := fl.file.Seek(fl.pos, 0); err != nil {
		return err
	}
	var sendErr error
	n, err := scan(fl.file, func(e Event) {
		if sendErr != nil || !fl.filter.Match(e) {
			return
		}
		select {
		case ch <- e:
		case <-ctx.Done():
			sendErr = ctx.Err()
		}
	})
	fl.pos += n
	if sendErr != nil {
		return sendErr
	}
	return err
}

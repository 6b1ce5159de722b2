package logs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine/tail"
)

// Entry is one line of output as a reader sees it.
type Entry struct {
	Time   time.Time
	Stream string
	// Line is the text without its newline.
	Line string
	// Partial is set when the line was cut (over 16 KiB) or the output ended
	// without a newline.
	Partial bool
}

// ReadOptions select what Read returns, as `docker logs` does.
type ReadOptions struct {
	Since, Until time.Time // zero values are unbounded
	Tail         int       // the last Tail lines only; negative means all
	Follow       bool      // go on with new lines until ctx is done
	Streams      []string  // empty means every stream
}

// Read calls fn for the log's lines selected by opts, oldest first, reading
// the rotated files before the current one. With Follow it then waits for new
// lines until ctx is done or fn returns an error.
func Read(ctx context.Context, path string, opts ReadOptions, fn func(Entry) error) error {
	var fl *tail.Follower
	var limit int64 = -1
	if opts.Follow {
		var err error
		// Open the follower first and read the current file only up to where
		// the follower starts, so that no line is missed or sent twice.
		if fl, err = tail.Open(path, false); err != nil {
			return err
		}
		defer fl.Close()
		limit = fl.Offset()
	}
	want := func(e Entry) bool {
		if len(opts.Streams) > 0 && !contains(opts.Streams, e.Stream) {
			return false
		}
		return (opts.Since.IsZero() || !e.Time.Before(opts.Since)) && (opts.Until.IsZero() || !e.Time.After(opts.Until))
	}
	var history []Entry
	keep := func(e Entry) {
		history = append(history, e)
		if opts.Tail >= 0 && len(history) > opts.Tail {
			history = history[1:]
		}
	}
	for _, p := range files(path) {
		lim := int64(-1)
		if p == path {
			lim = limit
		}
		if err := readFile(p, lim, func(e Entry) {
			if want(e) {
				keep(e)
			}
		}); err != nil {
			return err
		}
	}
	for _, e := range history {
		if err := fn(e); err != nil {
			return err
		}
	}
	if fl == nil {
		return nil
	}
	return fl.Run(ctx, func(line []byte) error {
		e, ok := decode(line)
		if !ok || !want(e) {
			return nil
		}
		if !opts.Until.IsZero() && e.Time.After(opts.Until) {
			return errUntil
		}
		return fn(e)
	})
}

// errUntil ends a follow once lines pass the --until time.
var errUntil = errors.New("past the until time")

// files lists the log's files, oldest first.
func files(path string) []string {
	var out []string
	for i := 1; ; i++ {
		if _, err := os.Stat(fmt.Sprintf("%s.%d", path, i)); err != nil {
			break
		}
		out = append([]string{fmt.Sprintf("%s.%d", path, i)}, out...)
	}
	return append(out, path)
}

func readFile(path string, limit int64, fn func(Entry)) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading log: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if limit >= 0 {
		r = io.LimitReader(f, limit)
	}
	_, err = tail.Lines(r, func(line []byte) error {
		if e, ok := decode(line); ok {
			fn(e)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading log %s: %w", path, err)
	}
	return nil
}

func decode(line []byte) (Entry, bool) {
	var r Record
	if json.Unmarshal(line, &r) != nil {
		return Entry{}, false
	}
	text, complete := strings.CutSuffix(r.Log, "\n")
	return Entry{Time: r.Time, Stream: r.Stream, Line: text, Partial: !complete}, true
}

func contains(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// Package tail follows a file of newline-terminated records that one or more
// writers append to and rotate by renaming (the journal of events, a
// container's log), the way `tail -F` does: it reads complete lines only,
// resumes after the last one it read, and when the file is renamed away it
// finishes the old file before it starts on the new one.
package tail

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// backstop is how often a follower looks at the file when no change
// notification came: it covers filesystems where inotify says nothing.
const backstop = time.Second

// Lines calls fn for every complete line of r (without its newline) and
// returns the bytes those lines took, so a reader can resume right after the
// last whole line; a trailing line without its newline is not yet written.
// The slice passed to fn is only valid during the call.
func Lines(r io.Reader, fn func(line []byte) error) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var n int64
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: copy what the buffer holds
			// before reading on overwrites it, then gather the rest.
			head := append([]byte(nil), line...)
			var rest []byte
			rest, err = br.ReadBytes('\n')
			line = append(head, rest...)
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			n += int64(len(line))
			if ferr := fn(line[:len(line)-1]); ferr != nil {
				return n, ferr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Follower reads new lines of a file as they are appended.
type Follower struct {
	path    string
	file    *os.File
	pos     int64
	watcher *fsnotify.Watcher
}

// Open starts following path. With fromStart it first yields what the file
// holds already; otherwise it begins after the last complete line now there.
// A missing file is created empty.
func Open(path string, fromStart bool) (*Follower, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("following %s: %w", path, err)
	}
	// Watch the directory: rotation renames the file and creates a new one.
	if err := w.Add(filepath.Dir(path)); err != nil {
		w.Close()
		return nil, fmt.Errorf("following %s: %w", path, err)
	}
	f := &Follower{path: path, watcher: w}
	if err := f.open(!fromStart); err != nil {
		w.Close()
		return nil, err
	}
	return f, nil
}

// Offset is how far into the file the follower has read: when it was opened
// at the end, the size of the complete lines the file held then.
func (f *Follower) Offset() int64 { return f.pos }

// Close stops following.
func (f *Follower) Close() error {
	f.watcher.Close()
	if f.file != nil {
		return f.file.Close()
	}
	return nil
}

// Run calls fn for each new line until ctx is done or fn returns an error,
// and returns that error (nil when ctx ended it).
func (f *Follower) Run(ctx context.Context, fn func(line []byte) error) error {
	tick := time.NewTicker(backstop)
	defer tick.Stop()
	for {
		if err := f.Drain(fn); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-f.watcher.Events:
		case <-f.watcher.Errors:
		case <-tick.C:
		}
	}
}

// Drain calls fn for every complete line appended since the last call. When
// the file was rotated (renamed to path.1, path.1 to path.2, and so on) it
// finishes the old file, reads whole every rotated file newer than it, and
// goes on with the new one, so that rotations between two calls lose nothing
// as long as the old files are still kept.
func (f *Follower) Drain(fn func(line []byte) error) error {
	for {
		if err := f.readOn(fn); err != nil {
			return err
		}
		cur, err := os.Stat(f.path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		mine, err := f.file.Stat()
		if err != nil {
			return err
		}
		if os.SameFile(cur, mine) {
			return nil
		}
		for _, newer := range f.newerRotated(mine) {
			f.file.Close()
			f.file, f.pos = newer, 0
			if err := f.readOn(fn); err != nil {
				return err
			}
		}
		f.file.Close()
		if err := f.open(false); err != nil {
			return err
		}
	}
}

// readOn reads the complete lines of the open file past f.pos.
func (f *Follower) readOn(fn func(line []byte) error) error {
	if _, err := f.file.Seek(f.pos, io.SeekStart); err != nil {
		return err
	}
	n, err := Lines(f.file, fn)
	f.pos += n
	return err
}

// newerRotated opens the rotated files (path.1, path.2, ...) that came after
// the one described by mine, oldest first. When mine is no longer among them
// all of them are newer.
func (f *Follower) newerRotated(mine os.FileInfo) []*os.File {
	var newer []*os.File // newest first while collecting
	for i := 1; ; i++ {
		file, err := os.Open(fmt.Sprintf("%s.%d", f.path, i))
		if err != nil {
			break
		}
		fi, err := file.Stat()
		if err != nil || os.SameFile(fi, mine) {
			file.Close()
			break
		}
		newer = append(newer, file)
	}
	for i, j := 0, len(newer)-1; i < j; i, j = i+1, j-1 {
		newer[i], newer[j] = newer[j], newer[i]
	}
	return newer
}

// open opens the current file; atEnd starts past the complete lines it holds.
func (f *Follower) open(atEnd bool) error {
	file, err := os.OpenFile(f.path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("following %s: %w", f.path, err)
	}
	f.file, f.pos = file, 0
	if atEnd {
		n, err := Lines(file, func([]byte) error { return nil })
		if err != nil {
			file.Close()
			return fmt.Errorf("following %s: %w", f.path, err)
		}
		f.pos = n
	}
	return nil
}

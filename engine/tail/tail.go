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
// and returns that error (nil when ctx ended it). When ctx ends it reads once
// more, so that lines written before the end are not lost.
func (f *Follower) Run(ctx context.Context, fn func(line []byte) error) error {
	tick := time.NewTicker(backstop)
	defer tick.Stop()
	for {
		if err := f.Drain(fn); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return f.Drain(fn)
		case <-f.watcher.Events:
		case <-f.watcher.Errors:
		case <-tick.C:
		}
	}
}

// Drain calls fn for every complete line appended since the last call. When
// the file was rotated (renamed to path.1, path.1 to path.2, and so on) it
// finishes the old file, then goes through each newer file in turn up to the
// current one, so that rotations between two calls lose nothing as long as the
// rotated files are still kept.
func (f *Follower) Drain(fn func(line []byte) error) error {
	for {
		if err := f.readOn(fn); err != nil {
			return err
		}
		next, err := f.successor()
		if err != nil || next == nil {
			return err
		}
		// The file was rotated after we reached its end: the writer may have
		// added lines before it moved on. A rotated file is complete, so one
		// more read finishes it.
		if err := f.readOn(fn); err != nil {
			next.Close()
			return err
		}
		f.file.Close()
		f.file, f.pos = next, 0
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

// successor opens the file that came right after the one being read: nil
// when that one is still the current file.
func (f *Follower) successor() (*os.File, error) {
	mine, err := f.file.Stat()
	if err != nil {
		return nil, err
	}
	chain, err := f.stableChain()
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range chain {
			if c != nil {
				c.Close()
			}
		}
	}()
	if len(chain) == 0 {
		return nil, nil // the file is gone; keep what we have
	}
	at := -1
	for i, c := range chain {
		if fi, err := c.Stat(); err == nil && os.SameFile(fi, mine) {
			at = i
		}
	}
	if at == len(chain)-1 {
		return nil, nil
	}
	// When ours was rotated out of the chain altogether, the oldest file kept
	// is the next one that can still be read.
	next := chain[at+1]
	chain[at+1] = nil
	return next, nil
}

// stableChain opens the rotated files and the current one, oldest first. A
// rotation renames the files one by one, so a listing taken while it runs may
// be off: it lists until two listings in a row name the same files.
func (f *Follower) stableChain() ([]*os.File, error) {
	var prev []*os.File
	for try := 0; try < 50; try++ {
		cur := f.listChain()
		if sameFiles(prev, cur) {
			closeAll(prev)
			return cur, nil
		}
		closeAll(prev)
		prev = cur
	}
	return prev, nil
}

func (f *Follower) listChain() []*os.File {
	var newestFirst []*os.File
	if c, err := os.Open(f.path); err == nil {
		newestFirst = append(newestFirst, c)
	}
	// A rotation in progress leaves one name free for a moment: look past a
	// gap, and stop after three names in a row are missing.
	for i, missing := 1, 0; missing < 3; i++ {
		c, err := os.Open(fmt.Sprintf("%s.%d", f.path, i))
		if err != nil {
			missing++
			continue
		}
		missing = 0
		newestFirst = append(newestFirst, c)
	}
	for i, j := 0, len(newestFirst)-1; i < j; i, j = i+1, j-1 {
		newestFirst[i], newestFirst[j] = newestFirst[j], newestFirst[i]
	}
	return newestFirst
}

func sameFiles(a, b []*os.File) bool {
	if a == nil || len(a) != len(b) {
		return false
	}
	for i := range a {
		fa, err1 := a[i].Stat()
		fb, err2 := b[i].Stat()
		if err1 != nil || err2 != nil || !os.SameFile(fa, fb) {
			return false
		}
	}
	return true
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
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

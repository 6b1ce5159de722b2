package devloop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"golang.org/x/sys/unix"
)

// DefaultDebounce is how long the watcher waits after the last change of a
// burst before it hands the burst over: short enough to be unnoticed,
// long enough that an editor's save (write a temp file, rename it over)
// or a checkout arrives as one batch.
const DefaultDebounce = 50 * time.Millisecond

// Batch is a burst of changes: the context paths (absolute) that changed,
// were created or were removed, and when the first of them was seen.
type Batch struct {
	Paths []string
	Seen  time.Time
}

// Watcher watches a directory tree and delivers batches of changes.
type Watcher struct {
	dir      string
	ignore   *patternmatcher.PatternMatcher
	fs       *fsnotify.Watcher
	debounce time.Duration
	batches  chan Batch
	errs     chan error
}

// ErrWatchLimit is wrapped when the kernel's inotify limits are reached.
var ErrWatchLimit = errors.New("inotify watch limit reached: raise it with `sysctl fs.inotify.max_user_watches=524288` (and fs.inotify.max_user_instances)")

// Watch starts watching dir recursively; .dockerignore in dir is honoured.
// Batches arrive on Batches until ctx ends.
func Watch(ctx context.Context, dir string, debounce time.Duration) (*Watcher, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	w := &Watcher{dir: dir, debounce: debounce, batches: make(chan Batch, 16), errs: make(chan error, 16)}
	if f, err := os.Open(filepath.Join(dir, ".dockerignore")); err == nil {
		pats, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("reading .dockerignore: %w", err)
		}
		if w.ignore, err = patternmatcher.New(pats); err != nil {
			return nil, fmt.Errorf("reading .dockerignore: %w", err)
		}
	}
	if w.fs, err = fsnotify.NewWatcher(); err != nil {
		return nil, watchErr(err)
	}
	if err := w.addTree(dir); err != nil {
		w.fs.Close()
		return nil, err
	}
	go w.loop(ctx)
	return w, nil
}

// Batches delivers the bursts of changes.
func (w *Watcher) Batches() <-chan Batch { return w.batches }

// Errors delivers problems that do not stop the watcher.
func (w *Watcher) Errors() <-chan error { return w.errs }

func watchErr(err error) error {
	if errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EMFILE) {
		return fmt.Errorf("watching: %w", ErrWatchLimit)
	}
	return fmt.Errorf("watching: %w", err)
}

// addTree watches dir and every directory below it that is not ignored.
func (w *Watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone meanwhile
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != w.dir && w.ignored(p) {
			return filepath.SkipDir
		}
		if err := w.fs.Add(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return watchErr(err)
		}
		return nil
	})
}

// ignored reports whether p is excluded by .dockerignore or is an editor's
// scratch file.
func (w *Watcher) ignored(p string) bool {
	base := filepath.Base(p)
	if scratch(base) {
		return true
	}
	if w.ignore == nil {
		return false
	}
	rel, err := filepath.Rel(w.dir, p)
	if err != nil {
		return true
	}
	ok, _ := w.ignore.MatchesOrParentMatches(filepath.ToSlash(rel))
	return ok
}

// scratch recognises editors' temporary and backup files.
func scratch(base string) bool {
	switch {
	case base == "4913", base == ".DS_Store", strings.HasPrefix(base, ".#"),
		strings.HasSuffix(base, "~"), strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swx"),
		strings.HasSuffix(base, ".swpx"), strings.HasSuffix(base, ".tmp"),
		strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"),
		strings.HasPrefix(base, ".goutputstream-"), strings.HasPrefix(base, ".sb-"):
		return true
	}
	return false
}

// loop gathers events into batches: a batch is handed over once no event
// has come for the debounce interval.
func (w *Watcher) loop(ctx context.Context) {
	defer w.fs.Close()
	pending := map[string]bool{}
	var first time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if w.ignored(ev.Name) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					if err := w.addTree(ev.Name); err != nil {
						w.report(err)
					}
					// Files made in it before the watch began count too.
					_ = filepath.WalkDir(ev.Name, func(p string, d fs.DirEntry, err error) error {
						if err == nil && !d.IsDir() && !w.ignored(p) {
							pending[p] = true
						}
						return nil
					})
				}
			}
			if ev.Has(fsnotify.Chmod) && !ev.Has(fsnotify.Write) {
				continue // an atime or mode touch is no change of content
			}
			if len(pending) == 0 {
				first = time.Now()
			}
			pending[ev.Name] = true
			timer.Reset(w.debounce)
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			w.report(watchErr(err))
		case <-timer.C:
			if len(pending) == 0 {
				continue
			}
			b := Batch{Seen: first}
			for p := range pending {
				b.Paths = append(b.Paths, p)
			}
			sort.Strings(b.Paths)
			pending = map[string]bool{}
			select {
			case w.batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (w *Watcher) report(err error) {
	select {
	case w.errs <- err:
	default:
	}
}

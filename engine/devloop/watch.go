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
const DefaultDebounce = 25 * time.Millisecond

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
	fs       *fsnotify.Watcher // nil when polling
	debounce time.Duration
	poll     time.Duration
	batches  chan Batch
	errs     chan error
	// Polling is set when the watcher scans the tree instead of using
	// inotify, because the kernel's limits were reached or it was asked to.
	Polling bool
}

// Options tune a Watcher.
type Options struct {
	// Debounce is the quiet time that ends a burst (DefaultDebounce if 0).
	Debounce time.Duration
	// Poll makes the watcher scan the tree every PollInterval instead of
	// using inotify; it does so by itself when inotify's limits are reached.
	Poll         bool
	PollInterval time.Duration
}

// DefaultPollInterval is how often a polling watcher scans the tree.
const DefaultPollInterval = 500 * time.Millisecond

// ErrWatchLimit is wrapped when the kernel's inotify limits are reached.
var ErrWatchLimit = errors.New("inotify watch limit reached: raise it with `sysctl fs.inotify.max_user_watches=524288` (and fs.inotify.max_user_instances)")

// Watch starts watching dir recursively; .dockerignore in dir is honoured.
// Batches arrive on Batches until ctx ends. When inotify's limits are
// reached, the watcher says so on Errors (with the fix) and polls instead.
func Watch(ctx context.Context, dir string, o Options) (*Watcher, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	w := &Watcher{dir: dir, debounce: o.Debounce, poll: o.PollInterval, batches: make(chan Batch, 16), errs: make(chan error, 16)}
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
	if !o.Poll {
		err := w.startInotify()
		switch {
		case err == nil:
			go w.loop(ctx)
			return w, nil
		case !errors.Is(err, ErrWatchLimit):
			return nil, err
		}
		w.report(fmt.Errorf("%w; polling every %s meanwhile", err, w.poll))
	}
	w.Polling = true
	go w.pollLoop(ctx, w.scan())
	return w, nil
}

func (w *Watcher) startInotify() error {
	var err error
	if w.fs, err = fsnotify.NewWatcher(); err != nil {
		return watchErr(err)
	}
	if err := w.addTree(w.dir); err != nil {
		w.fs.Close()
		w.fs = nil
		return err
	}
	return nil
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
	// pending maps each changed path to whether it was created in this
	// burst: one created and gone again by the end (an editor's temporary
	// file, renamed over the real one) is no change at all.
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
			if _, seen := pending[ev.Name]; !seen {
				pending[ev.Name] = ev.Has(fsnotify.Create)
			}
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
			for p, created := range pending {
				if _, err := os.Lstat(p); created && err != nil {
					continue
				}
				b.Paths = append(b.Paths, p)
			}
			pending = map[string]bool{}
			if !w.send(ctx, b) {
				return
			}
		}
	}
}

// send hands a batch over, unless it is empty; false means ctx ended.
func (w *Watcher) send(ctx context.Context, b Batch) bool {
	if len(b.Paths) == 0 {
		return true
	}
	sort.Strings(b.Paths)
	select {
	case w.batches <- b:
		return true
	case <-ctx.Done():
		return false
	}
}

// fileState is what polling compares between scans.
type fileState struct {
	mtime time.Time
	size  int64
	mode  fs.FileMode
}

// scan records the state of every file and directory that is not ignored.
func (w *Watcher) scan() map[string]fileState {
	m := map[string]fileState{}
	filepath.WalkDir(w.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p != w.dir && w.ignored(p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if fi, err := d.Info(); err == nil {
			m[p] = fileState{fi.ModTime(), fi.Size(), fi.Mode()}
		}
		return nil
	})
	return m
}

// pollLoop scans the tree every poll interval; the changes found in scans
// that follow each other without a quiet scan between form one batch.
func (w *Watcher) pollLoop(ctx context.Context, prev map[string]fileState) {
	tick := time.NewTicker(w.poll)
	defer tick.Stop()
	var b Batch
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		cur := w.scan()
		var changed []string
		for p, st := range cur {
			if old, ok := prev[p]; !ok || old != st {
				changed = append(changed, p)
			}
		}
		for p := range prev {
			if _, ok := cur[p]; !ok {
				changed = append(changed, p)
			}
		}
		prev = cur
		if len(changed) > 0 {
			if len(b.Paths) == 0 {
				b.Seen = time.Now()
			}
			b.Paths = append(b.Paths, changed...)
			continue
		}
		if !w.send(ctx, b) {
			return
		}
		b = Batch{}
	}
}

func (w *Watcher) report(err error) {
	select {
	case w.errs <- err:
	default:
	}
}

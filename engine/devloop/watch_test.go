package devloop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// watch starts a watcher on a fresh directory made by setup.
func watch(t *testing.T, o Options, setup func(dir string)) (string, *Watcher) {
	t.Helper()
	dir := t.TempDir()
	if setup != nil {
		setup(dir)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := Watch(ctx, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, w
}

// next waits (boundedly) for the next batch.
func next(t *testing.T, w *Watcher) Batch {
	t.Helper()
	select {
	case b := <-w.Batches():
		return b
	case err := <-w.Errors():
		t.Fatalf("watcher error: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no batch within 10s")
	}
	return Batch{}
}

// quiet checks that no batch comes for a while.
func quiet(t *testing.T, w *Watcher, d time.Duration) {
	t.Helper()
	select {
	case b := <-w.Batches():
		t.Fatalf("unexpected batch %q", b.Paths)
	case <-time.After(d):
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatchAtomicSaveIsOneChange(t *testing.T) {
	dir, w := watch(t, Options{Debounce: 200 * time.Millisecond}, func(dir string) {
		write(t, filepath.Join(dir, "index.html"), "v1")
	})
	// An editor's save: write a temporary file beside, rename it over.
	tmp := filepath.Join(dir, ".index.html.3f9a2")
	write(t, tmp, "v2")
	if err := os.Rename(tmp, filepath.Join(dir, "index.html")); err != nil {
		t.Fatal(err)
	}
	b := next(t, w)
	if want := []string{filepath.Join(dir, "index.html")}; !slices.Equal(b.Paths, want) {
		t.Errorf("batch %q, want %q", b.Paths, want)
	}
	quiet(t, w, 400*time.Millisecond)
}

func TestWatchBurstIsOneBatch(t *testing.T) {
	dir, w := watch(t, Options{Debounce: 300 * time.Millisecond}, nil)
	for i := range 1000 {
		write(t, filepath.Join(dir, fmt.Sprintf("f%04d.txt", i)), "x")
	}
	b := next(t, w)
	if len(b.Paths) != 1000 {
		t.Fatalf("one batch of %d paths, want 1000", len(b.Paths))
	}
	if b.Seen.IsZero() || time.Since(b.Seen) > time.Minute {
		t.Errorf("batch Seen %v", b.Seen)
	}
	quiet(t, w, 500*time.Millisecond)
}

func TestWatchNewDirectoriesIgnoresAndScratchFiles(t *testing.T) {
	dir, w := watch(t, Options{Debounce: 100 * time.Millisecond}, func(dir string) {
		write(t, filepath.Join(dir, ".dockerignore"), "node_modules\n*.log\n")
		os.Mkdir(filepath.Join(dir, "node_modules"), 0o755)
	})
	// Ignored by .dockerignore, or an editor's scratch file: no batch.
	write(t, filepath.Join(dir, "node_modules", "dep.js"), "x")
	write(t, filepath.Join(dir, "debug.log"), "x")
	write(t, filepath.Join(dir, ".main.go.swp"), "x")
	write(t, filepath.Join(dir, "main.go~"), "x")
	quiet(t, w, 400*time.Millisecond)

	// A new directory tree: its files count, and it is watched from now on.
	write(t, filepath.Join(dir, "pkg", "deep", "a.go"), "a")
	b := next(t, w)
	if !slices.Contains(b.Paths, filepath.Join(dir, "pkg", "deep", "a.go")) {
		t.Fatalf("new file in a new directory missing from %q", b.Paths)
	}
	write(t, filepath.Join(dir, "pkg", "deep", "a.go"), "a2")
	b = next(t, w)
	if !slices.Equal(b.Paths, []string{filepath.Join(dir, "pkg", "deep", "a.go")}) {
		t.Errorf("second write in the new directory: %q", b.Paths)
	}
}

func TestWatchDeletedDirectory(t *testing.T) {
	dir, w := watch(t, Options{Debounce: 100 * time.Millisecond}, func(dir string) {
		write(t, filepath.Join(dir, "sub", "x.txt"), "x")
	})
	if err := os.RemoveAll(filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	b := next(t, w)
	if !slices.Contains(b.Paths, filepath.Join(dir, "sub", "x.txt")) {
		t.Errorf("removal batch %q lacks the removed file", b.Paths)
	}
	// The watcher goes on: the directory made again is watched again.
	write(t, filepath.Join(dir, "sub", "y.txt"), "y")
	b = next(t, w)
	if !slices.Contains(b.Paths, filepath.Join(dir, "sub", "y.txt")) {
		t.Errorf("after re-creation: %q", b.Paths)
	}
}

func TestWatchPolling(t *testing.T) {
	dir, w := watch(t, Options{Poll: true, PollInterval: 50 * time.Millisecond}, func(dir string) {
		write(t, filepath.Join(dir, "a.txt"), "a")
		write(t, filepath.Join(dir, "gone.txt"), "g")
	})
	if !w.Polling {
		t.Fatal("watcher not polling")
	}
	write(t, filepath.Join(dir, "a.txt"), "a changed in size")
	os.Remove(filepath.Join(dir, "gone.txt"))
	write(t, filepath.Join(dir, "new", "b.txt"), "b")
	b := next(t, w)
	for _, want := range []string{"a.txt", "gone.txt", "new/b.txt"} {
		if !slices.Contains(b.Paths, filepath.Join(dir, want)) {
			t.Errorf("polled batch %q lacks %s", b.Paths, want)
		}
	}
}

// recorder is a Target that records what the loop asks of it.
type recorder struct {
	calls  chan string
	failOn string
}

func (r *recorder) do(what string) error {
	r.calls <- what
	if what == r.failOn {
		return fmt.Errorf("%s failed", what)
	}
	return nil
}
func (r *recorder) Sync(_ context.Context, files []Copy) error {
	return r.do(fmt.Sprintf("sync %d", len(files)))
}
func (r *recorder) Rebuild(context.Context) ([]Stage, error) {
	return []Stage{{"build", time.Millisecond}}, r.do("rebuild")
}
func (r *recorder) Restart(context.Context) error            { return r.do("restart") }
func (r *recorder) Exec(_ context.Context, a []string) error { return r.do("exec " + a[0]) }
func (r *recorder) Ready(context.Context) error              { return r.do("ready") }

func TestRunCarriesOutEachAction(t *testing.T) {
	dir, w := watch(t, Options{Debounce: 100 * time.Millisecond}, func(dir string) {
		for _, d := range []string{"a", "b", "c", "d"} {
			os.Mkdir(filepath.Join(dir, d), 0o755)
		}
	})
	rules := []Rule{
		{Path: "a", Action: Sync, Target: "/a"},
		{Path: "b", Action: SyncRestart, Target: "/b"},
		{Path: "c", Action: SyncExec, Target: "/c", Exec: []string{"reload"}},
		{Path: "d", Action: Rebuild},
	}
	if err := Check(dir, rules); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{calls: make(chan string, 100), failOn: "rebuild"}
	reloads := make(chan Reload, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Run(ctx, w, rules, rec, func(r Reload) { reloads <- r })

	cases := []struct {
		file   string
		action string
		calls  []string
	}{
		{"a/x", "sync", []string{"sync 1", "ready"}},
		{"b/x", "sync+restart", []string{"sync 1", "restart", "ready"}},
		{"c/x", "sync+exec", []string{"sync 1", "exec reload", "ready"}},
		{"d/x", "rebuild", []string{"rebuild"}}, // it fails: no ready
	}
	for _, c := range cases {
		write(t, filepath.Join(dir, c.file), "x")
		var r Reload
		select {
		case r = <-reloads:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no reload", c.file)
		}
		if r.Action != c.action {
			t.Errorf("%s: action %q, want %q", c.file, r.Action, c.action)
		}
		var got []string
		for len(rec.calls) > 0 {
			got = append(got, <-rec.calls)
		}
		if !slices.Equal(got, c.calls) {
			t.Errorf("%s: calls %q, want %q", c.file, got, c.calls)
		}
		if (r.Err != nil) != (c.action == "rebuild") {
			t.Errorf("%s: error %v", c.file, r.Err)
		}
		if r.Err == nil && (r.Total <= 0 || len(r.Stages) == 0) {
			t.Errorf("%s: reload not timed: %+v", c.file, r)
		}
	}
}

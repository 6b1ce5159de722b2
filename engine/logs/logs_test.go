package logs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestLinesStreamsAndPartials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w, err := NewWriter(path, DefaultRotation)
	must(t, err)
	out, errs := w.Stream("stdout"), w.Stream("stderr")
	fmt.Fprint(out, "hello\nwor")
	fmt.Fprint(errs, "oops\n")
	fmt.Fprint(out, "ld\nno newline")
	must(t, out.Close())
	must(t, errs.Close())
	must(t, w.Close())

	got := readAll(t, path, ReadOptions{Tail: -1})
	want := []string{"stdout:hello", "stderr:oops", "stdout:world", "stdout:no newline(partial)"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if got := readAll(t, path, ReadOptions{Tail: -1, Streams: []string{"stderr"}}); fmt.Sprint(got) != "[stderr:oops]" {
		t.Fatalf("stderr only: got %v", got)
	}
	if got := readAll(t, path, ReadOptions{Tail: 2}); fmt.Sprint(got) != fmt.Sprint(want[2:]) {
		t.Fatalf("tail 2: got %v", got)
	}
}

func TestLongLineIsCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w, _ := NewWriter(path, DefaultRotation)
	s := w.Stream("stdout")
	fmt.Fprint(s, strings.Repeat("a", maxLine+10)+"\n")
	w.Close()
	var lens []int
	var partial []bool
	must(t, Read(context.Background(), path, ReadOptions{Tail: -1}, func(e Entry) error {
		lens, partial = append(lens, len(e.Line)), append(partial, e.Partial)
		return nil
	}))
	if fmt.Sprint(lens, partial) != fmt.Sprint([]int{maxLine, 10}, []bool{true, false}) {
		t.Fatalf("got lengths %v partial %v", lens, partial)
	}
}

func TestRotationKeepsNewestLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w, _ := NewWriter(path, Rotation{MaxSize: 4096, MaxFiles: 3})
	s := w.Stream("stdout")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(s, "line %03d\n", i)
	}
	w.Close()
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Fatal("kept more than 3 files")
	}
	for _, p := range []string{path, path + ".1", path + ".2"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Size() > 4096 {
			t.Fatalf("%s: %v, size over the cap", p, err)
		}
	}
	got := readAll(t, path, ReadOptions{Tail: -1})
	if last := got[len(got)-1]; last != "stdout:line 499" {
		t.Fatalf("last line %q", last)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("lines out of order across files: %q then %q", got[i-1], got[i])
		}
	}
}

func TestSinceUntil(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w, _ := NewWriter(path, DefaultRotation)
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	i := 0
	w.now = func() time.Time { i++; return t0.Add(time.Duration(i) * time.Minute) }
	s := w.Stream("stdout")
	fmt.Fprint(s, "1\n2\n3\n4\n")
	w.Close()
	got := readAll(t, path, ReadOptions{Tail: -1, Since: t0.Add(2 * time.Minute), Until: t0.Add(3 * time.Minute)})
	if fmt.Sprint(got) != "[stdout:2 stdout:3]" {
		t.Fatalf("got %v", got)
	}
}

func TestFollowFromSeveralReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	// Ten files of 2 KiB hold every line, so each of the many rotations
	// must be followed, and none may lose a line.
	w, _ := NewWriter(path, Rotation{MaxSize: 2048, MaxFiles: 10})
	s := w.Stream("stdout")
	fmt.Fprint(s, "before\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const readers, lines = 3, 200
	var wg sync.WaitGroup
	results := make([][]string, readers)
	started := make(chan struct{}, readers)
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			first := true
			Read(ctx, path, ReadOptions{Tail: 1, Follow: true}, func(e Entry) error {
				results[r] = append(results[r], e.Line)
				if first {
					first = false
					started <- struct{}{}
				}
				if e.Line == fmt.Sprintf("n%03d", lines-1) {
					return errDone
				}
				return nil
			})
		}(r)
	}
	for r := 0; r < readers; r++ {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("readers did not start")
		}
	}
	for i := 0; i < lines; i++ {
		fmt.Fprintf(s, "n%03d\n", i) // crosses several rotations
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("followers did not see the last line")
	}
	for r, got := range results {
		if len(got) != lines+1 || got[0] != "before" {
			t.Fatalf("reader %d saw %d lines (first %q), want %d: %v", r, len(got), got[0], lines+1, got)
		}
	}
}

var errDone = fmt.Errorf("done")

// TestKilledWriterLosesNothingWritten kills a writing process with SIGKILL and
// checks that every line it wrote before is in the log.
func TestKilledWriterLosesNothingWritten(t *testing.T) {
	if path := os.Getenv("BERTH_LOGS_CHILD"); path != "" {
		w, _ := NewWriter(path, DefaultRotation)
		s := w.Stream("stdout")
		for i := 0; ; i++ {
			fmt.Fprintf(s, "line %d\n", i)
			if i == 100 {
				os.WriteFile(path+".ready", nil, 0o600)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "container.log")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterLosesNothingWritten$")
	cmd.Env = append(os.Environ(), "BERTH_LOGS_CHILD="+path)
	must(t, cmd.Start())
	for i := 0; i < 1000; i++ {
		if _, err := os.Stat(path + ".ready"); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	got := readAll(t, path, ReadOptions{Tail: -1})
	if len(got) < 101 {
		t.Fatalf("only %d lines survived", len(got))
	}
	for i, l := range got {
		if l != fmt.Sprintf("stdout:line %d", i) {
			t.Fatalf("line %d is %q: a line was lost or torn", i, l)
		}
	}
}

func readAll(t *testing.T, path string, opts ReadOptions) []string {
	t.Helper()
	var out []string
	must(t, Read(context.Background(), path, opts, func(e Entry) error {
		s := e.Stream + ":" + e.Line
		if e.Partial {
			s += "(partial)"
		}
		out = append(out, s)
		return nil
	}))
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

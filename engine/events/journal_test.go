package events

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestAppendReadFilter(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "events.log"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	must(t, j.Append(
		Event{Time: t0, Type: TypeContainer, Action: "create", ID: "abcdef123456789", Attributes: map[string]string{"name": "web", "image": "busybox"}},
		Event{Time: t0.Add(time.Second), Type: TypeContainer, Action: "start", ID: "abcdef123456789", Attributes: map[string]string{"name": "web"}},
		Event{Time: t0.Add(2 * time.Second), Type: TypeImage, Action: "tag", ID: "sha256:1", Attributes: map[string]string{"name": "busybox:1"}},
	))
	cases := []struct {
		name         string
		since, until time.Time
		f            Filter
		want         []string
	}{
		{"all", time.Time{}, time.Time{}, Filter{}, []string{"create", "start", "tag"}},
		{"since", t0.Add(time.Second), time.Time{}, Filter{}, []string{"start", "tag"}},
		{"until", time.Time{}, t0, Filter{}, []string{"create"}},
		{"type", time.Time{}, time.Time{}, Filter{Types: []string{TypeImage}}, []string{"tag"}},
		{"name as id", time.Time{}, time.Time{}, Filter{IDs: []string{"web"}}, []string{"create", "start"}},
		{"short id", time.Time{}, time.Time{}, Filter{IDs: []string{"abcdef12"}}, []string{"create", "start"}},
		{"attr", time.Time{}, time.Time{}, Filter{Attributes: map[string][]string{"image": {"busybox"}}}, []string{"create"}},
		{"and", time.Time{}, time.Time{}, Filter{Types: []string{TypeContainer}, Actions: []string{"tag", "start"}}, []string{"start"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs, err := j.Read(c.since, c.until, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := actions(evs); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestHalfWrittenLineIsNotRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.log")
	j, _ := Open(path)
	must(t, j.Append(Event{Type: TypeContainer, Action: "start", ID: "a"}))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString(`{"type":"container","action":"die","id":"a"`)
	must(t, err)
	f.Close()
	evs, err := j.Read(time.Time{}, time.Time{}, Filter{})
	must(t, err)
	if got := actions(evs); fmt.Sprint(got) != "[start]" {
		t.Fatalf("read %v; a line without its newline must not count", got)
	}
}

func TestFollowSeesHistoryThenNewEvents(t *testing.T) {
	j, _ := Open(filepath.Join(t.TempDir(), "events.log"))
	start := time.Now().Add(-time.Minute)
	must(t, j.Append(Event{Type: TypeContainer, Action: "create", ID: "a"}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := j.Follow(ctx, start, Filter{Types: []string{TypeContainer}})
	must(t, err)
	must(t, j.Append(Event{Type: TypeImage, Action: "tag", ID: "i"}, Event{Type: TypeContainer, Action: "start", ID: "a"}))
	got := []string{next(t, ch).Action, next(t, ch).Action}
	if fmt.Sprint(got) != "[create start]" {
		t.Fatalf("followed %v, want [create start]", got)
	}
	cancel()
	for range ch {
	}
}

func TestFollowAcrossRotation(t *testing.T) {
	j, _ := Open(filepath.Join(t.TempDir(), "events.log"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := j.Follow(ctx, time.Time{}, Filter{})
	must(t, err)
	// Fill the journal past its size cap so that the next append rotates it.
	big := Event{Type: TypeContainer, Action: "filler", Attributes: map[string]string{"pad": string(make([]byte, 1<<20))}}
	for i := 0; i < maxSize>>20+1; i++ {
		must(t, j.Append(big))
	}
	must(t, j.Append(Event{Type: TypeContainer, Action: "after-rotation", ID: "x"}))
	if _, err := os.Stat(j.Path() + ".1"); err != nil {
		t.Fatalf("journal was not rotated: %v", err)
	}
	for {
		e := next(t, ch)
		if e.Action == "after-rotation" {
			break
		}
	}
}

// TestConcurrentProcessesAppendWholeLines appends from several processes at
// once and checks that every event arrives whole and exactly once.
func TestConcurrentProcessesAppendWholeLines(t *testing.T) {
	if path := os.Getenv("BERTH_EVENTS_CHILD"); path != "" {
		j, _ := Open(path)
		for i := 0; i < 200; i++ {
			must(t, j.Append(Event{Type: TypeContainer, Action: "start", ID: os.Getenv("BERTH_EVENTS_ID") + "-" + strconv.Itoa(i)}))
		}
		return
	}
	path := filepath.Join(t.TempDir(), "events.log")
	var wg sync.WaitGroup
	for p := 0; p < 4; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcessesAppendWholeLines$")
			cmd.Env = append(os.Environ(), "BERTH_EVENTS_CHILD="+path, "BERTH_EVENTS_ID=p"+strconv.Itoa(p))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("child %d: %v\n%s", p, err, out)
			}
		}(p)
	}
	wg.Wait()
	j, _ := Open(path)
	evs, err := j.Read(time.Time{}, time.Time{}, Filter{})
	must(t, err)
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.ID] {
			t.Fatalf("event %s read twice", e.ID)
		}
		seen[e.ID] = true
	}
	if len(seen) != 800 {
		t.Fatalf("read %d distinct events, want 800", len(seen))
	}
}

func next(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("stream closed")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return Event{}
}

func actions(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

package tail

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLinesStopsAtHalfLine(t *testing.T) {
	var got []string
	n, err := Lines(strings.NewReader("one\ntwo\nthr"), func(l []byte) error {
		got = append(got, string(l))
		return nil
	})
	if err != nil || n != 8 || strings.Join(got, ",") != "one,two" {
		t.Fatalf("got %q, n=%d, err=%v; want one,two and 8 bytes", got, n, err)
	}
}

func TestLinesLongerThanBuffer(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	var got []string
	if _, err := Lines(strings.NewReader(long+"\nend\n"), func(l []byte) error {
		got = append(got, string(l))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != long || got[1] != "end" {
		t.Fatalf("long line not read whole: %d lines", len(got))
	}
}

func TestFollowAppendsAndRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	appendTo(t, path, "old\n")
	f, err := Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := make(chan string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.Run(ctx, func(l []byte) error { lines <- string(l); return nil })

	appendTo(t, path, "a\nhal")
	appendTo(t, path, "f\n")
	// Rotate: the old file is renamed away after one more line, a new one starts.
	appendTo(t, path, "b\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, "c\n")
	for _, want := range []string{"a", "half", "b", "c"} {
		select {
		case got := <-lines:
			if got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no line %q within 10s", want)
		}
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

package progress

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func feed(evs ...Event) <-chan Event {
	ch := make(chan Event, len(evs))
	for _, ev := range evs {
		ch <- ev
	}
	close(ch)
	return ch
}

func TestPlain(t *testing.T) {
	var b bytes.Buffer
	Plain(&b, feed(
		Event{Kind: StepStarted, Stage: "build", Step: 2, Total: 3, Instruction: "COPY . /app"},
		Event{Kind: CacheMiss, Step: 2, Reason: "file main.go changed"},
		Event{Kind: Output, Step: 2, Text: "downloading x\n"},
		Event{Kind: StepDone, Step: 2, Duration: 1500 * time.Millisecond, LayerSize: 2_500_000},
		Event{Kind: StepFailed, Step: 3, Err: errors.New("boom")},
		Event{Kind: Warning, Text: "unused"},
		Event{Kind: Done, ImageID: "sha256:abc"},
	))
	want := `#2 [build 2/3] COPY . /app
#2 cache miss: file main.go changed
#2 downloading x
#2 DONE 1.50s, layer 2.5MB
#3 ERROR: boom
WARNING: unused
writing image sha256:abc done
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestLiveRewritesInPlace(t *testing.T) {
	var b bytes.Buffer
	Live(&b, feed(
		Event{Kind: StepStarted, Stage: "0", Step: 1, Total: 1, Instruction: "COPY a /a"},
		Event{Kind: CacheHit, Step: 1},
		Event{Kind: StepDone, Step: 1},
	))
	out := b.String()
	if !strings.Contains(out, "\x1b[1A") || !strings.Contains(out, "CACHED") || !strings.Contains(out, "COPY a /a") {
		t.Fatalf("live output %q lacks the cursor moves or the step", out)
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{999: "999B", 1000: "1kB", 1_234_567: "1.23MB", 5 << 30: "5.37GB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

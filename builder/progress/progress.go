// Package progress describes a build as it happens: a stream of plain
// values that the command line prints and the UI's build pane draws.
package progress

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Kind says what an Event reports.
type Kind int

const (
	// StepStarted is a step beginning.
	StepStarted Kind = iota
	// CacheHit is a step whose result came from the build cache.
	CacheHit
	// CacheMiss is a step that must run; Reason says why.
	CacheMiss
	// Output is a line a step wrote (RUN output, a download).
	Output
	// StepDone is a step finished; Duration and LayerSize are set.
	StepDone
	// StepFailed is a step that failed; Err is set.
	StepFailed
	// Warning is a build-wide note, such as unused build args.
	Warning
	// Done is the build finished; ImageID is set.
	Done
)

func (k Kind) String() string {
	switch k {
	case StepStarted:
		return "started"
	case CacheHit:
		return "cached"
	case CacheMiss:
		return "miss"
	case Output:
		return "output"
	case StepDone:
		return "done"
	case StepFailed:
		return "failed"
	case Warning:
		return "warning"
	case Done:
		return "built"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Event is one thing that happened in a build.
type Event struct {
	Kind Kind
	// Stage is the stage's name, or its index as a string.
	Stage string
	// Step numbers steps across the whole build, from 1; Total is their count.
	Step, Total int
	// Instruction is the step's instruction as written.
	Instruction string
	// Line is where the instruction is in the Dockerfile.
	Line int
	// Reason explains a cache miss; Text is an output line or a warning.
	Reason, Text string
	// Duration is how long a finished step took.
	Duration time.Duration
	// LayerSize is the size of the layer a step produced, 0 for none.
	LayerSize int64
	// ImageID is the built image's ID, on Done.
	ImageID string
	// Err is the failure, on StepFailed.
	Err error
	// Time is when the event happened.
	Time time.Time
}

// Plain writes events as lines, in the manner of docker's --progress=plain.
func Plain(w io.Writer, events <-chan Event) {
	for ev := range events {
		prefix := fmt.Sprintf("#%d", ev.Step)
		switch ev.Kind {
		case StepStarted:
			fmt.Fprintf(w, "%s [%s %d/%d] %s\n", prefix, ev.Stage, ev.Step, ev.Total, ev.Instruction)
		case CacheHit:
			fmt.Fprintf(w, "%s CACHED\n", prefix)
		case CacheMiss:
			fmt.Fprintf(w, "%s cache miss: %s\n", prefix, ev.Reason)
		case Output:
			fmt.Fprintf(w, "%s %s\n", prefix, strings.TrimRight(ev.Text, "\n"))
		case StepDone:
			if ev.LayerSize > 0 {
				fmt.Fprintf(w, "%s DONE %.2fs, layer %s\n", prefix, ev.Duration.Seconds(), HumanSize(ev.LayerSize))
			} else {
				fmt.Fprintf(w, "%s DONE %.2fs\n", prefix, ev.Duration.Seconds())
			}
		case StepFailed:
			fmt.Fprintf(w, "%s ERROR: %v\n", prefix, ev.Err)
		case Warning:
			fmt.Fprintf(w, "WARNING: %s\n", ev.Text)
		case Done:
			fmt.Fprintf(w, "writing image %s done\n", ev.ImageID)
		}
	}
}

// HumanSize prints a byte count as docker does (decimal units).
func HumanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", n)
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}

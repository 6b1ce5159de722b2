package data

import "time"

// BuildRow is one recorded build as the Build pane lists it.
type BuildRow struct {
	ID         string
	Context    string
	Dockerfile string // "" for CONTEXT/Dockerfile
	Tags       []string
	Started    time.Time
	Finished   time.Time // zero while running
	Status     string    // running, succeeded, failed
	ImageID    string    // set when it succeeded
	Error      string    // set when it failed
}

// The statuses of a build.
const (
	BuildRunning   = "running"
	BuildSucceeded = "succeeded"
	BuildFailed    = "failed"
)

// Running reports whether the build is still going.
func (b BuildRow) Running() bool { return b.Status == BuildRunning }

// BuildKind says what a BuildEvent reports.
type BuildKind int

// The kinds of build events, as the builder reports them.
const (
	// BuildStepStarted is a step beginning.
	BuildStepStarted BuildKind = iota
	// BuildCacheHit is a step taken from the build cache.
	BuildCacheHit
	// BuildCacheMiss is a step that must run; Reason says why.
	BuildCacheMiss
	// BuildOutput is a line a step wrote.
	BuildOutput
	// BuildStepDone is a step finished, with its Duration and LayerSize.
	BuildStepDone
	// BuildStepFailed is a step that failed, with Err.
	BuildStepFailed
	// BuildWarning is a note on the whole build, in Text.
	BuildWarning
	// BuildDone is the build finished, with ImageID.
	BuildDone
)

// BuildEvent is one thing that happened in a build.
type BuildEvent struct {
	Time time.Time
	Kind BuildKind
	// Stage is the stage's name, or stage-N; Step numbers steps across the
	// build from 1 and Total is their count.
	Stage       string
	Step, Total int
	// Instruction is the step as written; Line is where it is in the
	// Dockerfile.
	Instruction string
	Line        int
	// Reason explains a cache miss; Text is an output line or a warning.
	Reason, Text string
	Duration     time.Duration
	LayerSize    int64
	ImageID      string
	Err          string
}

// BuildProgress is what came of a build since an offset in its record: its
// description as it is now, the new events, and where to read from next.
type BuildProgress struct {
	Build  BuildRow
	Events []BuildEvent
	Offset int64
}

// BuildSpec is what the build form asks for.
type BuildSpec struct {
	// Context is the build context's directory.
	Context string
	// Dockerfile is the Dockerfile's path, relative to Context unless
	// absolute; "" for Context/Dockerfile.
	Dockerfile string
	Tags       []string
}

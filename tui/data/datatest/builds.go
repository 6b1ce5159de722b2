package datatest

import (
	"fmt"
	"time"

	"github.com/berth-dev/berth/tui/data"
)

// Builds returns three recorded builds, newest first: one running, one
// that succeeded and one that failed.
func Builds() []data.BuildRow {
	return []data.BuildRow{
		{ID: "3f2a9c1e0b7d4a65", Context: "/home/dev/site", Tags: []string{"site:2", "site:latest"},
			Started: Now.Add(-41 * time.Second), Status: data.BuildRunning},
		{ID: "9b1c44d0e2f35a17", Context: "/home/dev/site", Tags: []string{"site:1"},
			Started: Now.Add(-2 * time.Hour), Finished: Now.Add(-2*time.Hour + 14200*time.Millisecond),
			Status: data.BuildSucceeded, ImageID: "sha256:" + id('a', 42)},
		{ID: "c07e5a9912ab3f08", Context: "/home/dev/broken", Dockerfile: "build/Dockerfile.dev",
			Started: Now.Add(-26 * time.Hour), Finished: Now.Add(-26*time.Hour + 2300*time.Millisecond),
			Status: data.BuildFailed, Error: "Dockerfile:3: RUN make: exit code 2"},
	}
}

// BuildEvents returns the events of a build of Builds.
func BuildEvents(buildID string) []data.BuildEvent {
	ms := time.Millisecond
	switch buildID {
	case "3f2a9c1e0b7d4a65":
		t := Now.Add(-41 * time.Second)
		evs := []data.BuildEvent{
			{Time: t, Kind: data.BuildStepStarted, Stage: "stage-0", Step: 1, Total: 4, Instruction: "FROM busybox"},
			{Time: t, Kind: data.BuildCacheHit, Stage: "stage-0", Step: 1, Total: 4},
			{Time: t, Kind: data.BuildStepDone, Stage: "stage-0", Step: 1, Total: 4, Duration: 3 * ms},
			{Time: t, Kind: data.BuildStepStarted, Stage: "stage-0", Step: 2, Total: 4, Instruction: "COPY site/ /srv/"},
			{Time: t, Kind: data.BuildCacheMiss, Stage: "stage-0", Step: 2, Total: 4, Reason: "file site/index.html changed"},
			{Time: t, Kind: data.BuildStepDone, Stage: "stage-0", Step: 2, Total: 4, Duration: 21 * ms, LayerSize: 1234},
			{Time: Now.Add(-38 * time.Second), Kind: data.BuildStepStarted, Stage: "stage-0", Step: 3, Total: 4,
				Instruction: "RUN ./gen.sh && sleep 30"},
			{Time: t, Kind: data.BuildCacheMiss, Stage: "stage-0", Step: 3, Total: 4, Reason: "the step before it changed"},
		}
		for i := range 30 {
			evs = append(evs, data.BuildEvent{Time: t, Kind: data.BuildOutput, Stage: "stage-0", Step: 3, Total: 4,
				Text: fmt.Sprintf("rendering page %d of 30\tok\n", i+1)})
		}
		return append(evs, data.BuildEvent{Time: t, Kind: data.BuildWarning, Text: "one or more build args were not consumed: VERSION"})
	case "9b1c44d0e2f35a17":
		t := Now.Add(-2 * time.Hour)
		return []data.BuildEvent{
			{Time: t, Kind: data.BuildStepStarted, Stage: "stage-0", Step: 1, Total: 2, Instruction: "FROM busybox"},
			{Time: t, Kind: data.BuildCacheHit, Stage: "stage-0", Step: 1, Total: 2},
			{Time: t, Kind: data.BuildStepDone, Stage: "stage-0", Step: 1, Total: 2},
			{Time: t, Kind: data.BuildStepStarted, Stage: "stage-0", Step: 2, Total: 2, Instruction: "COPY site/ /srv/"},
			{Time: t, Kind: data.BuildCacheHit, Stage: "stage-0", Step: 2, Total: 2},
			{Time: t, Kind: data.BuildStepDone, Stage: "stage-0", Step: 2, Total: 2, LayerSize: 1234},
			{Time: t, Kind: data.BuildDone, ImageID: "sha256:" + id('a', 42)},
		}
	case "c07e5a9912ab3f08":
		t := Now.Add(-26 * time.Hour)
		return []data.BuildEvent{
			{Time: t, Kind: data.BuildStepStarted, Stage: "build", Step: 1, Total: 3, Instruction: "FROM busybox AS build"},
			{Time: t, Kind: data.BuildCacheHit, Stage: "build", Step: 1, Total: 3},
			{Time: t, Kind: data.BuildStepDone, Stage: "build", Step: 1, Total: 3},
			{Time: t, Kind: data.BuildStepStarted, Stage: "build", Step: 2, Total: 3, Instruction: "RUN make"},
			{Time: t, Kind: data.BuildCacheMiss, Stage: "build", Step: 2, Total: 3, Reason: "no cached result for this step"},
			{Time: t, Kind: data.BuildOutput, Stage: "build", Step: 2, Total: 3, Text: "cc -o app main.c"},
			{Time: t, Kind: data.BuildOutput, Stage: "build", Step: 2, Total: 3, Text: "main.c:3: error: expected ';'\x1b[31m"},
			{Time: t, Kind: data.BuildStepFailed, Stage: "build", Step: 2, Total: 3, Err: "Dockerfile:3: RUN make: exit code 2"},
		}
	}
	return nil
}

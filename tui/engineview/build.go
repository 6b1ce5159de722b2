package engineview

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/builder"
	"github.com/berth-dev/berth/builder/buildlog"
	"github.com/berth-dev/berth/builder/progress"
	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/tui/data"
)

// Builds lists the builds recorded under the root, newest first: those
// started here and those run with `berth build`.
func (b *Backend) Builds(ctx context.Context) ([]data.BuildRow, error) {
	ms, err := buildlog.List(b.e.Root)
	if err != nil {
		return nil, err
	}
	rows := make([]data.BuildRow, len(ms))
	for i, m := range ms {
		rows[i] = buildRow(m)
	}
	return rows, nil
}

func buildRow(m buildlog.Meta) data.BuildRow {
	return data.BuildRow{ID: m.ID, Context: m.Context, Dockerfile: m.Dockerfile, Tags: m.Tags,
		Started: m.Started, Finished: m.Finished, Status: string(m.Status), ImageID: m.ImageID, Error: m.Error}
}

// BuildProgress reads a build's description and its events after offset.
// The description is read first: when it says the build ended, the events
// read after it are the last.
func (b *Backend) BuildProgress(ctx context.Context, id string, offset int64) (data.BuildProgress, error) {
	m, err := buildlog.Get(b.e.Root, id)
	if err != nil {
		return data.BuildProgress{}, err
	}
	evs, next, err := buildlog.Read(b.e.Root, id, offset)
	if err != nil {
		return data.BuildProgress{}, err
	}
	p := data.BuildProgress{Build: buildRow(m), Offset: next, Events: make([]data.BuildEvent, 0, len(evs))}
	for _, ev := range evs {
		p.Events = append(p.Events, data.BuildEvent{Time: ev.Time, Kind: buildKind(ev.Kind), Stage: ev.Stage,
			Step: ev.Step, Total: ev.Total, Instruction: ev.Instruction, Line: ev.Line, Reason: ev.Reason, Text: ev.Text,
			Duration: ev.Duration, LayerSize: ev.LayerSize, ImageID: ev.ImageID, Err: ev.Err})
	}
	return p, nil
}

func buildKind(k progress.Kind) data.BuildKind {
	switch k {
	case progress.StepStarted:
		return data.BuildStepStarted
	case progress.CacheHit:
		return data.BuildCacheHit
	case progress.CacheMiss:
		return data.BuildCacheMiss
	case progress.Output:
		return data.BuildOutput
	case progress.StepDone:
		return data.BuildStepDone
	case progress.StepFailed:
		return data.BuildStepFailed
	case progress.Done:
		return data.BuildDone
	}
	return data.BuildWarning
}

// Build starts a build as `berth build` runs one: the same cache, runner
// and image store, recorded under the root so that it is listed with the
// others. It returns once the build is recorded; done receives how it
// ended. The build stops when ctx is cancelled.
func (b *Backend) Build(ctx context.Context, spec data.BuildSpec) (string, <-chan error, error) {
	dir, err := filepath.Abs(spec.Context)
	if err != nil {
		return "", nil, fmt.Errorf("build context %s: %w", spec.Context, err)
	}
	if fi, err := os.Stat(dir); err != nil {
		return "", nil, fmt.Errorf("build context: %w", err)
	} else if !fi.IsDir() {
		return "", nil, fmt.Errorf("build context %s: %w", dir, errNotDir)
	}
	file := spec.Dockerfile
	if file != "" && !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	root := b.e.Root
	evs := make(chan progress.Event, 64)
	opts := builder.Options{
		ContextDir: dir,
		Dockerfile: file,
		Tags:       spec.Tags,
		BuildArgs:  map[string]string{},
		Labels:     map[string]string{},
		Source:     b.store,
		Sink:       b.store,
		Runner:     engine.NewStepRunner(root),
		CacheDir:   filepath.Join(root, "build-cache"),
		Events:     evs,
	}
	if ss, err := engine.NewSnapshotStore(root); err == nil {
		opts.Snapshots, opts.SnapshotLocks = ss.SN, ss.LockDir
	}
	blog, err := buildlog.Start(root, buildlog.Meta{Context: dir, Dockerfile: spec.Dockerfile, Tags: spec.Tags})
	if err != nil {
		return "", nil, err
	}
	recorded := blog.Tee(evs)
	done := make(chan error, 1)
	go func() {
		drained := make(chan struct{})
		go func() {
			for range recorded {
			}
			close(drained)
		}()
		res, err := builder.Build(ctx, opts)
		close(evs)
		<-drained // every event is written before the build is marked ended
		id := ""
		if err == nil {
			id = res.ID.String()
		}
		if ferr := blog.Finish(id, err); ferr != nil && err == nil {
			err = fmt.Errorf("recording the build's end: %w", ferr)
		}
		if id != "" {
			attrs := map[string]string{}
			if len(spec.Tags) > 0 {
				attrs["name"] = strings.Join(spec.Tags, ",")
			}
			b.e.Events.Append(events.Event{Type: events.TypeImage, Action: "build", ID: id, Attributes: attrs})
		}
		done <- err
	}()
	return blog.ID(), done, nil
}

var errNotDir = errors.New("not a directory")

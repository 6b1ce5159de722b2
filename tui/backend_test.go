package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/berth-dev/berth/tui/data"
	"github.com/berth-dev/berth/tui/data/datatest"
)

// recorder is a Backend over fixed view values that records the actions the
// workbench asks for. It is data plus a log, not an engine: nothing changes
// when an action is called.
type recorder struct {
	mu         sync.Mutex
	containers []data.ContainerRow
	images     []data.ImageRow
	calls      []string
	called     chan string
	listed     chan struct{}
	events     chan data.EventRow
	logs       map[string][]data.LogLine
	fail       map[string]error // by "action id"
	builds     []data.BuildRow
	progress   map[string][]data.BuildEvent // by build ID
	buildErr   error                        // what a build started here ends with
}

var _ Backend = (*recorder)(nil)

func newRecorder(nc, ni int) *recorder {
	return &recorder{
		containers: datatest.Containers(nc),
		images:     datatest.Images(ni),
		called:     make(chan string, 100),
		listed:     make(chan struct{}, 100),
		events:     make(chan data.EventRow, 10),
		logs:       map[string][]data.LogLine{},
		fail:       map[string]error{},
		progress:   map[string][]data.BuildEvent{},
	}
}

func (r *recorder) Builds(context.Context) ([]data.BuildRow, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.builds), nil
}

// BuildProgress returns a build's events from the offset, counting one per
// event.
func (r *recorder) BuildProgress(_ context.Context, id string, offset int64) (data.BuildProgress, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.builds {
		if b.ID == id {
			evs := r.progress[id]
			return data.BuildProgress{Build: b, Events: slices.Clone(evs[min(int(offset), len(evs)):]), Offset: int64(len(evs))}, nil
		}
	}
	return data.BuildProgress{}, fmt.Errorf("no build %s", id)
}

// Build records the spec and lists a new running build, which ends when
// the returned channel is sent buildErr.
func (r *recorder) Build(_ context.Context, s data.BuildSpec) (string, <-chan error, error) {
	if err := r.record("build", s.Context, fmt.Sprintf("file=%s tags=%v", s.Dockerfile, s.Tags)); err != nil {
		return "", nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	id := fmt.Sprintf("b%015d", len(r.builds))
	r.builds = append([]data.BuildRow{{ID: id, Context: s.Context, Tags: s.Tags, Started: datatest.Now, Status: data.BuildRunning}}, r.builds...)
	done := make(chan error, 1)
	done <- r.buildErr
	return id, done, nil
}

func (r *recorder) Containers(context.Context) ([]data.ContainerRow, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case r.listed <- struct{}{}:
	default:
	}
	return slices.Clone(r.containers), nil
}

func (r *recorder) Images(context.Context) ([]data.ImageRow, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.images), nil
}

func (r *recorder) Layers(_ context.Context, id string) (data.LayerAnalysis, error) {
	r.record("layers", id, "")
	return datatest.Analysis(), nil
}

func (r *recorder) Namespaces(_ context.Context, id string) (data.NamespaceInfo, error) {
	r.record("namespaces", id, "")
	return datatest.Namespaces(), nil
}

func (r *recorder) Events(ctx context.Context, since time.Time) (<-chan data.EventRow, error) {
	return r.events, nil
}

func (r *recorder) Stats(ctx context.Context, every time.Duration) (<-chan data.StatsSample, error) {
	return nil, errors.New("stats are not recorded")
}

func (r *recorder) Logs(ctx context.Context, id string, opts data.LogOptions) (<-chan data.LogLine, error) {
	r.record("logs", id, "")
	r.mu.Lock()
	lines := r.logs[id]
	r.mu.Unlock()
	ch := make(chan data.LogLine, len(lines))
	for _, l := range lines {
		ch <- l
	}
	close(ch)
	return ch, nil
}

func (r *recorder) record(action, id, arg string) error {
	call := action + " " + id
	if arg != "" {
		call += " " + arg
	}
	r.mu.Lock()
	r.calls = append(r.calls, call)
	err := r.fail[action+" "+id]
	r.mu.Unlock()
	r.called <- call
	return err
}

func (r *recorder) Start(_ context.Context, id string) error   { return r.record("start", id, "") }
func (r *recorder) Stop(_ context.Context, id string) error    { return r.record("stop", id, "") }
func (r *recorder) Restart(_ context.Context, id string) error { return r.record("restart", id, "") }
func (r *recorder) Pause(_ context.Context, id string) error   { return r.record("pause", id, "") }
func (r *recorder) Unpause(_ context.Context, id string) error { return r.record("unpause", id, "") }
func (r *recorder) Kill(_ context.Context, id string) error    { return r.record("kill", id, "") }
func (r *recorder) Remove(_ context.Context, id string) error  { return r.record("remove", id, "") }
func (r *recorder) Rename(_ context.Context, id, name string) error {
	return r.record("rename", id, name)
}
func (r *recorder) RemoveImage(_ context.Context, id string) error {
	return r.record("remove-image", id, "")
}

// byName returns the ID of the fixture container called name.
func (r *recorder) byName(name string) string {
	for _, c := range r.containers {
		if c.Name == name {
			return c.ID
		}
	}
	panic(fmt.Sprintf("no container %s in the fixture", name))
}

// shellProc is a Process that records that it ran and what it was given.
type shellProc struct {
	r             *recorder
	id            string
	hasIn, hasOut bool
	what          string // the call Run records; "shell-ran" when empty
}

func (s *shellProc) SetStdin(in io.Reader)   { s.hasIn = in != nil }
func (s *shellProc) SetStdout(out io.Writer) { s.hasOut = out != nil }
func (s *shellProc) SetStderr(io.Writer)     {}
func (s *shellProc) Run() error {
	if !s.hasIn || !s.hasOut {
		return errors.New("shell run without the terminal's streams")
	}
	if s.what != "" {
		return s.r.record(s.what, s.id, "")
	}
	return s.r.record("shell-ran", s.id, "")
}

func (r *recorder) Shell(_ context.Context, id string) (Process, error) {
	if err := r.record("shell", id, ""); err != nil {
		return nil, err
	}
	return &shellProc{r: r, id: id}, nil
}

func (r *recorder) Changes(_ context.Context, id string) (*data.FileNode, error) {
	r.record("changes", id, "")
	return datatest.Changes(), nil
}

func (r *recorder) Tag(_ context.Context, id, ref string) error { return r.record("tag", id, ref) }
func (r *recorder) Pull(_ context.Context, ref string) error    { return r.record("pull", ref, "") }

func (r *recorder) Run(_ context.Context, s data.RunSpec) (string, error) {
	arg := fmt.Sprintf("%s ports=%v env=%v vols=%v mem=%s cpus=%s cmd=%v", s.Name, s.Ports, s.Env, s.Volumes, s.Memory, s.CPUs, s.Command)
	return "c-new", r.record("run", s.Image, arg)
}

// Attach refuses a container the fixture does not show running, as the
// engine does.
func (r *recorder) Attach(_ context.Context, id string) (Process, error) {
	if err := r.record("attach", id, ""); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.containers {
		if c.ID == id && c.Status != "running" {
			return nil, fmt.Errorf("container not running: %s is %s, start it first", c.Name, c.Status)
		}
	}
	return &shellProc{r: r, id: id, what: "attach-ran"}, nil
}

func (r *recorder) Commit(_ context.Context, id string, s data.CommitSpec) (string, error) {
	return "sha256:c0ffee0000000000", r.record("commit", id, fmt.Sprintf("ref=%s msg=%s author=%s", s.Ref, s.Message, s.Author))
}

func (r *recorder) Push(_ context.Context, id, ref string) (string, error) {
	return "sha256:d16e570000000000", r.record("push", id, ref)
}

func (r *recorder) Save(_ context.Context, ref string, s data.SaveSpec) (int64, error) {
	return 4_400_000, r.record("save", ref, s.Path+" "+s.Format)
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/logs"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/engine/supervisor/supervisortest"
)

// images is a map of real (empty-layered) images by name.
type images map[string]v1.Image

func (m images) Image(ctx context.Context, ref string) (v1.Image, error) {
	if img, ok := m[ref]; ok {
		return img, nil
	}
	return nil, fmt.Errorf("no such image: %s", ref)
}

func testImage(t *testing.T, cfg v1.Config) v1.Image {
	t.Helper()
	img, err := mutate.Config(empty.Image, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// newEngine opens an engine whose containers run as host processes under an
// in-process supervisor: this tests the lifecycle, not isolation.
func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.Images = images{
		"sh": testImage(t, v1.Config{Cmd: []string{"/bin/sh"}, Volumes: map[string]struct{}{"/data": {}}}),
	}
	e.Supervise = func(ctx context.Context, id string, waitAttach bool) error {
		s := &supervisor.Supervisor{Store: e.Containers, Journal: e.Events, Runtime: supervisortest.HostRuntime{},
			Prepare: &supervisortest.ArgsPreparer{}, Rotation: logs.DefaultRotation}
		ready := make(chan error, 1)
		go s.Run(context.Background(), id, func(err error) { ready <- err })
		return <-ready
	}
	// Whatever a failing test leaves running is killed.
	t.Cleanup(func() {
		recs, _ := e.Containers.List()
		for _, r := range recs {
			if r.State.Pid > 0 {
				signalContainer(r, unix.SIGKILL)
			}
		}
	})
	return e
}

func TestRunToExit(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	rec, err := e.Create(ctx, "sh", RunOptions{Name: "once", Cmd: []string{"/bin/sh", "-c", "echo hi; exit 4"}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Config.Hostname != rec.ID[:12] || len(rec.Config.Mounts) != 1 || rec.Config.Mounts[0].Source == "" {
		t.Fatalf("created %+v", rec.Config)
	}
	id, _ := e.Images.(images)["sh"].ConfigName()
	other, _ := v1.NewHash("sha256:" + strings.Repeat("0", 64))
	if used, err := e.ImageInUse(id); !used || err != nil {
		t.Fatalf("the container's image is not in use: %v", err)
	}
	if used, _ := e.ImageInUse(other); used {
		t.Fatal("an unused image reads as in use")
	}
	if err := e.Start(ctx, "once", false); err != nil {
		t.Fatal(err)
	}
	code, err := e.Wait(ctx, "once")
	if err != nil || code != 4 {
		t.Fatalf("wait: %d, %v", code, err)
	}
	evs, _ := e.Events.Read(time.Time{}, time.Time{}, events.Filter{IDs: []string{"once"}})
	if got := fmt.Sprint(actionsOf(evs)); got != "[create start die]" {
		t.Fatalf("events %s", got)
	}
}

func TestStopKillsAfterTimeoutAndSkipsRestart(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	// The shell ignores SIGTERM, so stop must fall back to SIGKILL.
	trapped := filepath.Join(t.TempDir(), "trapped")
	_, err := e.Create(ctx, "sh", RunOptions{Name: "stubborn", Cmd: []string{"/bin/sh", "-c", "trap '' TERM; touch " + trapped + "; while :; do sleep 0.1; done"},
		Restart: container.RestartPolicy{Name: "always"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx, "stubborn", false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(trapped); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	one := 1
	if err := e.Stop(ctx, "stubborn", &one); err != nil {
		t.Fatal(err)
	}
	rec, _ := e.Containers.Get("stubborn")
	if rec.State.Status != container.Exited || rec.State.ExitCode != 137 || rec.RestartCount != 0 {
		t.Fatalf("after stop: %+v restarts %d", rec.State, rec.RestartCount)
	}
}

func TestRemoveRefusesRunningUnlessForced(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	rec, _ := e.Create(ctx, "sh", RunOptions{Name: "busy", Cmd: []string{"/bin/sh", "-c", "exec sleep 30"}})
	if err := e.Start(ctx, "busy", false); err != nil {
		t.Fatal(err)
	}
	if err := e.Remove(ctx, "busy", false, false); !errors.Is(err, ErrRunning) {
		t.Fatalf("remove running: %v, want ErrRunning", err)
	}
	vol := rec.Config.Mounts[0].Source
	if err := e.Remove(ctx, "busy", true, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Containers.Get("busy"); !errors.Is(err, container.ErrNotFound) {
		t.Fatalf("still there: %v", err)
	}
	if _, err := e.Volumes.Get(vol); err == nil {
		t.Fatal("-v left the anonymous volume")
	}
}

func TestCreateFailureLeavesNothing(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	if _, err := e.Create(ctx, "nope", RunOptions{}); err == nil {
		t.Fatal("unknown image accepted")
	}
	if _, err := e.Create(ctx, "sh", RunOptions{Name: "dup"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Create(ctx, "sh", RunOptions{Name: "dup"}); !errors.Is(err, container.ErrNameInUse) {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := e.Create(ctx, "sh", RunOptions{ID: "../escape"}); err == nil || !strings.Contains(err.Error(), "../escape") {
		t.Fatalf("an ID that is not 64 hex digits: %v", err)
	}
	recs, _ := e.Containers.List()
	vols, _ := e.Volumes.List()
	if len(recs) != 1 || len(vols) != 1 {
		t.Fatalf("failed creates left %d containers and %d volumes, want 1 and 1", len(recs), len(vols))
	}
}

func TestCreateTakesTheCallersID(t *testing.T) {
	e := newEngine(t)
	id := container.NewID()
	rec, err := e.Create(context.Background(), "sh", RunOptions{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.Containers.Resolve(id[:12]); rec.ID != id || err != nil || got != id {
		t.Fatalf("created %s, resolved %s (%v), want %s", rec.ID, got, err, id)
	}
	if _, err := e.Create(context.Background(), "sh", RunOptions{ID: id}); err == nil {
		t.Fatal("a second container took an ID in use")
	}
}

// runningUnsupervised creates a container recorded as running with no
// supervisor, and has the engine's Release note the names it releases.
func runningUnsupervised(t *testing.T, e *Engine, name string) (*container.Record, *[]string) {
	t.Helper()
	rec, err := e.Create(context.Background(), "sh", RunOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	e.Containers.Update(rec.ID, func(r *container.Record) error {
		r.State.Status, r.State.Pid = container.Running, 0
		return nil
	})
	var released []string
	e.Release = func(ctx context.Context, r *container.Record) error {
		released = append(released, r.Name)
		return nil
	}
	return rec, &released
}

func TestReconcileMarksOrphansExited(t *testing.T) {
	e := newEngine(t)
	// Its supervisor was killed while nobody watched.
	_, released := runningUnsupervised(t, e, "orphan")
	if err := e.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Containers.Get("orphan")
	if got.State.Status != container.Exited || got.State.ExitCode != 255 || fmt.Sprint(*released) != "[orphan]" {
		t.Fatalf("after reconcile: %+v, released %v", got.State, *released)
	}
}

// A supervisor that records its container's end, and goes, while a
// reconcile looks: the reconcile read the container as running and found no
// supervisor, but the end recorded under the container's lock stands.
func TestReconcileLeavesAnEndJustRecorded(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	rec, released := runningUnsupervised(t, e, "ending")
	// The supervisor holds the container's lock to record the end; the
	// reconcile, started meanwhile, reads the record and waits for it.
	unlock, err := e.Containers.Lock(rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Reconcile(ctx) }()
	time.Sleep(100 * time.Millisecond) // for the reconcile to get to the lock
	e.Containers.UpdateLocked(rec.ID, func(r *container.Record) error {
		r.State.Status, r.State.ExitCode = container.Exited, 137
		return nil
	})
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, _ := e.Containers.Get(rec.ID)
	if got.State.Status != container.Exited || got.State.ExitCode != 137 || len(*released) != 0 {
		t.Fatalf("after reconcile: %+v, released %v; want the recorded end (137) untouched", got.State, *released)
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]int{"KILL": 9, "SIGTERM": 15, "hup": 1, "10": 10} {
		if s, err := ParseSignal(in); err != nil || int(s) != want {
			t.Errorf("ParseSignal(%q) = %d, %v", in, s, err)
		}
	}
	for _, in := range []string{"NOPE", "0", "99"} {
		if _, err := ParseSignal(in); err == nil {
			t.Errorf("ParseSignal(%q) accepted", in)
		}
	}
}

func actionsOf(evs []events.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

func TestStopWithAnotherSignal(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	ready := filepath.Join(t.TempDir(), "ready")
	// TERM is ignored and HUP ends it with 3: a stop with HUP must not fall
	// through to the timeout's SIGKILL (137).
	_, err := e.Create(ctx, "sh", RunOptions{Name: "hup", Cmd: []string{"/bin/sh", "-c",
		"trap '' TERM; trap 'exit 3' HUP; touch " + ready + "; while :; do sleep 0.1; done"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx, "hup", false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	five := 5
	if err := e.StopWith(ctx, "hup", &five, "HUP"); err != nil {
		t.Fatal(err)
	}
	rec, _ := e.Containers.Get("hup")
	if rec.State.ExitCode != 3 {
		t.Fatalf("exit code %d, want 3 from the HUP trap", rec.State.ExitCode)
	}
}

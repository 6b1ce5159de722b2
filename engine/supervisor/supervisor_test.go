package supervisor_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine/attach"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/logs"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/engine/supervisor/supervisortest"
)

func setup(t *testing.T, cfg container.Config) (*supervisor.Supervisor, *container.Record) {
	t.Helper()
	root := t.TempDir()
	store, err := container.Open(filepath.Join(root, "containers"))
	if err != nil {
		t.Fatal(err)
	}
	j, _ := events.Open(filepath.Join(root, "events.log"))
	rec := &container.Record{Name: "sup", Image: "busybox", Config: cfg, State: container.State{Status: container.Created}}
	if err := store.Create(rec); err != nil {
		t.Fatal(err)
	}
	return &supervisor.Supervisor{Store: store, Journal: j, Runtime: supervisortest.HostRuntime{}, Prepare: &supervisortest.ArgsPreparer{}, Rotation: logs.DefaultRotation}, rec
}

func TestRunLogsOutputAndRecordsExit(t *testing.T) {
	s, rec := setup(t, container.Config{Cmd: []string{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}})
	var ready []error
	if err := s.Run(context.Background(), rec.ID, func(err error) { ready = append(ready, err) }); err != nil {
		t.Fatal(err)
	}
	if len(ready) != 1 || ready[0] != nil {
		t.Fatalf("ready said %v", ready)
	}
	got, _ := s.Store.Get(rec.ID)
	if got.State.Status != container.Exited || got.State.ExitCode != 3 || got.State.FinishedAt.IsZero() {
		t.Fatalf("state %+v", got.State)
	}
	var lines []string
	logs.Read(context.Background(), filepath.Join(s.Store.Dir(rec.ID), supervisor.LogFile), logs.ReadOptions{Tail: -1}, func(e logs.Entry) error {
		lines = append(lines, e.Stream+":"+e.Line)
		return nil
	})
	if strings.Join(lines, ",") != "stdout:out,stderr:err" && strings.Join(lines, ",") != "stderr:err,stdout:out" {
		t.Fatalf("log %v", lines)
	}
	evs, _ := s.Journal.Read(time.Time{}, time.Time{}, events.Filter{})
	var acts []string
	for _, e := range evs {
		acts = append(acts, e.Action+"/"+e.Attributes["exitCode"])
	}
	if strings.Join(acts, " ") != "start/ die/3" {
		t.Fatalf("events %v", acts)
	}
}

func TestAttachedClientSeesAllOutputAndExitCode(t *testing.T) {
	s, rec := setup(t, container.Config{Cmd: []string{"/bin/sh", "-c", "echo first; read x; echo got $x; exit 7"}, OpenStdin: true})
	s.WaitAttach = true
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background(), rec.ID, func(error) {}) }()
	sock := filepath.Join(s.Store.Dir(rec.ID), supervisor.AttachSocket)
	var c *attach.Client
	for i := 0; i < 500; i++ {
		var err error
		if c, err = attach.Dial(sock); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c == nil {
		t.Fatal("could not attach")
	}
	if err := c.WaitReady(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "hello\n")
	var out bytes.Buffer
	code, err := c.Copy(&out, io.Discard)
	if err != nil || code != 7 || out.String() != "first\ngot hello\n" {
		t.Fatalf("attached: %q code %d, %v", out.String(), code, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestOnFailureRestartsUpToTheLimit(t *testing.T) {
	s, rec := setup(t, container.Config{Cmd: []string{"/bin/sh", "-c", "exit 1"},
		Restart: container.RestartPolicy{Name: "on-failure", MaxRetries: 2}})
	if err := s.Run(context.Background(), rec.ID, func(error) {}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Store.Get(rec.ID)
	if got.RestartCount != 2 || got.State.Status != container.Exited || got.State.ExitCode != 1 {
		t.Fatalf("restarts %d, state %+v", got.RestartCount, got.State)
	}
	if n := s.Prepare.(*supervisortest.ArgsPreparer).Prepared; n != 3 {
		t.Fatalf("ran %d times, want 3", n)
	}
}

func TestSecondSupervisorIsRefused(t *testing.T) {
	s, rec := setup(t, container.Config{Cmd: []string{"/bin/sh", "-c", "exec sleep 30"}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, rec.ID, func(err error) { started <- err }) }()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	defer func() {
		got, _ := s.Store.Get(rec.ID)
		killPid(got.State.Pid)
		<-done // the supervisor records the end before the directory goes
	}()
	dir := s.Store.Dir(rec.ID)
	for i := 0; i < 500 && !supervisor.Alive(dir); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !supervisor.Alive(dir) {
		t.Fatal("supervisor not seen alive")
	}
	var ready error
	if err := s.Run(context.Background(), rec.ID, func(err error) { ready = err }); !errors.Is(err, supervisor.ErrSupervised) || !errors.Is(ready, supervisor.ErrSupervised) {
		t.Fatalf("second supervisor: %v, ready %v", err, ready)
	}
}

func TestHealthGoesHealthyThenUnhealthy(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "healthy")
	os.WriteFile(flag, nil, 0o644)
	s, rec := setup(t, container.Config{Cmd: []string{"/bin/sh", "-c", "exec sleep 30"},
		Healthcheck: &container.Healthcheck{Test: []string{"CMD-SHELL", "echo checking; test -e " + flag},
			Interval: 50 * time.Millisecond, Timeout: 5 * time.Second, Retries: 2}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, rec.ID, func(error) {}) }()
	waitHealth := func(want string) *container.Record {
		t.Helper()
		for i := 0; i < 400; i++ {
			if got, _ := s.Store.Get(rec.ID); got != nil && got.State.Health == want {
				return got
			}
			time.Sleep(25 * time.Millisecond)
		}
		got, _ := s.Store.Get(rec.ID)
		t.Fatalf("health %q, want %q", got.State.Health, want)
		return nil
	}
	got := waitHealth("healthy")
	if last := got.State.HealthLog[len(got.State.HealthLog)-1]; last.ExitCode != 0 || last.Output != "checking\n" {
		t.Fatalf("last check %+v", last)
	}
	os.Remove(flag)
	got = waitHealth("unhealthy")
	if got.State.FailingStreak < 2 || len(got.State.HealthLog) > 5 {
		t.Fatalf("streak %d, log of %d", got.State.FailingStreak, len(got.State.HealthLog))
	}
	// The event follows the record's update: wait for it as for the status.
	var health []string
	for i := 0; i < 400; i++ {
		evs, _ := s.Journal.Read(time.Time{}, time.Time{}, events.Filter{})
		health = health[:0]
		for _, e := range evs {
			if strings.HasPrefix(e.Action, "health_status") {
				health = append(health, e.Action)
			}
		}
		if len(health) >= 2 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if strings.Join(health, ",") != "health_status: healthy,health_status: unhealthy" {
		t.Fatalf("health events %v", health)
	}
	killPid(got.State.Pid)
	// The supervisor records the end; the test's directory goes after it.
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// killPid kills a container's process; a zero pid (the container is not
// running) must never reach kill(2), where it means this whole process group.
func killPid(pid int) {
	if pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

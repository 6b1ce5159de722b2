package tui

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
	"github.com/berth-dev/berth/tui/data"
	"github.com/berth-dev/berth/tui/data/datatest"
)

// wait bounds how long a flow waits for the program; it is a limit on a
// hang, not a measure of speed.
const wait = 10 * time.Second

// flow is a running workbench and the messages it has received.
type flow struct {
	*teatest.TestModel
	msgs chan tea.Msg
}

// start runs a workbench over r; setup, if any, changes the model before
// the program starts.
func start(t *testing.T, r *recorder, streams bool, setup ...func(*Model)) *flow {
	t.Helper()
	pal := themes.Dark
	m, err := New(context.Background(), r, Options{Palette: &pal, Now: datatest.Clock, NoStreams: !streams})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(m)
	}
	f := &flow{msgs: make(chan tea.Msg, 4096)}
	// The filter sees each message just before the model does, so once a
	// message is seen here, every key sent after it is handled after it.
	see := func(_ tea.Model, msg tea.Msg) tea.Msg {
		select {
		case f.msgs <- msg:
		default:
		}
		return msg
	}
	f.TestModel = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithFilter(see)))
	t.Cleanup(func() { f.Quit() })
	waitFor(t, f.TestModel, "web-0")
	return f
}

// seen waits until the program receives a message for which ok is true.
func (f *flow) seen(t *testing.T, what string, ok func(tea.Msg) bool) tea.Msg {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case msg := <-f.msgs:
			if ok(msg) {
				return msg
			}
		case <-timeout:
			t.Fatalf("the workbench never received %s", what)
		}
	}
}

func (f *flow) action(t *testing.T) common.ActionMsg {
	t.Helper()
	return f.seen(t, "an action request", func(m tea.Msg) bool { _, ok := m.(common.ActionMsg); return ok }).(common.ActionMsg)
}

func (f *flow) done(t *testing.T) common.ActionDoneMsg {
	t.Helper()
	return f.seen(t, "an action's result", func(m tea.Msg) bool { _, ok := m.(common.ActionDoneMsg); return ok }).(common.ActionDoneMsg)
}

// final quits and returns the model as the program left it.
func (f *flow) final(t *testing.T) *Model {
	t.Helper()
	f.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	return f.FinalModel(t, teatest.WithFinalTimeout(wait)).(*Model)
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(wait), teatest.WithCheckInterval(10*time.Millisecond))
}

func press(tm *flow, ks ...string) {
	for _, k := range ks {
		tm.Send(keyPress(k))
	}
}

// calls collects n calls the workbench made of the backend.
func calls(t *testing.T, r *recorder, n int) []string {
	t.Helper()
	var got []string
	timeout := time.After(wait)
	for len(got) < n {
		select {
		case c := <-r.called:
			got = append(got, c)
		case <-timeout:
			t.Fatalf("backend saw %d calls %v, want %d", len(got), got, n)
		}
	}
	slices.Sort(got)
	return got
}

func TestFlowFilterMarkConfirmKill(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	tm.Type("/cache")
	press(tm, "enter", "space", "space", "K")
	if a := tm.action(t); a.Action != common.Kill || len(a.Targets) != 2 {
		t.Fatalf("K asked for %+v", a)
	}
	press(tm, "y")
	got := calls(t, r, 2)
	want := []string{"kill " + r.byName("cache-1"), "kill " + r.byName("cache-11")}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("backend calls %v, want %v", got, want)
	}
}

func TestFlowCancelCallsNothing(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "d")
	tm.action(t)
	press(tm, "enter") // "No" has the focus
	press(tm, "s")     // start is not destructive: no dialog
	tm.action(t)
	got := calls(t, r, 1)
	if got[0] != "start "+r.byName("api-4") {
		t.Fatalf("after cancel the backend saw %v", got)
	}
}

func TestFlowRename(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "R")
	tm.action(t)
	press(tm, "ctrl+u")
	tm.Type("frontend")
	press(tm, "enter")
	got := calls(t, r, 1)
	if got[0] != "rename "+r.byName("api-4")+" frontend" {
		t.Fatalf("rename called as %v", got)
	}
}

func TestFlowErrorIsShown(t *testing.T) {
	r := newRecorder(12, 4)
	r.fail["stop "+r.byName("api-4")] = errors.New("container is not running")
	tm := start(t, r, false)
	press(tm, "S")
	tm.action(t)
	press(tm, "y")
	tm.done(t)
	m := tm.final(t)
	if !m.isError || m.status != "stop api-4: container is not running" {
		t.Fatalf("status %q (error %v)", m.status, m.isError)
	}
	if v := m.Render(); !strings.Contains(v, "stop api-4: container is not running") {
		t.Fatal("the error is not drawn")
	}
}

func TestFlowEventReloadsAndShows(t *testing.T) {
	r := newRecorder(3, 2)
	tm := start(t, r, true)
	for len(r.listed) > 0 { // the lists loaded at start
		<-r.listed
	}
	r.mu.Lock()
	r.containers[0].Status = "exited"
	r.mu.Unlock()
	r.events <- data.EventRow{Time: datatest.Now, Type: "container", Action: "die", ID: r.containers[0].ID, Name: "web-0"}
	select {
	case <-r.listed:
	case <-time.After(wait):
		t.Fatal("an event did not reload the containers")
	}
	m := tm.final(t)
	keys(m, "3")
	if v := m.Render(); !strings.Contains(v, "die") {
		t.Fatalf("the event is not in the timeline:\n%s", v)
	}
}

func TestFlowLogsOfMarked(t *testing.T) {
	r := newRecorder(12, 4)
	a, b := r.byName("api-4"), r.byName("api-9")
	r.logs[a] = datatest.Logs(a, "api-4", 3)
	r.logs[b] = []data.LogLine{{ContainerID: b, Stream: data.Stderr, Text: "panic: the disk is full"}}
	tm := start(t, r, false)
	press(tm, "space", "space", "enter")
	got := calls(t, r, 2)
	if !slices.Equal(got, sorted("logs "+a, "logs "+b)) {
		t.Fatalf("logs asked for %v", got)
	}
	for range 2 { // each stream ends after its lines are shown
		tm.seen(t, "the end of a log stream", func(m tea.Msg) bool { _, ok := m.(streamEndMsg); return ok })
	}
	fm := tm.final(t)
	if fm.Pane().Name() != "logs" {
		t.Fatalf("enter on marked containers left the %s pane open", fm.Pane().Name())
	}
	v := commontest.Plain(fm.Render())
	if !strings.Contains(v, "api-4 + api-9") || !strings.Contains(v, "panic: the disk is full") || !strings.Contains(v, "GET /api/items/2") {
		t.Fatalf("the logs pane does not show both containers:\n%s", v)
	}
}

func sorted(s ...string) []string { slices.Sort(s); return s }

func TestFlowShellTakesTheTerminal(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "E")
	got := calls(t, r, 2)
	id := r.byName("api-4")
	if !slices.Equal(got, []string{"shell " + id, "shell-ran " + id}) {
		t.Fatalf("shell calls %v", got)
	}
	tm.seen(t, "the shell's end", func(m tea.Msg) bool { _, ok := m.(handoverDoneMsg); return ok })
	m := tm.final(t)
	if m.isError || m.status != "left the shell in api-4" {
		t.Fatalf("after the shell the status is %q", m.status)
	}
}

func TestFlowContainerChanges(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "D")
	if got := calls(t, r, 1); got[0] != "changes "+r.byName("api-4") {
		t.Fatalf("D asked for %v", got)
	}
	tm.seen(t, "the changes", func(m tea.Msg) bool { _, ok := m.(common.ChangesMsg); return ok })
	m := tm.final(t)
	if v := commontest.Plain(m.Render()); m.Pane().Name() != "layers" || !strings.Contains(v, "nginx.log") {
		t.Fatalf("the changes are not shown in %s:\n%s", m.Pane().Name(), v)
	}
}

func TestFlowTagAndPull(t *testing.T) {
	r := newRecorder(3, 4)
	tm := start(t, r, false)
	press(tm, "2", "T")
	tm.action(t)
	press(tm, "ctrl+u")
	tm.Type("berth/api:v2")
	press(tm, "enter")
	if got := calls(t, r, 1); got[0] != "tag "+r.images[3].ID+" berth/api:v2" { // the first by name: <none>
		t.Fatalf("tag called as %v", got)
	}
	press(tm, "P")
	tm.action(t)
	tm.Type("busybox:1.36")
	press(tm, "enter")
	if got := calls(t, r, 1); got[0] != "pull busybox:1.36" {
		t.Fatalf("pull called as %v", got)
	}
	tm.seen(t, "the pull's result", func(m tea.Msg) bool { d, ok := m.(common.ActionDoneMsg); return ok && d.Action == common.Pull })
	if m := tm.final(t); m.status != "pull: busybox:1.36 done" {
		t.Fatalf("status after pull: %q", m.status)
	}
}

func TestFlowRunForm(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "N") // on api-4: the form starts from its image
	tm.action(t)
	press(tm, "tab")
	tm.Type("svc")
	press(tm, "tab")
	tm.Type("8080:80, 127.0.0.1:9090:90")
	press(tm, "tab")
	tm.Type("A=1,B=two")
	press(tm, "tab", "tab")
	tm.Type("256m")
	press(tm, "tab", "tab")
	tm.Type("sh -c true")
	press(tm, "enter") // the last field: run
	got := calls(t, r, 1)
	want := "run ghcr.io/berth-dev/api:2.3.1 svc ports=[8080:80 127.0.0.1:9090:90] env=[A=1 B=two] vols=[] mem=256m cpus= cmd=[sh -c true]"
	if got[0] != want {
		t.Fatalf("run called as\n%s\nwant\n%s", got[0], want)
	}
}

func TestFlowBuildPaneAndForm(t *testing.T) {
	r := newRecorder(3, 2)
	r.builds = datatest.Builds()
	for _, b := range r.builds {
		r.progress[b.ID] = datatest.BuildEvents(b.ID)
	}
	tm := start(t, r, false)
	press(tm, "8")
	waitFor(t, tm.TestModel, "rendering page 30 of 30")
	press(tm, "b") // the form, filled from the selected build
	tm.seen(t, "the form's request", func(m tea.Msg) bool { _, ok := m.(common.NewBuildMsg); return ok })
	press(tm, "tab", "tab", "ctrl+u")
	tm.Type("site:3")
	press(tm, "ctrl+s")
	if got := calls(t, r, 1); got[0] != "build /home/dev/site file= tags=[site:3]" {
		t.Fatalf("build called as %v", got)
	}
	tm.seen(t, "the build's end", func(m tea.Msg) bool { _, ok := m.(buildDoneMsg); return ok })
	m := tm.final(t)
	if m.status != "build: site:3 done" {
		t.Errorf("status after the build: %q", m.status)
	}
	_, p := m.pane("build")
	if id := p.(interface{ Selected() string }).Selected(); id != "b000000000000003" {
		t.Errorf("the build started here is not selected: %s", id)
	}
}

func TestFlowBuildFromAnotherPane(t *testing.T) {
	r := newRecorder(3, 2)
	r.buildErr = errors.New("Dockerfile:2: COPY missing.txt: no such file")
	tm := start(t, r, false)
	press(tm, ":")
	tm.Type("new-build")
	press(tm, "enter")
	tm.seen(t, "the form's request", func(m tea.Msg) bool { _, ok := m.(common.NewBuildMsg); return ok })
	press(tm, "ctrl+u", "ctrl+s") // no context: the form says so and stays
	tm.Type("/src")
	press(tm, "ctrl+s")
	if got := calls(t, r, 1); got[0] != "build /src file= tags=[]" {
		t.Fatalf("build called as %v", got)
	}
	tm.seen(t, "the build's end", func(m tea.Msg) bool { _, ok := m.(buildDoneMsg); return ok })
	m := tm.final(t)
	if m.Pane().Name() != "build" || !m.isError || m.status != "build /src: Dockerfile:2: COPY missing.txt: no such file" {
		t.Errorf("after a failed build: pane %s, status %q", m.Pane().Name(), m.status)
	}
}

package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/common/commontest"
)

// doneWith waits for the result of action a.
func (f *flow) doneWith(t *testing.T, a common.Action) common.ActionDoneMsg {
	t.Helper()
	return f.seen(t, "the result of "+string(a), func(m tea.Msg) bool {
		d, ok := m.(common.ActionDoneMsg)
		return ok && d.Action == a
	}).(common.ActionDoneMsg)
}

func TestFlowCommitForm(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "c") // on api-4
	tm.action(t)
	press(tm, "ctrl+u")
	tm.Type("berth/api:snap")
	press(tm, "tab")
	tm.Type("before the upgrade")
	press(tm, "tab")
	tm.Type("Ops <ops@example.com>")
	press(tm, "enter") // the last field: commit
	got := calls(t, r, 1)
	want := "commit " + r.byName("api-4") + " ref=berth/api:snap msg=before the upgrade author=Ops <ops@example.com>"
	if got[0] != want {
		t.Fatalf("commit called as\n%s\nwant\n%s", got[0], want)
	}
	tm.doneWith(t, common.Commit)
	m := tm.final(t)
	if m.isError || m.status != "committed api-4 as berth/api:snap, image c0ffee000000" {
		t.Fatalf("status after commit: %q", m.status)
	}
}

func TestFlowCommitCancelled(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "c")
	tm.action(t)
	press(tm, "esc", "s") // the form closes; s is start again
	got := calls(t, r, 1)
	if got[0] != "start "+r.byName("api-4") {
		t.Fatalf("after a cancelled commit the backend saw %v", got)
	}
}

func TestFlowAttachTakesTheTerminal(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "a")
	got := calls(t, r, 2)
	id := r.byName("api-4")
	if !slices.Equal(got, []string{"attach " + id, "attach-ran " + id}) {
		t.Fatalf("attach calls %v", got)
	}
	tm.seen(t, "the attachment's end", func(m tea.Msg) bool { _, ok := m.(handoverDoneMsg); return ok })
	m := tm.final(t)
	if m.isError || m.status != "detached from api-4" {
		t.Fatalf("after attaching the status is %q", m.status)
	}
}

func TestFlowAttachToStoppedIsAnError(t *testing.T) {
	r := newRecorder(12, 4)
	tm := start(t, r, false)
	press(tm, "/")
	tm.Type("job-3")
	press(tm, "enter", "a")
	if got := calls(t, r, 1); got[0] != "attach "+r.byName("job-3") {
		t.Fatalf("attach called as %v", got)
	}
	tm.seen(t, "the error", func(m tea.Msg) bool { _, ok := m.(common.ErrorMsg); return ok })
	m := tm.final(t)
	want := "attaching to job-3: container not running: job-3 is exited, start it first"
	if !m.isError || m.status != want {
		t.Fatalf("status %q (error %v), want %q", m.status, m.isError, want)
	}
	if strings.Contains(fmt.Sprint(r.calls), "attach-ran") {
		t.Fatal("the terminal was handed to a stopped container")
	}
}

// opener records the addresses it is asked to open and answers as a
// desktop with a browser (ok) or without one.
type opener struct {
	urls []string
	ok   bool
	err  error
}

func (o *opener) open(url string) (bool, error) {
	o.urls = append(o.urls, url)
	return o.ok, o.err
}

func TestFlowOpenPortWithoutBrowserShowsTheAddress(t *testing.T) {
	r := newRecorder(12, 4)
	o := &opener{}
	tm := start(t, r, false, func(m *Model) { m.openURL = o.open })
	press(tm, "w") // api-4 publishes 9004 on 127.0.0.1 and 9443 on every address
	tm.seen(t, "the port opened", func(m tea.Msg) bool { _, ok := m.(browsedMsg); return ok })
	waitFor(t, tm.TestModel, "no browser found")
	m := tm.final(t)
	want := "api-4: http://127.0.0.1:9004 (also published: http://127.0.0.1:9443) · no browser found, copy the address"
	if m.status != want || m.isError || !m.sticky {
		t.Fatalf("status %q (error %v, sticky %v), want %q", m.status, m.isError, m.sticky, want)
	}
	if !slices.Equal(o.urls, []string{"http://127.0.0.1:9004"}) {
		t.Fatalf("opened %v", o.urls)
	}
	m.back()
	if m.status != "" {
		t.Fatalf("esc left %q", m.status)
	}
}

func TestFlowOpenPortInBrowser(t *testing.T) {
	r := newRecorder(12, 4)
	o := &opener{ok: true}
	tm := start(t, r, false, func(m *Model) { m.openURL = o.open })
	press(tm, "/")
	tm.Type("web-0")
	press(tm, "enter", "w")
	tm.seen(t, "the port opened", func(m tea.Msg) bool { _, ok := m.(browsedMsg); return ok })
	m := tm.final(t)
	if m.status != "opened http://127.0.0.1:8080 for web-0" || m.isError {
		t.Fatalf("status %q", m.status)
	}
}

func TestFlowOpenPortOfStoppedContainer(t *testing.T) {
	r := newRecorder(12, 4)
	o := &opener{ok: true}
	tm := start(t, r, false, func(m *Model) { m.openURL = o.open })
	press(tm, "/")
	tm.Type("web-5") // exited(137), publishing 8085
	press(tm, "enter", "w")
	tm.seen(t, "the error", func(m tea.Msg) bool { _, ok := m.(common.ErrorMsg); return ok })
	m := tm.final(t)
	if want := "web-5 is exited: its ports are closed until it is started"; m.status != want || !m.isError {
		t.Fatalf("status %q, want %q", m.status, want)
	}
	if len(o.urls) != 0 {
		t.Fatalf("opened %v", o.urls)
	}
}

func TestOpenPortErrors(t *testing.T) {
	m, _ := screen(t, themes.Dark, 120, 24, 12, 4)
	m.openURL = (&opener{err: errors.New("xdg-open: exit status 3")}).open
	m.Update(common.ActionMsg{Action: common.Browse, Targets: []common.Target{{Name: "job-1"}}})
	if !m.isError || !strings.Contains(m.status, "job-1: no published TCP port") {
		t.Fatalf("a container without ports: %q", m.status)
	}
	_, cmd := m.Update(common.ActionMsg{Action: common.Browse, Targets: []common.Target{{Name: "web-0"}}, URLs: []string{"http://127.0.0.1:8080"}})
	m.Update(cmd())
	if !m.isError || m.status != "opening http://127.0.0.1:8080 for web-0: xdg-open: exit status 3" {
		t.Fatalf("a failing opener: %q", m.status)
	}
}

func TestFlowPush(t *testing.T) {
	r := newRecorder(3, 4)
	tm := start(t, r, false)
	press(tm, "2", "j", "U") // the second image by name: busybox
	act := tm.action(t)
	press(tm, "ctrl+u")
	tm.Type("127.0.0.1:5000/tools/busybox:1")
	press(tm, "enter")
	got := calls(t, r, 1)
	if got[0] != "push "+act.Targets[0].ID+" 127.0.0.1:5000/tools/busybox:1" {
		t.Fatalf("push called as %v", got)
	}
	tm.doneWith(t, common.Push)
	m := tm.final(t)
	want := "pushed " + act.Targets[0].Name + " to 127.0.0.1:5000/tools/busybox:1, digest d16e57000000"
	if m.status != want {
		t.Fatalf("status %q, want %q", m.status, want)
	}
}

func TestFlowSaveForm(t *testing.T) {
	r := newRecorder(3, 4)
	tm := start(t, r, false)
	press(tm, "2", "j", "W")
	act := tm.action(t)
	name := act.Targets[0].Name
	press(tm, "tab", "ctrl+u")
	tm.Type("tar") // not a format: the form says so and stays open
	press(tm, "enter")
	waitFor(t, tm.TestModel, "unknown format")
	press(tm, "ctrl+u")
	tm.Type("oci-archive")
	press(tm, "enter")
	got := calls(t, r, 1)
	file := strings.NewReplacer("/", "_", ":", "_").Replace(name) + ".tar"
	if got[0] != "save "+name+" "+file+" oci-archive" {
		t.Fatalf("save called as %v, want the file %s", got, file)
	}
	tm.doneWith(t, common.Save)
	m := tm.final(t)
	if want := "saved " + name + " to " + file + " (4.40MB, oci-archive)"; m.status != want {
		t.Fatalf("status %q, want %q", m.status, want)
	}
}

func TestSaveOfUnnamedImageUsesItsID(t *testing.T) {
	m, r := screen(t, themes.Dark, 80, 24, 3, 4)
	id := "sha256:0123456789abcdef0123"
	m.Update(common.ActionMsg{Action: common.Save, Targets: []common.Target{{ID: id, Name: noName}}})
	if v := m.form.Value(fFile); v != "0123456789ab.tar" {
		t.Fatalf("file %q", v)
	}
	_, cmd := m.Update(keyPress("ctrl+s"))
	for _, msg := range batch(cmd) {
		if _, ok := msg.(common.ActionDoneMsg); ok {
			m.Update(msg)
		}
	}
	if got := r.calls; len(got) != 1 || got[0] != "save "+id+" 0123456789ab.tar docker-archive" {
		t.Fatalf("save called as %v", got)
	}
}

// batch runs a command and the commands of a batch, but no ticks.
func batch(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, batch(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// TestActionForms draws the new forms and prompt over the panes they open
// from.
func TestActionForms(t *testing.T) {
	cases := map[string]func(m *Model){
		"commit":       func(m *Model) { act(m, "c") },
		"save":         func(m *Model) { act(m, "2", "j", "j", "W") },
		"push":         func(m *Model) { act(m, "2", "j", "j", "U") },
		"push_unnamed": func(m *Model) { act(m, "2", "U") },
		"save_error": func(m *Model) {
			act(m, "2", "W")
			keys(m, "tab", "ctrl+u", "z", "i", "p", "ctrl+s")
		},
	}
	for name, f := range cases {
		for _, s := range [][2]int{{60, 20}, {80, 24}} {
			t.Run(fmt.Sprintf("%s_%dx%d", name, s[0], s[1]), func(t *testing.T) {
				m, r := screen(t, themes.Dark, s[0], s[1], 30, 10)
				f(m)
				v := m.Render()
				commontest.CheckFrame(t, v, s[0], s[1])
				golden.RequireEqual(t, v)
				if len(r.calls) != 0 {
					t.Fatalf("opening a form called %v", r.calls)
				}
			})
		}
	}
}

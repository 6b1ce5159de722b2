package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/form"
	"github.com/berth-dev/berth/tui/data"
)

// How often a running build is read while the Build pane shows it, and how
// often the list of builds is read while the pane is shown: a build started
// from a terminal appears within buildsEvery.
const (
	buildPollEvery = 250 * time.Millisecond
	buildsEvery    = 800 * time.Millisecond
)

// buildWatch is the build whose progress the workbench follows.
type buildWatch struct {
	id      string
	offset  int64 // read up to here
	gen     int   // tags reads and ticks, so that those of a build left are dropped
	running bool
	polling bool // a read or a tick is under way
	listing bool // the list's tick is armed
	listTag int
}

// Messages of the build follower.
type (
	buildsLoadedMsg struct{ rows []data.BuildRow }
	buildsTickMsg   struct{ tag int }
	buildReadMsg    struct {
		gen  int
		id   string
		from int64
		p    data.BuildProgress
		err  error
	}
	buildPollMsg    struct{ gen int }
	buildStartedMsg struct {
		id, name string
		done     <-chan error
	}
	buildDoneMsg struct {
		name string
		err  error
	}
)

func (m *Model) buildShown() bool {
	return !m.help && m.Pane().Name() == "build"
}

func (m *Model) loadBuilds() tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	return func() tea.Msg {
		rows, err := b.Builds(ctx)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("listing builds: %w", err)}
		}
		return buildsLoadedMsg{rows}
	}
}

// listBuildsTick arms the list's tick, unless it is armed.
func (m *Model) listBuildsTick() tea.Cmd {
	if m.bw.listing || m.opts.NoStreams {
		return nil
	}
	m.bw.listing = true
	m.bw.listTag++
	tag := m.bw.listTag
	return tea.Tick(buildsEvery, func(time.Time) tea.Msg { return buildsTickMsg{tag} })
}

func (m *Model) readBuild() tea.Cmd {
	b, ctx, w := m.backend, m.c.Ctx, m.bw
	m.bw.polling = true
	return func() tea.Msg {
		p, err := b.BuildProgress(ctx, w.id, w.offset)
		return buildReadMsg{gen: w.gen, id: w.id, from: w.offset, p: p, err: err}
	}
}

// buildPaneShown resumes what the Build pane follows when it comes into
// view: the list's tick and the reads of a running build.
func (m *Model) buildPaneShown() tea.Cmd {
	if !m.buildShown() {
		return nil
	}
	cmds := []tea.Cmd{m.loadBuilds(), m.listBuildsTick()}
	if m.bw.id != "" && m.bw.running && !m.bw.polling {
		cmds = append(cmds, m.readBuild())
	}
	return tea.Batch(cmds...)
}

// updateBuild handles the build follower's messages; ok is false for
// other messages.
func (m *Model) updateBuild(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case buildsLoadedMsg:
		return m.broadcast(common.BuildsMsg(msg.rows)), true
	case buildsTickMsg:
		if msg.tag != m.bw.listTag {
			return nil, true
		}
		m.bw.listing = false
		if !m.buildShown() {
			return nil, true
		}
		return tea.Batch(m.loadBuilds(), m.listBuildsTick()), true
	case common.WatchBuildMsg:
		if msg.ID == m.bw.id {
			return nil, true
		}
		m.bw.gen++
		m.bw.id, m.bw.offset, m.bw.running = msg.ID, 0, false
		return m.readBuild(), true
	case buildReadMsg:
		if msg.gen != m.bw.gen {
			return nil, true
		}
		m.bw.polling = false
		if msg.err != nil {
			m.bw.running = false
			return m.fail(fmt.Errorf("reading build %s: %w", msg.id[:min(8, len(msg.id))], msg.err)), true
		}
		m.bw.offset, m.bw.running = msg.p.Offset, msg.p.Build.Running()
		cmd := m.broadcast(common.BuildProgressMsg{ID: msg.id, From: msg.from, Progress: msg.p})
		if m.bw.running && m.buildShown() && !m.opts.NoStreams {
			m.bw.polling = true
			gen := m.bw.gen
			cmd = tea.Batch(cmd, tea.Tick(buildPollEvery, func(time.Time) tea.Msg { return buildPollMsg{gen} }))
		}
		return cmd, true
	case buildPollMsg:
		if msg.gen != m.bw.gen {
			return nil, true
		}
		m.bw.polling = false
		if !m.buildShown() {
			return nil, true // resumed when the pane is shown again
		}
		return m.readBuild(), true
	case common.NewBuildMsg:
		m.openBuildForm(msg.Spec)
		return nil, true
	case buildStartedMsg:
		cmds := []tea.Cmd{m.loadBuilds(), waitBuild(msg.name, msg.done)}
		if i, _ := m.pane("build"); i >= 0 && i != m.active {
			m.trail = append(m.trail, m.active)
			m.active = i
		}
		cmds = append(cmds, m.broadcast(common.BuildStartedMsg{ID: msg.id}))
		return tea.Batch(cmds...), true
	case buildDoneMsg:
		m.pending = max(0, m.pending-1)
		reload := tea.Batch(m.loadBuilds(), m.loadImages())
		if msg.err != nil {
			return tea.Batch(m.fail(fmt.Errorf("build %s: %w", msg.name, msg.err)), reload), true
		}
		return tea.Batch(m.note("build: "+msg.name+" done"), reload), true
	}
	return nil, false
}

func waitBuild(name string, done <-chan error) tea.Cmd {
	return func() tea.Msg { return buildDoneMsg{name, <-done} }
}

// The build form's fields.
const (
	fContext    = "context"
	fDockerfile = "dockerfile"
	fTags       = "tags"
)

// openBuildForm asks what to build, starting from spec.
func (m *Model) openBuildForm(spec data.BuildSpec) {
	m.form = form.New(m.c, "Build an image",
		form.NewField(fContext, "the build context: a directory, as in `berth build DIR`", spec.Context),
		form.NewField(fDockerfile, "the Dockerfile, relative to the context; empty for DIR/Dockerfile", spec.Dockerfile),
		form.NewField(fTags, "names for the image, comma-separated: app:1, app:latest", strings.Join(spec.Tags, ", ")),
	)
	m.form.Verb = "build"
	m.submit = m.submitBuild
}

func (m *Model) submitBuild() (tea.Cmd, error) {
	f := m.form
	spec := data.BuildSpec{Context: f.Value(fContext), Dockerfile: f.Value(fDockerfile), Tags: list(f.Value(fTags))}
	if spec.Context == "" {
		return nil, errNoContext
	}
	return m.startBuild(spec), nil
}

// startBuild starts a build in a command; its end comes back as a
// buildDoneMsg.
func (m *Model) startBuild(spec data.BuildSpec) tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	name := strings.Join(spec.Tags, ", ")
	if name == "" {
		name = spec.Context
	}
	m.pending++
	return tea.Batch(func() tea.Msg {
		id, done, err := b.Build(ctx, spec)
		if err != nil {
			return buildDoneMsg{name, err}
		}
		return buildStartedMsg{id, name, done}
	}, m.note("build: "+name+"…"))
}

var errNoContext = errors.New("a build context is needed: type a directory in the first field")

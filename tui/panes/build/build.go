// Package build is the workbench's Build pane: the recorded builds, those
// run from the command line included, and for the selected one its steps
// as they happen: cache hit or miss and why, time, layer size, the output
// of a step, warnings and the image built.
package build

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/data"
)

// keep bounds the output lines the pane holds for one step.
const keep = 5000

// state is where a step is.
type state int

const (
	running state = iota
	cached
	done
	failed
)

// step is one step of the shown build, put together from its events.
type step struct {
	n, total    int
	stage       string
	instruction string
	started     time.Time
	state       state
	reason      string // why the cache missed, when it did
	took        time.Duration
	size        int64
	err         string
	out         []string
}

// focus says which part of the pane the arrows move in.
type focus int

const (
	onList focus = iota
	onSteps
)

// Pane is the Build pane.
type Pane struct {
	c      *common.Common
	builds []data.BuildRow
	selID  string
	follow bool // select each new build as it starts

	// The selected build as its progress shows it.
	cur      data.BuildRow
	held     bool // progress of cur has been read
	steps    []*step
	warnings []string
	imageID  string

	focus      focus
	stepSel    int
	stepFollow bool // show the running (or failed) step
	outTop     int
	outFollow  bool // keep the newest output line in sight
	w, h       int
}

var _ common.Pane = (*Pane)(nil)

// New returns an empty Build pane.
func New(c *common.Common) *Pane {
	return &Pane{c: c, follow: true, stepFollow: true, outFollow: true}
}

// Name implements common.Pane.
func (p *Pane) Name() string { return "build" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Build" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane.
func (p *Pane) Capturing() bool { return false }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) { p.w, p.h = w, h }

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Build, k.Up, k.Down, k.Enter, k.PageUp, k.PageDown, k.Follow}
}

// Selected returns the ID of the selected build, "" when there is none.
func (p *Pane) Selected() string { return p.selID }

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.BuildsMsg:
		p.builds = msg
		return p.reselect()
	case common.BuildStartedMsg:
		p.follow, p.focus = true, onList
		return p.choose(data.BuildRow{ID: msg.ID, Status: data.BuildRunning, Started: p.c.Now()})
	case common.BuildProgressMsg:
		if msg.ID != p.selID {
			return nil
		}
		if msg.From == 0 {
			p.clear()
		}
		p.cur, p.held = msg.Progress.Build, true
		for i := range p.builds {
			if p.builds[i].ID == msg.ID {
				p.builds[i] = msg.Progress.Build
			}
		}
		for _, ev := range msg.Progress.Events {
			p.apply(ev)
		}
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return nil
}

// reselect keeps the selection on its build as the list changes, or moves
// it to the newest build when following.
func (p *Pane) reselect() tea.Cmd {
	if len(p.builds) == 0 {
		return nil
	}
	newest := p.builds[0]
	switch i := p.index(); {
	case p.selID == "", i < 0 && !p.follow:
		return p.choose(newest)
	case p.follow && newest.ID != p.selID && !newest.Started.Before(p.cur.Started):
		return p.choose(newest)
	case i >= 0 && !p.held:
		p.cur = p.builds[i]
	}
	return nil
}

// choose selects build b and asks for its progress.
func (p *Pane) choose(b data.BuildRow) tea.Cmd {
	if b.ID == p.selID {
		return nil
	}
	p.selID, p.cur = b.ID, b
	p.clear()
	id := b.ID
	return func() tea.Msg { return common.WatchBuildMsg{ID: id} }
}

// clear forgets the steps of the build shown before.
func (p *Pane) clear() {
	p.held, p.steps, p.warnings, p.imageID = false, nil, nil, ""
	p.stepSel, p.stepFollow, p.outTop, p.outFollow = 0, true, 0, true
}

func (p *Pane) index() int {
	return slices.IndexFunc(p.builds, func(b data.BuildRow) bool { return b.ID == p.selID })
}

// stepOf returns the step an event is about, starting it if its start was
// not seen.
func (p *Pane) stepOf(ev data.BuildEvent) *step {
	for i := len(p.steps) - 1; i >= 0; i-- {
		if p.steps[i].n == ev.Step {
			return p.steps[i]
		}
	}
	s := &step{n: ev.Step, total: ev.Total, stage: ev.Stage, instruction: ev.Instruction, started: ev.Time}
	p.steps = append(p.steps, s)
	return s
}

func (p *Pane) apply(ev data.BuildEvent) {
	switch ev.Kind {
	case data.BuildWarning:
		p.warnings = append(p.warnings, ev.Text)
		return
	case data.BuildDone:
		p.imageID = ev.ImageID
		return
	}
	s := p.stepOf(ev)
	switch ev.Kind {
	case data.BuildCacheHit:
		s.state = cached
	case data.BuildCacheMiss:
		s.reason = ev.Reason
	case data.BuildOutput:
		s.out = append(s.out, strings.TrimRight(ev.Text, "\r\n"))
		if len(s.out) > keep {
			s.out = slices.Delete(s.out, 0, len(s.out)-keep)
		}
	case data.BuildStepDone:
		if s.state != cached {
			s.state = done
		}
		s.took, s.size = ev.Duration, ev.LayerSize
	case data.BuildStepFailed:
		s.state, s.err = failed, ev.Err
	}
}

// shown is the index of the step whose output is drawn: the selected one,
// or when following the failed step, else the newest while the build runs
// and the newest with output once it ended.
func (p *Pane) shown() int {
	if len(p.steps) == 0 {
		return -1
	}
	if !p.stepFollow {
		return min(p.stepSel, len(p.steps)-1)
	}
	for i, s := range p.steps {
		if s.state == failed {
			return i
		}
	}
	if !p.cur.Running() {
		for i := len(p.steps) - 1; i >= 0; i-- {
			if len(p.steps[i].out) > 0 {
				return i
			}
		}
	}
	return len(p.steps) - 1
}

func (p *Pane) key(k tea.KeyPressMsg) tea.Cmd {
	km := p.c.Keys
	switch {
	case key.Matches(k, km.Build):
		spec := data.BuildSpec{Context: ".", Tags: []string{}}
		if p.cur.ID != "" {
			spec = data.BuildSpec{Context: p.cur.Context, Dockerfile: p.cur.Dockerfile, Tags: p.cur.Tags}
		}
		return func() tea.Msg { return common.NewBuildMsg{Spec: spec} }
	case key.Matches(k, km.PageUp):
		p.outTop, p.outFollow = max(0, p.outStart()-p.outPage()), false
	case key.Matches(k, km.PageDown):
		p.outTop = p.outStart() + p.outPage()
		p.outFollow = p.outTop >= p.outLast()
	case key.Matches(k, km.Follow):
		p.stepFollow, p.outFollow = true, true
		if !p.follow && len(p.builds) > 0 && p.focus == onList {
			p.follow = true
			return p.choose(p.builds[0])
		}
	}
	if p.focus == onSteps {
		return p.stepKey(k)
	}
	i := max(0, p.index())
	switch {
	case key.Matches(k, km.Enter), key.Matches(k, km.Right):
		if len(p.steps) > 0 {
			p.focus, p.stepSel, p.stepFollow = onSteps, p.shown(), false
		}
	case key.Matches(k, km.Up) && len(p.builds) > 0:
		return p.move(max(0, i-1))
	case key.Matches(k, km.Down) && len(p.builds) > 0:
		return p.move(min(len(p.builds)-1, i+1))
	case key.Matches(k, km.Top) && len(p.builds) > 0:
		return p.move(0)
	case key.Matches(k, km.Bottom) && len(p.builds) > 0:
		return p.move(len(p.builds) - 1)
	}
	return nil
}

func (p *Pane) move(i int) tea.Cmd {
	p.follow = i == 0
	return p.choose(p.builds[i])
}

func (p *Pane) stepKey(k tea.KeyPressMsg) tea.Cmd {
	km := p.c.Keys
	last := len(p.steps) - 1
	switch {
	case key.Matches(k, km.Left):
		p.focus = onList
	case key.Matches(k, km.Up):
		p.stepSel, p.stepFollow, p.outFollow = max(0, p.shown()-1), false, true
	case key.Matches(k, km.Down):
		p.stepSel, p.stepFollow, p.outFollow = min(last, p.shown()+1), false, true
	case key.Matches(k, km.Top):
		p.outTop, p.outFollow = 0, false
	case key.Matches(k, km.Bottom):
		p.outFollow = true
	}
	return nil
}

// Back implements common.Backer: esc leaves the steps for the list.
func (p *Pane) Back() bool {
	if p.focus == onSteps {
		p.focus = onList
		return true
	}
	return false
}

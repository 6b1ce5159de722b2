package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/dialog"
	"github.com/berth-dev/berth/tui/components/form"
	"github.com/berth-dev/berth/tui/components/palette"
)

// Model is the workbench: it owns the panes, the overlays and the streams.
type Model struct {
	c       *common.Common
	backend Backend
	opts    Options
	cancel  context.CancelFunc
	follow  bool // the theme follows the terminal's background

	panes  []common.Pane
	active int
	trail  []int // panes drilled in from, most recent last

	help    bool
	helpTop int
	pal     *palette.Model
	confirm *dialog.Confirm
	prompt  *dialog.Prompt
	form    *form.Model
	submit  func() (tea.Cmd, error) // what accepting the open form does

	frame                 string // the last frame drawn, until a message changes it
	headerKey, headerLine string
	footerKey, footerLine string

	pending int // actions sent to the backend and not yet done
	status  string
	isError bool
	sticky  bool // the notice stays until esc or the next one
	noteTag int

	// openURL opens an address in the desktop's browser (see browse.go).
	openURL func(url string) (bool, error)

	reloadTag int
	ticks     int
	logGen    int
	logCancel context.CancelFunc

	bw buildWatch
}

var _ tea.Model = (*Model)(nil)

// Init starts the lists, the streams and the refresh tick.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadContainers(), m.loadImages(), m.loadBuilds()}
	if m.follow {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if !m.opts.NoStreams {
		cmds = append(cmds, m.openEvents(), m.openStats(), m.tick())
	}
	if m.opts.Dev != nil {
		cmds = append(cmds, waitDev(m.opts.Dev))
	}
	for _, p := range m.panes {
		cmds = append(cmds, p.Init())
	}
	return tea.Batch(cmds...)
}

// Pane returns the active pane.
func (m *Model) Pane() common.Pane { return m.panes[m.active] }

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	// bubbletea draws after every message; the messages below change
	// nothing on screen, so the last frame is kept for them.
	switch msg := msg.(type) {
	case tickMsg:
		m.ticks++
		if m.ticks%listEvery != 0 {
			return m, m.tick()
		}
	case reloadMsg:
		if msg.tag != m.reloadTag {
			return m, nil
		}
	case clearNoteMsg:
		if msg.tag != m.noteTag {
			return m, nil
		}
	case buildsTickMsg:
		if msg.tag != m.bw.listTag {
			return m, nil
		}
	case buildPollMsg:
		if msg.gen != m.bw.gen {
			return m, nil
		}
	}
	m.frame = ""
	before := m.active
	cmd := m.update(msg)
	if m.active != before {
		cmd = tea.Batch(cmd, m.buildPaneShown())
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	if cmd, ok := m.updateBuild(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return nil
	case tea.BackgroundColorMsg:
		if m.follow {
			m.restyle(themes.Pick(msg.IsDark()))
			return m.broadcast(common.RestyleMsg{})
		}
		return nil
	case themeMsg:
		m.follow = false
		m.restyle(msg.p)
		return tea.Batch(m.note("theme "+msg.p.Name), m.broadcast(common.RestyleMsg{}))
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.MouseWheelMsg:
		return m.wheel(msg)
	case tea.MouseClickMsg:
		return m.click(msg)
	case common.ActionMsg:
		return m.request(msg)
	case common.ActionDoneMsg:
		return m.done(msg)
	case common.OpenMsg:
		return m.open(msg)
	case handoverMsg:
		return runHandover(msg)
	case handoverDoneMsg:
		return m.handedBack(msg)
	case browsedMsg:
		return m.browsed(msg)
	case common.ErrorMsg:
		return m.fail(msg.Err)
	case common.InfoMsg:
		return m.note(string(msg))
	case clearNoteMsg:
		m.status, m.isError, m.sticky = "", false, false
		return nil
	case tickMsg:
		// Events reload the lists as things change; this reload only
		// catches what the journal missed, so it runs every few refreshes
		// (see Update).
		return tea.Batch(m.loadContainers(), m.loadImages(), m.tick())
	case reloadMsg:
		return tea.Batch(m.loadContainers(), m.loadImages())
	case eventMsg:
		cmd := tea.Batch(m.broadcast(common.EventMsg(msg.row)), m.debounceReload(), waitEvent(msg.ch))
		if msg.row.Type == "image" { // a build ends with an image event
			cmd = tea.Batch(cmd, m.loadBuilds())
		}
		return cmd
	case statsMsg:
		return tea.Batch(m.broadcast(common.StatsMsg(msg.s)), waitStats(msg.ch))
	case devMsg:
		if msg.ch == nil { // the loop ended
			return m.broadcast(common.DevMsg(msg.evs))
		}
		return tea.Batch(m.broadcast(common.DevMsg(msg.evs)), waitDev(msg.ch))
	case logMsg:
		if msg.gen != m.logGen {
			return nil // a stream of logs no longer shown
		}
		return tea.Batch(m.broadcast(common.LogMsg(msg.lines)), waitLogs(msg.gen, msg.ch))
	case streamEndMsg:
		switch {
		case msg.err != nil:
			return m.fail(msg.err)
		case msg.what != "logs": // a log stream ends when its container stops
			return m.note("the engine's " + msg.what + " stream ended")
		}
		return nil
	}
	return m.broadcast(msg)
}

// broadcast hands a data message to every pane.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.panes))
	for _, p := range m.panes {
		cmds = append(cmds, p.Update(msg))
	}
	return tea.Batch(cmds...)
}

func (m *Model) resize(w, h int) {
	m.c.Width, m.c.Height = w, h
	for _, p := range m.panes {
		p.SetSize(w, bodyHeight(h))
	}
}

func bodyHeight(h int) int { return max(1, h-2) }

func (m *Model) restyle(p themes.Palette) {
	m.c.Styles = common.NewStyles(p)
}

func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	km := m.c.Keys
	switch {
	case m.form != nil:
		return m.formKey(k)
	case m.confirm != nil:
		switch m.confirm.Update(k) {
		case dialog.Accepted:
			act := m.confirm.Pending
			m.confirm = nil
			return m.run(act)
		case dialog.Cancelled:
			m.confirm = nil
			return m.note("cancelled")
		}
		return nil
	case m.prompt != nil:
		switch m.prompt.Update(k) {
		case dialog.Accepted:
			act := m.prompt.Pending
			act.Arg = strings.TrimSpace(m.prompt.In.Value())
			if act.Action == common.Pull {
				act.Targets = []common.Target{{Name: act.Arg}}
			}
			m.prompt = nil
			return m.run(act)
		case dialog.Cancelled:
			m.prompt = nil
		}
		return nil
	case m.pal != nil:
		done, chosen := m.pal.Update(k)
		if !done {
			return nil
		}
		cmd, arg, ok := m.pal.Selected()
		m.pal = nil
		if !chosen || !ok {
			return nil
		}
		return m.execute(cmd, arg)
	case m.help:
		switch {
		case key.Matches(k, km.Down):
			m.helpTop++
		case key.Matches(k, km.Up):
			m.helpTop = max(0, m.helpTop-1)
		case key.Matches(k, km.Help, km.Back, km.Quit):
			m.help = false
		}
		return nil
	}
	if m.Pane().Capturing() {
		if k.String() == "ctrl+c" {
			return tea.Quit
		}
		return m.Pane().Update(k)
	}
	switch {
	case key.Matches(k, km.Quit):
		return tea.Quit
	case key.Matches(k, km.Help):
		m.help, m.helpTop = true, 0
	case key.Matches(k, km.Palette):
		m.pal = palette.New(m.c, m.commands())
	case key.Matches(k, km.NextPane):
		m.active = (m.active + 1) % len(m.panes)
	case key.Matches(k, km.PrevPane):
		m.active = (m.active + len(m.panes) - 1) % len(m.panes)
	case key.Matches(k, km.Refresh):
		return tea.Batch(m.loadContainers(), m.loadImages())
	case key.Matches(k, km.GoPane):
		for n, s := range km.GoPane.Keys() {
			if k.String() == s && n < len(m.panes) {
				m.active = n
			}
		}
	case key.Matches(k, km.Back):
		m.back()
	default:
		return m.Pane().Update(k)
	}
	return nil
}

func (m *Model) wheel(msg tea.MouseWheelMsg) tea.Cmd {
	if !m.c.Config.Mouse || m.overlay() {
		return nil
	}
	switch msg.Mouse().Button {
	case tea.MouseWheelUp:
		return m.Pane().Update(tea.KeyPressMsg{Code: tea.KeyUp})
	case tea.MouseWheelDown:
		return m.Pane().Update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	return nil
}

func (m *Model) click(msg tea.MouseClickMsg) tea.Cmd {
	if !m.c.Config.Mouse || m.overlay() || msg.Mouse().Y != 0 {
		return nil
	}
	if i := m.tabAt(msg.Mouse().X); i >= 0 {
		m.active = i
	}
	return nil
}

func (m *Model) overlay() bool {
	return m.help || m.pal != nil || m.confirm != nil || m.prompt != nil || m.form != nil
}

func (m *Model) pane(name string) (int, common.Pane) {
	for i, p := range m.panes {
		if p.Name() == name {
			return i, p
		}
	}
	return -1, nil
}

func (m *Model) fail(err error) tea.Cmd {
	m.status, m.isError, m.sticky = err.Error(), true, false
	m.noteTag++
	return nil // errors stay until esc or the next notice
}

// stick shows a notice that stays, like an error, until esc or the next
// notice: one the user may need to copy.
func (m *Model) stick(s string) {
	m.status, m.isError, m.sticky = s, false, true
	m.noteTag++
}

func (m *Model) note(s string) tea.Cmd {
	m.status, m.isError, m.sticky = s, false, false
	m.noteTag++
	tag := m.noteTag
	return tea.Tick(5*time.Second, func(time.Time) tea.Msg { return clearNoteMsg{tag} })
}

type clearNoteMsg struct{ tag int }

// back is esc: it dismisses an error, else clears the pane's filter, search
// or marks, else returns to the pane the user drilled in from.
func (m *Model) back() {
	if m.isError || m.sticky {
		m.status, m.isError, m.sticky = "", false, false
		return
	}
	if b, ok := m.Pane().(common.Backer); ok && b.Back() {
		return
	}
	if n := len(m.trail); n > 0 {
		m.active, m.trail = m.trail[n-1], m.trail[:n-1]
	}
}

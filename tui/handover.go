package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
)

// Messages of a process that takes over the terminal (a shell, an attached
// container): ready to take it, and ended.
type (
	handoverMsg struct {
		action common.Action
		t      common.Target
		p      Process
	}
	handoverDoneMsg struct {
		action common.Action
		t      common.Target
		err    error
	}
)

// handover asks the backend for a shell in the container, or for its
// attached streams; when the process is ready, the workbench hands it the
// terminal (see runHandover).
func (m *Model) handover(a common.Action, t common.Target) tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	return func() tea.Msg {
		var p Process
		var err error
		if a == common.Attach {
			p, err = b.Attach(ctx, t.ID)
		} else {
			p, err = b.Shell(ctx, t.ID)
		}
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("%s: %w", handoverVerb(a, t), err)}
		}
		return handoverMsg{a, t, p}
	}
}

func handoverVerb(a common.Action, t common.Target) string {
	if a == common.Attach {
		return "attaching to " + t.Name
	}
	return "opening a shell in " + t.Name
}

// runHandover steps aside for the process until it exits.
func runHandover(h handoverMsg) tea.Cmd {
	return tea.Exec(h.p, func(err error) tea.Msg { return handoverDoneMsg{h.action, h.t, err} })
}

// handedBack reports how the process ended and reloads the lists, which it
// may have changed.
func (m *Model) handedBack(d handoverDoneMsg) tea.Cmd {
	reload := tea.Batch(m.loadContainers(), m.loadImages())
	switch {
	case d.err != nil && d.action == common.Attach:
		return tea.Batch(m.fail(fmt.Errorf("attached to %s: %w", d.t.Name, d.err)), reload)
	case d.err != nil:
		return tea.Batch(m.fail(fmt.Errorf("shell in %s: %w", d.t.Name, d.err)), reload)
	case d.action == common.Attach:
		return tea.Batch(m.note("detached from "+d.t.Name), reload)
	}
	return tea.Batch(m.note("left the shell in "+d.t.Name), reload)
}

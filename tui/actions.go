package tui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/dialog"
)

// request handles a pane's request for an action: it asks for a name to
// rename to, confirms a destructive action, or runs it.
func (m *Model) request(act common.ActionMsg) tea.Cmd {
	if len(act.Targets) == 0 {
		return nil
	}
	switch {
	case act.Action.NeedsArg() && act.Arg == "":
		t := act.Targets[0]
		act.Targets = act.Targets[:1]
		title, value := "Rename "+t.Name+" to", t.Name
		switch act.Action {
		case common.Tag:
			title = "Tag " + t.Name + " as"
		case common.Pull:
			title, value = "Pull image", ""
		case common.Push:
			title = "Push " + t.Name + " to"
			if t.Name == noName {
				title, value = "Push "+common.ShortID(t.ID)+" to", ""
			}
		}
		m.prompt = dialog.NewPrompt(m.c, title, value, act)
		return nil
	case act.Action == common.Run && act.Spec == nil:
		m.openRunForm(act.Targets[0].Name)
		return nil
	case act.Action == common.Run:
		return m.runContainer(*act.Spec)
	case act.Action == common.Commit:
		m.openCommitForm(act.Targets[0])
		return nil
	case act.Action == common.Save:
		m.openSaveForm(act.Targets[0])
		return nil
	case act.Action == common.Shell, act.Action == common.Attach:
		return m.handover(act.Action, act.Targets[0])
	case act.Action == common.Browse:
		return m.browse(act.Targets[0], act.URLs)
	case act.Action.Destructive():
		m.confirm = dialog.NewConfirm(m.c, confirmTitle(act), confirmBody(act), act)
		return nil
	}
	return m.run(act)
}

func confirmTitle(act common.ActionMsg) string {
	verb := string(act.Action)
	if act.Action == common.RemoveImage {
		verb = "remove"
	}
	what := "container"
	if act.Action == common.RemoveImage {
		what = "image"
	}
	if len(act.Targets) > 1 {
		what += "s"
		return fmt.Sprintf("%s %d %s?", capital(verb), len(act.Targets), what)
	}
	return fmt.Sprintf("%s %s %s?", capital(verb), what, act.Targets[0].Name)
}

func confirmBody(act common.ActionMsg) []string {
	const show = 5
	var body []string
	for i, t := range act.Targets {
		if i == show {
			body = append(body, fmt.Sprintf("… and %d more", len(act.Targets)-show))
			break
		}
		body = append(body, "• "+t.Name+"  "+common.ShortID(t.ID))
	}
	return body
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// run calls the backend for each target, each in its own command.
func (m *Model) run(act common.ActionMsg) tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	cmds := make([]tea.Cmd, 0, len(act.Targets)+1)
	m.pending += len(act.Targets)
	for _, t := range act.Targets {
		cmds = append(cmds, func() tea.Msg {
			result, err := call(ctx, b, act.Action, t, act.Arg)
			return common.ActionDoneMsg{Action: act.Action, Target: t, Err: err, Result: result}
		})
	}
	cmds = append(cmds, m.note(fmt.Sprintf("%s: %s…", act.Action, names(act.Targets))))
	return tea.Batch(cmds...)
}

// call runs one action on one target; the result, when not empty, is what
// to tell the user of its success.
func call(ctx context.Context, b Backend, a common.Action, t common.Target, arg string) (string, error) {
	id := t.ID
	switch a {
	case common.Start:
		return "", b.Start(ctx, id)
	case common.Stop:
		return "", b.Stop(ctx, id)
	case common.Restart:
		return "", b.Restart(ctx, id)
	case common.Pause:
		return "", b.Pause(ctx, id)
	case common.Unpause:
		return "", b.Unpause(ctx, id)
	case common.Kill:
		return "", b.Kill(ctx, id)
	case common.Remove:
		return "", b.Remove(ctx, id)
	case common.Rename:
		return "", b.Rename(ctx, id, arg)
	case common.RemoveImage:
		return "", b.RemoveImage(ctx, id)
	case common.Tag:
		return "", b.Tag(ctx, id, arg)
	case common.Pull:
		return "", b.Pull(ctx, arg)
	case common.Push:
		digest, err := b.Push(ctx, id, arg)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("pushed %s to %s, digest %s", t.Name, arg, common.ShortID(digest)), nil
	}
	return "", fmt.Errorf("running %s: %w", a, errUnknownAction)
}

func names(ts []common.Target) string {
	var ns []string
	for i, t := range ts {
		if i == 3 {
			ns = append(ns, fmt.Sprintf("+%d", len(ts)-3))
			break
		}
		ns = append(ns, t.Name)
	}
	return strings.Join(ns, ", ")
}

// done reports an action's result and reloads the lists.
func (m *Model) done(d common.ActionDoneMsg) tea.Cmd {
	m.pending = max(0, m.pending-1)
	reload := tea.Batch(m.loadContainers(), m.loadImages())
	if d.Err != nil {
		// Failures of one bulk action gather on one line.
		if prefix := string(d.Action) + " "; m.isError && strings.HasPrefix(m.status, prefix) {
			m.status += fmt.Sprintf("; %s: %v", d.Target.Name, d.Err)
			return reload
		}
		return tea.Batch(m.fail(fmt.Errorf("%s %s: %w", d.Action, d.Target.Name, d.Err)), reload)
	}
	if d.Result != "" {
		return tea.Batch(m.note(d.Result), reload)
	}
	return tea.Batch(m.note(fmt.Sprintf("%s: %s done", d.Action, d.Target.Name)), reload)
}

// open switches to a pane and starts what it shows for the targets.
func (m *Model) open(o common.OpenMsg) tea.Cmd {
	i, p := m.pane(o.Pane)
	if p == nil {
		return nil
	}
	if i != m.active {
		m.trail = append(m.trail, m.active)
		if len(m.trail) > 16 {
			m.trail = m.trail[1:]
		}
	}
	m.active = i
	var cmds []tea.Cmd
	if op, ok := p.(common.Opener); ok {
		cmds = append(cmds, op.Open(o.Targets))
	}
	if len(o.Targets) == 0 {
		return tea.Batch(cmds...)
	}
	b, ctx, t := m.backend, m.c.Ctx, o.Targets[0]
	switch o.Pane {
	case "logs":
		cmds = append(cmds, m.followLogs(o.Targets))
	case "layers":
		if o.Changes {
			cmds = append(cmds, func() tea.Msg {
				tree, err := b.Changes(ctx, t.ID)
				if err != nil {
					return common.ErrorMsg{Err: fmt.Errorf("reading the changes of %s: %w", t.Name, err)}
				}
				return common.ChangesMsg{Target: t, Tree: tree}
			})
			break
		}
		cmds = append(cmds, func() tea.Msg {
			a, err := b.Layers(ctx, t.ID)
			if err != nil {
				return common.ErrorMsg{Err: fmt.Errorf("analysing image %s: %w", t.Name, err)}
			}
			return common.LayersMsg(a)
		})
	case "namespaces":
		cmds = append(cmds, func() tea.Msg {
			n, err := b.Namespaces(ctx, t.ID)
			if err != nil {
				return common.ErrorMsg{Err: fmt.Errorf("reading namespaces of %s: %w", t.Name, err)}
			}
			return common.NamespacesMsg(n)
		})
	}
	return tea.Batch(cmds...)
}

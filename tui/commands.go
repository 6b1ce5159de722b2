package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/themes"
	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/palette"
)

// commands lists the palette's entries: the panes, the themes, the
// settings and the active pane's own keys.
func (m *Model) commands() []palette.Command {
	var cmds []palette.Command
	for _, p := range m.panes {
		cmds = append(cmds, palette.Command{Name: p.Name(), Help: "show the " + p.Title() + " pane"})
	}
	for _, b := range m.Pane().Keys() {
		cmds = append(cmds, palette.Command{Name: commandName(b), Help: "press " + b.Help().Key})
	}
	if _, p := m.pane("build"); p != nil && m.Pane() != p {
		cmds = append(cmds, palette.Command{Name: commandName(m.c.Keys.Build), Help: "build an image: context, Dockerfile, tags"})
	}
	cmds = append(cmds,
		palette.Command{Name: "theme", Help: "theme NAME: " + strings.Join(themes.Names(m.opts.ThemeDir), ", ")},
		palette.Command{Name: "mouse", Help: "turn mouse support on or off"},
		palette.Command{Name: "refresh", Help: "reload containers and images"},
		palette.Command{Name: "help", Help: "list every key"},
		palette.Command{Name: "quit", Help: "leave the workbench"},
	)
	return cmds
}

func commandName(b key.Binding) string {
	return strings.ReplaceAll(b.Help().Desc, " ", "-")
}

// themeMsg carries a theme loaded in a command.
type themeMsg struct{ p themes.Palette }

// execute runs a palette command.
func (m *Model) execute(c palette.Command, arg string) tea.Cmd {
	if i, _ := m.pane(c.Name); i >= 0 {
		m.active = i
		return nil
	}
	switch c.Name {
	case "theme":
		if arg == "" {
			return m.note("usage: theme NAME — " + strings.Join(themes.Names(m.opts.ThemeDir), ", "))
		}
		dir := m.opts.ThemeDir
		return func() tea.Msg {
			p, err := themes.Load(dir, arg, true)
			if err != nil {
				return common.ErrorMsg{Err: err}
			}
			return themeMsg{p}
		}
	case "mouse":
		m.c.Config.Mouse = !m.c.Config.Mouse
		return m.note(fmt.Sprintf("mouse %s", map[bool]string{true: "on", false: "off"}[m.c.Config.Mouse]))
	case "refresh":
		return tea.Batch(m.loadContainers(), m.loadImages())
	case "help":
		m.help, m.helpTop = true, 0
		return nil
	case "quit":
		return tea.Quit
	}
	for _, b := range m.Pane().Keys() {
		if commandName(b) == c.Name && len(b.Keys()) > 0 {
			return m.Pane().Update(keyPress(b.Keys()[0]))
		}
	}
	// The build form opens from any pane; the Build pane fills it in from
	// the selected build.
	if b := m.c.Keys.Build; c.Name == commandName(b) && len(b.Keys()) > 0 {
		if _, p := m.pane("build"); p != nil {
			return p.Update(keyPress(b.Keys()[0]))
		}
	}
	return nil
}

// keyPress builds the key press of a binding's key name, so that a palette
// command does exactly what its key does.
func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	if strings.HasPrefix(s, "ctrl+") && len(s) == 6 {
		return tea.KeyPressMsg{Code: rune(s[5]), Mod: tea.ModCtrl}
	}
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

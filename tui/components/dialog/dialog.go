// Package dialog draws the workbench's modal boxes: a yes/no confirmation
// of a destructive action and a one-line prompt.
package dialog

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/input"
)

// Result is what the user chose in a dialog.
type Result int

// The results of a key press in a dialog.
const (
	Pending Result = iota
	Accepted
	Cancelled
)

// Confirm asks yes or no about a pending action.
type Confirm struct {
	c       *common.Common
	Title   string
	Body    []string
	Pending common.ActionMsg
	yes     bool
}

// NewConfirm returns a confirmation of act; "No" has the focus, so an
// unthinking enter does no harm.
func NewConfirm(c *common.Common, title string, body []string, act common.ActionMsg) *Confirm {
	return &Confirm{c: c, Title: title, Body: body, Pending: act}
}

// Update handles a key and reports what the user chose.
func (d *Confirm) Update(msg tea.Msg) Result {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return Pending
	}
	km := d.c.Keys
	switch {
	case k.String() == "y":
		return Accepted
	case k.String() == "enter":
		if d.yes {
			return Accepted
		}
		return Cancelled
	case key.Matches(k, km.Cancel):
		return Cancelled
	case key.Matches(k, km.Left, km.Right, km.NextPane, km.PrevPane):
		d.yes = !d.yes
	}
	return Pending
}

// View draws the dialog box.
func (d *Confirm) View(maxW int) string {
	st := &d.c.Styles
	w := min(maxW-4, 56)
	lines := []string{st.DialogTitle.Render(common.Fit(d.Title, w)), ""}
	for _, b := range d.Body {
		lines = append(lines, st.Text.Render(common.Fit(b, w)))
	}
	yes, no := st.Button, st.ButtonFocus
	if d.yes {
		yes, no = st.ButtonFocus, st.Button
	}
	lines = append(lines, "", common.FitRight(yes.Render("Yes (y)")+" "+no.Render("No (n)"), w))
	return st.Dialog.Render(strings.Join(lines, "\n"))
}

// Prompt asks for one line of text, such as a container's new name.
type Prompt struct {
	c       *common.Common
	Title   string
	Pending common.ActionMsg
	In      input.Model
}

// NewPrompt returns a prompt for act's argument, filled with value.
func NewPrompt(c *common.Common, title, value string, act common.ActionMsg) *Prompt {
	in := input.New("› ")
	in.SetValue(value)
	in.Focus()
	return &Prompt{c: c, Title: title, Pending: act, In: in}
}

// Update handles a key and reports whether the user accepted or cancelled.
func (p *Prompt) Update(msg tea.Msg) Result {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "enter":
			if strings.TrimSpace(p.In.Value()) == "" {
				return Pending
			}
			return Accepted
		case "esc":
			return Cancelled
		}
	}
	p.In.Update(msg)
	return Pending
}

// View draws the prompt box.
func (p *Prompt) View(maxW int) string {
	st := &p.c.Styles
	w := min(maxW-4, 56)
	lines := []string{
		st.DialogTitle.Render(common.Fit(p.Title, w)), "",
		st.Input.Render(common.Fit(p.In.View(), w)), "",
		st.Muted.Render(common.Fit("enter accept · esc cancel", w)),
	}
	return st.Dialog.Render(strings.Join(lines, "\n"))
}

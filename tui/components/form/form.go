// Package form is a small modal form of labelled one-line fields, such as
// the run form: image, name, ports, environment, volumes and limits.
package form

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/dialog"
	"github.com/berth-dev/berth/tui/components/input"
)

// Field is one line of the form.
type Field struct {
	Label string
	Hint  string // shown under the field while it has the focus
	In    input.Model
}

// Model is a form.
type Model struct {
	c      *common.Common
	Title  string
	Fields []Field
	// Verb names what accepting does, in the form's help line; "run" when
	// empty.
	Verb  string
	focus int
	err   string
}

// New returns a form with the given labels, hints and starting values, the
// first field focused.
func New(c *common.Common, title string, fields ...Field) *Model {
	m := &Model{c: c, Title: title, Fields: fields}
	m.setFocus(0)
	return m
}

// NewField returns a field.
func NewField(label, hint, value string) Field {
	in := input.New("")
	in.SetValue(value)
	return Field{Label: label, Hint: hint, In: in}
}

func (m *Model) setFocus(i int) {
	m.Fields[m.focus].In.Blur()
	m.focus = (i + len(m.Fields)) % len(m.Fields)
	m.Fields[m.focus].In.Focus()
}

// Value returns the text of the field labelled label.
func (m *Model) Value(label string) string {
	for _, f := range m.Fields {
		if f.Label == label {
			return strings.TrimSpace(f.In.Value())
		}
	}
	return ""
}

// SetError shows a problem with what was typed; the form stays open.
func (m *Model) SetError(s string) { m.err = s }

// Update handles a key: tab and the arrows move between fields, enter on
// the last field (or ctrl+s anywhere) accepts, esc cancels.
func (m *Model) Update(msg tea.Msg) dialog.Result {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return dialog.Pending
	}
	switch k.String() {
	case "esc":
		return dialog.Cancelled
	case "ctrl+s":
		return dialog.Accepted
	case "enter":
		if m.focus == len(m.Fields)-1 {
			return dialog.Accepted
		}
		m.setFocus(m.focus + 1)
	case "tab", "down":
		m.setFocus(m.focus + 1)
	case "shift+tab", "up":
		m.setFocus(m.focus - 1)
	default:
		if m.Fields[m.focus].In.Update(k) {
			m.err = ""
		}
	}
	return dialog.Pending
}

// View draws the form's box.
func (m *Model) View(maxW int) string {
	st := &m.c.Styles
	w := min(maxW-4, 64)
	labelW := 0
	for _, f := range m.Fields {
		labelW = max(labelW, len(f.Label))
	}
	lines := []string{st.DialogTitle.Render(common.Fit(m.Title, w)), ""}
	for i, f := range m.Fields {
		label := st.Muted.Render(common.Fit(f.Label, labelW+1))
		if i == m.focus {
			label = st.Accent.Render(common.Fit(f.Label, labelW+1))
		}
		lines = append(lines, label+" "+st.Input.Render(common.Fit(f.In.View(), w-labelW-2)))
	}
	hint := m.Fields[m.focus].Hint
	if m.err != "" {
		lines = append(lines, "", st.Bad.Render(common.Fit(m.err, w)))
	} else {
		lines = append(lines, "", st.Explain.Render(common.Fit(hint, w)))
	}
	verb := m.Verb
	if verb == "" {
		verb = "run"
	}
	lines = append(lines, st.Muted.Render(common.Fit("tab next · enter on the last field or ctrl+s "+verb+" · esc cancel", w)))
	return st.Dialog.Render(strings.Join(lines, "\n"))
}

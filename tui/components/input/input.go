// Package input is a one-line text input for filters, searches, the command
// palette and prompts. It has no cursor blink, so it draws the same way
// every time.
package input

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Model is a one-line input.
type Model struct {
	Prompt string
	value  []rune
	focus  bool
}

// New returns an input with a prompt.
func New(prompt string) Model { return Model{Prompt: prompt} }

// Value returns the text typed.
func (m Model) Value() string { return string(m.value) }

// SetValue replaces the text.
func (m *Model) SetValue(s string) { m.value = []rune(s) }

// Focus gives the input the keyboard; Blur takes it away.
func (m *Model) Focus() { m.focus = true }

// Blur takes the keyboard away from the input.
func (m *Model) Blur() { m.focus = false }

// Focused reports whether the input has the keyboard.
func (m Model) Focused() bool { return m.focus }

// Update edits the text on key presses and reports whether the text changed.
func (m *Model) Update(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !m.focus {
		return false
	}
	switch k.String() {
	case "backspace", "ctrl+h":
		if len(m.value) > 0 {
			m.value = m.value[:len(m.value)-1]
			return true
		}
		return false
	case "ctrl+u":
		m.value = nil
		return true
	case "ctrl+w":
		s := strings.TrimRight(string(m.value), " ")
		if i := strings.LastIndexByte(s, ' '); i >= 0 {
			m.value = []rune(s[:i+1])
		} else {
			m.value = nil
		}
		return true
	}
	if k.Text != "" && k.Mod == 0 || k.Text != "" && k.String() == k.Text {
		m.value = append(m.value, []rune(k.Text)...)
		return true
	}
	if k.String() == "space" {
		m.value = append(m.value, ' ')
		return true
	}
	return false
}

// View draws the prompt, the text and, when focused, a block cursor.
func (m Model) View() string {
	s := m.Prompt + string(m.value)
	if m.focus {
		s += "█"
	}
	return s
}

// Package common holds what every part of the workbench shares: the Common
// value (size, styles, keys, context, clock), the Component and Pane
// interfaces, the messages panes send and receive, and small formatters.
package common

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Common is shared by every component of one workbench. It is a pointer so
// that a theme change or a rebinding reaches every pane at once.
type Common struct {
	Ctx    context.Context
	Width  int
	Height int
	Styles Styles
	Keys   KeyMap
	Config Config
	// Now is the clock used for ages and uptimes; tests fix it.
	Now func() time.Time
}

// Component is a part of the screen: it updates on messages and draws itself
// into the size it was given.
type Component interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
}

// Pane is a Component that is one tab of the workbench.
type Pane interface {
	Component
	// Name is the pane's short name, used by :name in the command palette.
	Name() string
	// Title is the pane's name in the header.
	Title() string
	// Keys are the pane's own bindings, for the footer and the help.
	Keys() []key.Binding
	// Capturing reports whether an input inside the pane (a filter, a
	// search) has the keyboard, so that global keys pass through to it.
	Capturing() bool
}

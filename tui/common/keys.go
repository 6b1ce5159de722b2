package common

import (
	"fmt"
	"reflect"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key of the workbench. Panes read their keys from here;
// the config file can rebind any of them by its json name.
type KeyMap struct {
	Up       key.Binding `json:"up"`
	Down     key.Binding `json:"down"`
	Left     key.Binding `json:"left"`
	Right    key.Binding `json:"right"`
	PageUp   key.Binding `json:"page_up"`
	PageDown key.Binding `json:"page_down"`
	Top      key.Binding `json:"top"`
	Bottom   key.Binding `json:"bottom"`

	NextPane key.Binding `json:"next_pane"`
	PrevPane key.Binding `json:"prev_pane"`
	GoPane   key.Binding `json:"go_pane"`
	Enter    key.Binding `json:"enter"`
	Back     key.Binding `json:"back"`
	Filter   key.Binding `json:"filter"`
	Palette  key.Binding `json:"palette"`
	Help     key.Binding `json:"help"`
	Mark     key.Binding `json:"mark"`
	MarkAll  key.Binding `json:"mark_all"`
	Sort     key.Binding `json:"sort"`
	Reverse  key.Binding `json:"reverse"`
	Refresh  key.Binding `json:"refresh"`
	Quit     key.Binding `json:"quit"`

	Start   key.Binding `json:"start"`
	Stop    key.Binding `json:"stop"`
	Restart key.Binding `json:"restart"`
	Pause   key.Binding `json:"pause"`
	Kill    key.Binding `json:"kill"`
	Remove  key.Binding `json:"remove"`
	Rename  key.Binding `json:"rename"`
	Shell   key.Binding `json:"shell"`
	Changes key.Binding `json:"changes"`
	Tag     key.Binding `json:"tag"`
	Pull    key.Binding `json:"pull"`
	Run     key.Binding `json:"run"`
	Logs    key.Binding `json:"logs"`
	Inspect key.Binding `json:"namespaces"`
	Build   key.Binding `json:"build"`
	Commit  key.Binding `json:"commit"`
	Attach  key.Binding `json:"attach"`
	Browse  key.Binding `json:"browse"`
	Push    key.Binding `json:"push"`
	Save    key.Binding `json:"save"`

	Follow     key.Binding `json:"follow"`
	Timestamps key.Binding `json:"timestamps"`
	Stream     key.Binding `json:"stream"`
	Search     key.Binding `json:"search"`
	NextMatch  key.Binding `json:"next_match"`
	PrevMatch  key.Binding `json:"prev_match"`
	Collapse   key.Binding `json:"collapse"`
	Aggregate  key.Binding `json:"aggregate"`

	Confirm key.Binding `json:"confirm"`
	Cancel  key.Binding `json:"cancel"`
}

func b(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// DefaultKeyMap returns the keys people expect from lazydocker and k9s.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		Left:     b("←/h", "left", "left", "h"),
		Right:    b("→/l", "right", "right", "l"),
		PageUp:   b("pgup/ctrl+b", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn/ctrl+f", "page down", "pgdown", "ctrl+f"),
		Top:      b("g/home", "top", "g", "home"),
		Bottom:   b("G/end", "bottom", "G", "end"),

		NextPane: b("tab", "next pane", "tab"),
		PrevPane: b("shift+tab", "previous pane", "shift+tab"),
		GoPane:   b("1-9", "go to pane N", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Enter:    b("enter", "drill in", "enter"),
		Back:     b("esc", "back", "esc"),
		Filter:   b("/", "filter", "/"),
		Palette:  b(":", "command palette", ":"),
		Help:     b("?", "help", "?"),
		Mark:     b("space", "mark", "space"),
		MarkAll:  b("ctrl+a", "mark all", "ctrl+a"),
		Sort:     b("o", "sort column", "o"),
		Reverse:  b("O", "reverse sort", "O"),
		Refresh:  b("ctrl+r", "refresh", "ctrl+r"),
		Quit:     b("q", "quit", "q", "ctrl+c"),

		Start:   b("s", "start", "s"),
		Stop:    b("S", "stop", "S"),
		Restart: b("r", "restart", "r"),
		Pause:   b("p", "pause/unpause", "p"),
		Kill:    b("K", "kill", "K"),
		Remove:  b("d", "remove", "d", "delete"),
		Rename:  b("R", "rename", "R"),
		Shell:   b("E", "shell", "E"),
		Changes: b("D", "changes vs image", "D"),
		Tag:     b("T", "tag", "T"),
		Pull:    b("P", "pull", "P"),
		Run:     b("N", "run new", "N"),
		Logs:    b("L", "logs", "L"),
		Inspect: b("n", "namespaces", "n"),
		Build:   b("b", "new build", "b"),
		Commit:  b("c", "commit", "c"),
		Attach:  b("a", "attach", "a"),
		Browse:  b("w", "open port", "w"),
		Push:    b("U", "push", "U"),
		Save:    b("W", "save archive", "W"),

		Follow:     b("f", "follow", "f"),
		Timestamps: b("t", "timestamps", "t"),
		Stream:     b("e", "stream filter", "e"),
		Search:     b("/", "search", "/"),
		NextMatch:  b("n", "next match", "n"),
		PrevMatch:  b("N", "previous match", "N"),
		Collapse:   b("space", "collapse/expand", "space"),
		Aggregate:  b("a", "layer/image tree", "a"),

		Confirm: b("y/enter", "confirm", "y", "enter"),
		Cancel:  b("n/esc", "cancel", "n", "esc"),
	}
}

// Rebind sets the keys of the bindings named in m (by json name, e.g.
// "stop": ["x"]). It fails on a name that is not a binding.
func (k *KeyMap) Rebind(m map[string][]string) error {
	v := reflect.ValueOf(k).Elem()
	t := v.Type()
	byName := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		byName[t.Field(i).Tag.Get("json")] = i
	}
	for name, keys := range m {
		i, ok := byName[name]
		if !ok {
			return fmt.Errorf("rebinding key %q: %w", name, ErrUnknownBinding)
		}
		if len(keys) == 0 {
			return fmt.Errorf("rebinding key %q: %w", name, ErrNoKeys)
		}
		bd := v.Field(i).Addr().Interface().(*key.Binding)
		bd.SetKeys(keys...)
		bd.SetHelp(joinKeys(keys), bd.Help().Desc)
	}
	return nil
}

// All returns every binding in declaration order, for the help overlay.
func (k KeyMap) All() []key.Binding {
	v := reflect.ValueOf(k)
	out := make([]key.Binding, 0, v.NumField())
	for i := 0; i < v.NumField(); i++ {
		out = append(out, v.Field(i).Interface().(key.Binding))
	}
	return out
}

func joinKeys(keys []string) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += "/"
		}
		s += k
	}
	return s
}

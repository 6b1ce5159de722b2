// Package dev is the workbench's Dev pane: the live-reload loop of
// `berth dev --ui` as a timeline of reloads, each drawn as bars of its
// stages (change seen, sync or build, replace, ready) on one time scale,
// beside the build output and the container's logs.
package dev

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/data"
)

// keep bounds the reloads and output lines the pane remembers.
const keep = 2000

// Pane is the Dev pane.
type Pane struct {
	c       *common.Common
	up      string          // what the loop serves and watches
	failed  string          // why the loop could not start
	reloads []data.DevEvent // DevReload and DevFailed, oldest first
	output  []data.DevEvent // build lines, logs, warnings
	sel     int             // selected reload, from the newest (0)
	follow  bool            // keep the newest reload selected
	w, h    int
}

var _ common.Pane = (*Pane)(nil)

// New returns an empty Dev pane.
func New(c *common.Common) *Pane { return &Pane{c: c, follow: true} }

// Name implements common.Pane.
func (p *Pane) Name() string { return "dev" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Dev" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane.
func (p *Pane) Capturing() bool { return false }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) { p.w, p.h = w, h }

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Up, k.Down, k.Follow}
}

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.DevMsg:
		for _, ev := range msg {
			p.add(ev)
		}
	case tea.KeyPressMsg:
		km := p.c.Keys
		switch {
		case key.Matches(msg, km.Up):
			p.sel, p.follow = min(p.sel+1, max(0, len(p.reloads)-1)), false
		case key.Matches(msg, km.Down):
			p.sel = max(0, p.sel-1)
			p.follow = p.sel == 0
		case key.Matches(msg, km.Follow), key.Matches(msg, km.Bottom):
			p.sel, p.follow = 0, true
		}
	}
	return nil
}

func (p *Pane) add(ev data.DevEvent) {
	switch ev.Kind {
	case data.DevUp:
		p.up = ev.Text
	case data.DevReload, data.DevFailed:
		p.reloads = append(p.reloads, ev)
		if len(p.reloads) > keep {
			p.reloads = slices.Delete(p.reloads, 0, len(p.reloads)-keep)
		}
		if !p.follow {
			p.sel = min(p.sel+1, len(p.reloads)-1) // stay on the same reload
		}
		if ev.Kind == data.DevFailed {
			p.output = append(p.output, ev)
		}
	case data.DevWarn:
		if p.up == "" {
			p.failed = ev.Text
		}
		p.output = append(p.output, ev)
	default:
		p.output = append(p.output, ev)
	}
	if len(p.output) > keep {
		p.output = slices.Delete(p.output, 0, len(p.output)-keep)
	}
}

// View implements common.Pane.
func (p *Pane) View() string {
	st := &p.c.Styles
	head := st.Muted.Render("no dev loop yet: the first build is running")
	switch {
	case p.up != "":
		head = st.Accent.Render(common.Clean(p.up))
	case p.failed != "":
		head = st.Bad.Render("the dev loop could not start: " + common.Clean(firstLine(p.failed)))
	}
	lines := []string{head}
	if p.h < 4 {
		return common.Block(lines, p.w, p.h)
	}
	// The reloads take the top half, the output the rest.
	rh := max(3, (p.h-1)/2)
	lines = append(lines, p.reloadLines(rh)...)
	lines = append(lines, st.Title.Render(common.Fit("output (build, logs)", p.w)))
	oh := p.h - len(lines)
	from := max(0, len(p.output)-oh)
	for _, ev := range p.output[from:] {
		lines = append(lines, p.outputLine(ev))
	}
	return common.Block(lines, p.w, p.h)
}

// stageStyles colour the stages of a reload's bar.
func (p *Pane) stageStyle(name string) lipgloss.Style {
	st := &p.c.Styles
	switch name {
	case "seen":
		return st.Muted
	case "sync", "exec", "build":
		return st.Info
	case "replace", "restart":
		return st.Warn
	case "ready":
		return st.Good
	}
	return st.Accent
}

// reloadLines draws the summary, the reloads (newest first) with their
// bars on a common scale, and the selected reload's stages in words.
func (p *Pane) reloadLines(h int) []string {
	st := &p.c.Styles
	if len(p.reloads) == 0 {
		return []string{st.Muted.Render("  no reloads yet: save a file in the watched directory")}
	}
	var ok []time.Duration
	for _, r := range p.reloads {
		if r.Kind == data.DevReload {
			ok = append(ok, r.Total)
		}
	}
	summary := fmt.Sprintf("%d reloads", len(p.reloads))
	if len(ok) > 0 {
		s := slices.Clone(ok)
		slices.Sort(s)
		summary += fmt.Sprintf(" · median %s · last %s", short(s[len(s)/2]), short(ok[len(ok)-1]))
	}
	if failed := len(p.reloads) - len(ok); failed > 0 {
		summary += fmt.Sprintf(" · %d failed", failed)
	}
	out := []string{st.Title.Render(common.Fit(summary, p.w))}

	rows := h - 2
	sel := min(p.sel, len(p.reloads)-1)
	first := max(0, sel-rows+1) // keep the selection in sight
	var scale time.Duration
	for i := first; i < min(len(p.reloads), first+rows); i++ {
		scale = max(scale, p.reloads[len(p.reloads)-1-i].Total)
	}
	const fixed = 4 + 9 + 14 + 8 + 9 // number, time, action, changed, total
	barW := max(4, p.w-fixed-2)
	for i := first; i < min(len(p.reloads), first+rows); i++ {
		r := p.reloads[len(p.reloads)-1-i]
		line := fmt.Sprintf("%3d ", r.N) + st.Timestamp.Render(r.Time.Local().Format("15:04:05")) + " " +
			common.Fit(r.Action, 13) + " " + common.FitRight(fmt.Sprintf("%d chg", r.Paths), 7) + " "
		if r.Kind == data.DevFailed {
			line += st.Bad.Render(common.Fit("failed: "+common.Clean(firstLine(r.Text)), barW+9))
		} else {
			line += p.bar(r.Stages, scale, barW) + " " + common.FitRight(short(r.Total), 8)
		}
		if i == sel {
			line = st.Selected.Render(common.Fit(line, p.w))
		}
		out = append(out, line)
	}
	r := p.reloads[len(p.reloads)-1-sel]
	var words []string
	for _, s := range r.Stages {
		words = append(words, p.stageStyle(s.Name).Render(s.Name)+" "+short(s.Duration))
	}
	detail := fmt.Sprintf("#%d %s: ", r.N, r.Action) + strings.Join(words, " · ")
	if r.Kind == data.DevReload {
		detail += " · total " + short(r.Total)
	}
	return append(out, common.Fit(detail, p.w))
}

// bar draws stages as runs of blocks, w cells for scale.
func (p *Pane) bar(stages []data.DevStage, scale time.Duration, w int) string {
	if scale <= 0 {
		return strings.Repeat(" ", w)
	}
	var b strings.Builder
	used := 0
	for _, s := range stages {
		n := int(int64(w) * int64(s.Duration) / int64(scale))
		if n == 0 && s.Duration > 0 {
			n = 1
		}
		n = min(n, w-used)
		if n <= 0 {
			continue
		}
		b.WriteString(p.stageStyle(s.Name).Render(strings.Repeat("█", n)))
		used += n
	}
	return b.String() + strings.Repeat(" ", w-used)
}

func (p *Pane) outputLine(ev data.DevEvent) string {
	st := &p.c.Styles
	text := common.Clean(ev.Text)
	switch ev.Kind {
	case data.DevBuild:
		return st.Info.Render(text)
	case data.DevLog:
		return st.Muted.Render("  │ ") + st.Text.Render(text)
	case data.DevFailed:
		return st.Bad.Render(fmt.Sprintf("reload %d failed: ", ev.N)) + st.Bad.Render(text)
	case data.DevWarn:
		return st.Warn.Render(text)
	}
	return text
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// short prints a duration with a precision that suits it.
func short(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(100 * time.Microsecond).String()
	}
}

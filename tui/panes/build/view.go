package build

import (
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/data"
)

// spinner turns with the clock, so a running build's frames move each
// time its progress is read.
var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (p *Pane) spin() string {
	return spinner[int(p.c.Now().UnixMilli()/100)%len(spinner)]
}

// layout is how the pane's height is shared: the list with its header,
// the detail's header, the steps, the output's rule and lines, and the
// closing lines (warnings, image or error).
type layout struct {
	list, steps, out, closing int
}

func (p *Pane) layout() layout {
	var l layout
	l.list = max(1, min(len(p.builds), max(2, (p.h-1)/4)))
	rest := p.h - 1 - l.list - 1 // the list's header, the detail's header
	l.closing = min(len(p.closingLines()), max(0, rest/4))
	rest -= l.closing
	want := 0
	for _, s := range p.steps {
		want += p.stepHeight(s)
	}
	if len(p.steps) == 0 {
		want = 1
	}
	l.steps = max(0, min(want, rest-4, max(3, rest*3/5)))
	if i := p.shown(); i < 0 || len(p.steps[i].out) == 0 {
		l.steps = max(0, min(want, rest-1))
	}
	l.out = max(0, rest-l.steps-1)
	return l
}

func (p *Pane) stepHeight(s *step) int {
	n := 1
	if s.reason != "" {
		n++
	}
	if s.err != "" {
		n++
	}
	return n
}

func (p *Pane) outPage() int { return max(1, p.layout().out) }

func (p *Pane) outLines() []string {
	if i := p.shown(); i >= 0 {
		return p.steps[i].out
	}
	return nil
}

func (p *Pane) outLast() int { return max(0, len(p.outLines())-p.outPage()) }

// outStart is the first output line drawn.
func (p *Pane) outStart() int {
	if p.outFollow {
		return p.outLast()
	}
	return min(p.outTop, p.outLast())
}

// View implements common.Pane.
func (p *Pane) View() string {
	if p.h <= 0 {
		return ""
	}
	l := p.layout()
	lines := p.listLines(l.list)
	lines = append(lines, p.detailHeader())
	lines = append(lines, p.stepLines(l.steps)...)
	if len(p.steps) > 0 {
		lines = append(lines, p.outHeader())
		lines = append(lines, p.outputLines(l.out)...)
	}
	closing := p.closingLines()
	lines = append(lines, closing[:min(len(closing), l.closing)]...)
	return common.Block(lines, p.w, p.h)
}

// columns of the list: the tags and context share what the fixed ones
// leave; the image goes when the pane is narrow.
func (p *Pane) columns() (tags, ctx int, image bool) {
	image = p.w >= 90
	fixed := 2 + 9 + 9 + 8 // icon, id, started, time
	if image {
		fixed += 13
	}
	flex := max(8, p.w-fixed-2)
	tags = flex * 2 / 5
	return tags, flex - tags - 1, image
}

func (p *Pane) listLines(n int) []string {
	st := &p.c.Styles
	tw, cw, image := p.columns()
	head := "  " + common.Fit("BUILD", 9) + common.Fit("TAGS", tw) + " " + common.Fit("CONTEXT", cw) + " " +
		common.FitRight("STARTED", 8) + " " + common.FitRight("TIME", 7)
	if image {
		head += " " + common.Fit(" IMAGE", 12)
	}
	out := []string{st.TableHeader.Render(common.Fit(head, p.w))}
	if len(p.builds) == 0 {
		return append(out, st.Muted.Render("  no builds yet: press b to build, or run `berth build` in a terminal"))
	}
	sel := max(0, p.index())
	first := max(0, min(sel-n+1, len(p.builds)-n))
	for i := first; i < min(len(p.builds), first+n); i++ {
		b := p.builds[i]
		tags := strings.Join(b.Tags, ",")
		if tags == "" {
			tags = "<none>"
		}
		row := common.Fit(shortBuild(b.ID), 8) + " " + common.Fit(common.Clean(tags), tw) + " " +
			common.Fit(common.Clean(b.Context), cw) + " " +
			common.FitRight(common.Short(p.c.Now().Sub(b.Started))+" ago", 8) + " " +
			common.FitRight(short(p.took(b)), 7)
		if image {
			row += "  " + common.Fit(common.ShortID(b.ImageID), 12)
		}
		icon := p.statusIcon(b)
		switch {
		case b.ID == p.selID && p.focus == onList:
			out = append(out, st.Selected.Render(icon+" "+common.Fit(row, p.w-2)))
		case b.ID == p.selID:
			out = append(out, p.statusStyled(b, icon)+" "+st.Accent.Render(row))
		default:
			out = append(out, p.statusStyled(b, icon)+" "+st.Text.Render(row))
		}
	}
	return out
}

func (p *Pane) statusIcon(b data.BuildRow) string {
	switch b.Status {
	case data.BuildRunning:
		return p.spin()
	case data.BuildSucceeded:
		return "✓"
	}
	return "✗"
}

func (p *Pane) statusStyled(b data.BuildRow, icon string) string {
	st := &p.c.Styles
	switch b.Status {
	case data.BuildRunning:
		return st.Info.Render(icon)
	case data.BuildSucceeded:
		return st.Good.Render(icon)
	}
	return st.Bad.Render(icon)
}

// took is how long a build ran, or has been running.
func (p *Pane) took(b data.BuildRow) time.Duration {
	if b.Finished.IsZero() {
		return p.c.Now().Sub(b.Started)
	}
	return b.Finished.Sub(b.Started)
}

func (p *Pane) detailHeader() string {
	st := &p.c.Styles
	b := p.cur
	if b.ID == "" {
		return st.Rule.Render(strings.Repeat("─", p.w))
	}
	what := "build " + shortBuild(b.ID)
	if len(b.Tags) > 0 {
		what += " → " + strings.Join(b.Tags, ", ")
	}
	file := "Dockerfile"
	if b.Dockerfile != "" {
		file = b.Dockerfile
	}
	text := fmt.Sprintf("%s · %s · %s", what, b.Context, file)
	var status string
	switch b.Status {
	case data.BuildRunning:
		status = st.Info.Render("running " + short(p.took(b)))
	case data.BuildSucceeded:
		status = st.Good.Render("built in " + short(p.took(b)))
	default:
		status = st.Bad.Render("failed after " + short(p.took(b)))
	}
	return status + st.Title.Render(" · "+common.Clean(text))
}

func (p *Pane) stepLines(h int) []string {
	st := &p.c.Styles
	if h <= 0 {
		return nil
	}
	if len(p.steps) == 0 {
		if p.cur.ID != "" && !p.held {
			return []string{st.Muted.Render("  reading the build…")}
		}
		if p.cur.ID != "" {
			return []string{st.Muted.Render("  no steps yet")}
		}
		return nil
	}
	var all []string
	selLine := 0
	shown := p.shown()
	for i, s := range p.steps {
		if i == shown {
			selLine = len(all)
		}
		all = append(all, p.stepLine(s, i == shown))
		if s.reason != "" {
			all = append(all, st.Explain.Render("      cache miss: "+common.Clean(s.reason)))
		}
		if s.err != "" {
			all = append(all, st.Bad.Render("      "+common.Clean(firstLine(s.err))))
		}
	}
	// Keep the shown step in sight, or when following the newest lines.
	first := max(0, len(all)-h)
	if !p.stepFollow || p.focus == onSteps {
		first = max(0, min(selLine-h/2, len(all)-h))
	}
	return all[first:min(len(all), first+h)]
}

func (p *Pane) stepLine(s *step, shown bool) string {
	st := &p.c.Styles
	icon, iconStyle := "✓", st.Good
	var right string
	rightStyle := st.Text
	switch {
	case s.state == failed:
		icon, iconStyle, right, rightStyle = "✗", st.Bad, "ERROR", st.Bad
	case s.state == running && !p.cur.Running():
		icon, iconStyle, right, rightStyle = "✗", st.Bad, "stopped", st.Bad
	case s.state == running:
		icon, iconStyle, right, rightStyle = p.spin(), st.Info, short(p.c.Now().Sub(s.started)), st.Info
	case s.state == cached:
		right, rightStyle = "CACHED", st.Muted
	default:
		right = short(s.took)
	}
	size := ""
	if s.size > 0 {
		size = common.HumanSize(uint64(s.size))
	}
	label := fmt.Sprintf("[%s %d/%d] %s", s.stage, s.n, s.total, common.Clean(s.instruction))
	lw := max(4, p.w-4-9-9)
	text := common.Fit(label, lw)
	mark := " "
	if shown && len(s.out) > 0 {
		mark = "▸"
	}
	line := iconStyle.Render(icon) + " " + text + " " + rightStyle.Render(common.FitRight(right, 8)) + " " +
		st.Muted.Render(common.FitRight(size, 8))
	if shown && p.focus == onSteps {
		return st.Selected.Render("▸" + icon + " " + text + " " + common.FitRight(right, 8) + " " + common.FitRight(size, 8))
	}
	return st.Accent.Render(mark) + line
}

func (p *Pane) outHeader() string {
	st := &p.c.Styles
	i := p.shown()
	if i < 0 {
		return st.Rule.Render(strings.Repeat("─", p.w))
	}
	s := p.steps[i]
	text := fmt.Sprintf("─ output of step %d/%d · %d lines ", s.n, s.total, len(s.out))
	if !p.outFollow {
		text += "· paused, f follows "
	}
	return st.Rule.Render(text + strings.Repeat("─", max(0, p.w-common.Width(text))))
}

func (p *Pane) outputLines(h int) []string {
	st := &p.c.Styles
	lines := p.outLines()
	if len(lines) == 0 {
		if h > 0 && p.shown() >= 0 {
			return []string{st.Muted.Render("  no output")}
		}
		return nil
	}
	from := p.outStart()
	out := make([]string, 0, h)
	for _, l := range lines[from:min(len(lines), from+h)] {
		out = append(out, st.Text.Render("  "+common.Clean(l)))
	}
	return out
}

// closingLines are the warnings and how the build ended.
func (p *Pane) closingLines() []string {
	st := &p.c.Styles
	var out []string
	for _, w := range p.warnings {
		out = append(out, st.Warn.Render("warning: "+common.Clean(w)))
	}
	switch {
	case p.cur.Status == data.BuildSucceeded:
		id := p.imageID
		if id == "" {
			id = p.cur.ImageID
		}
		out = append(out, st.Good.Render("image "+id))
	case p.cur.Status == data.BuildFailed && p.cur.Error != "" && !p.stepSays(p.cur.Error):
		out = append(out, st.Bad.Render("error: "+common.Clean(firstLine(p.cur.Error))))
	}
	return out
}

// stepSays reports whether a step's error is err, already drawn under it.
func (p *Pane) stepSays(err string) bool {
	for _, s := range p.steps {
		if s.err == err {
			return true
		}
	}
	return false
}

func shortBuild(id string) string { return id[:min(8, len(id))] }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// short prints a duration with a precision that suits it.
func short(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

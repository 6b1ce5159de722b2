package progress

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Live draws a compact view on a terminal: one line per step, rewritten in
// place as the step runs, with the last output line of the running step.
func Live(w io.Writer, events <-chan Event) {
	type row struct {
		text, status, last string
	}
	var rows []*row
	byStep := map[int]*row{}
	drawn := 0
	redraw := func() {
		if drawn > 0 {
			fmt.Fprintf(w, "\x1b[%dA", drawn)
		}
		drawn = 0
		for _, r := range rows {
			fmt.Fprintf(w, "\x1b[2K%-9s %s\n", r.status, truncate(r.text, 100))
			drawn++
			if r.last != "" {
				fmt.Fprintf(w, "\x1b[2K          %s\n", truncate(r.last, 90))
				drawn++
			}
		}
	}
	for ev := range events {
		r := byStep[ev.Step]
		switch ev.Kind {
		case StepStarted:
			r = &row{text: fmt.Sprintf("[%s %d/%d] %s", ev.Stage, ev.Step, ev.Total, ev.Instruction), status: "..."}
			byStep[ev.Step] = r
			rows = append(rows, r)
		case CacheHit:
			if r != nil {
				r.status = "CACHED"
			}
		case CacheMiss:
			if r != nil {
				r.last = "miss: " + ev.Reason
			}
		case Output:
			if r != nil {
				r.last = strings.TrimRight(ev.Text, "\n")
			}
		case StepDone:
			if r != nil {
				if r.status != "CACHED" {
					r.status = fmt.Sprintf("%.1fs", ev.Duration.Round(100*time.Millisecond).Seconds())
				}
				if ev.LayerSize > 0 {
					r.text += " (" + HumanSize(ev.LayerSize) + ")"
				}
				if !strings.HasPrefix(r.last, "miss: ") {
					r.last = ""
				}
			}
		case StepFailed:
			if r != nil {
				r.status = "ERROR"
				r.last = fmt.Sprint(ev.Err)
			}
		case Warning:
			rows = append(rows, &row{status: "WARNING", text: ev.Text})
		case Done:
			rows = append(rows, &row{status: "DONE", text: "image " + ev.ImageID})
		}
		redraw()
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

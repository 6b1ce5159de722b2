package containers

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/table"
	"github.com/berth-dev/berth/tui/data"
)

var columns = []table.Column{
	{Title: "NAME", Width: 10, Flex: 1},
	{Title: "STATE", Width: 18},
	{Title: "IMAGE", Width: 10, Flex: 1},
	{Title: "UP", Width: 4, Right: true},
	{Title: "CPU%", Width: 5, Right: true},
	{Title: "CPU", Width: 10, Flex: 1},
	{Title: "MEM", Width: 7, Right: true},
	{Title: "MEMORY", Width: 10, Flex: 1},
	{Title: "PORTS", Width: 10, Flex: 1},
	{Title: "ADDRESS", Width: 13},
}

// The sparkline columns, drawn as wide as the table makes them.
const colCPU, colMem = 5, 7

type sortKey int

const (
	byName sortKey = iota
	byState
	byImage
	byUptime
	byCPU
	byMem
	numSortKeys
)

var sortNames = []string{"name", "state", "image", "uptime", "cpu", "memory"}
var sortCols = []int{0, 1, 2, 3, 4, 6}

func (s sortKey) String() string { return sortNames[s] }

func (p *Pane) refresh() {
	p.dirty = false
	q := strings.ToLower(p.filter.Value())
	p.shown = p.shown[:0]
	for _, r := range p.all {
		if q == "" || matches(r, q) {
			p.shown = append(p.shown, r)
		}
	}
	p.sort()
	keys := make([]string, len(p.shown))
	for i, r := range p.shown {
		keys[i] = r.ID
	}
	shown := p.shown
	p.tbl.SetSort(sortCols[p.sortBy], p.rev)
	p.tbl.SetLazyRows(keys, func(i int) table.Row { return p.row(shown[i]) })
}

func matches(r data.ContainerRow, q string) bool {
	return strings.Contains(strings.ToLower(r.Name), q) ||
		strings.Contains(strings.ToLower(r.Image), q) ||
		strings.HasPrefix(r.ID, q) ||
		strings.Contains(r.Status, q)
}

func (p *Pane) sort() {
	now := p.c.Now()
	// Names are unique, so the order is total and need not be stable;
	// sorting pointers moves 8 bytes a swap instead of a whole row.
	ptrs := make([]*data.ContainerRow, len(p.shown))
	for i := range p.shown {
		ptrs[i] = &p.shown[i]
	}
	slices.SortFunc(ptrs, func(a, b *data.ContainerRow) int {
		var c int
		switch p.sortBy {
		case byState:
			c = cmp.Compare(stateRank(a.Status), stateRank(b.Status))
		case byImage:
			c = cmp.Compare(a.Image, b.Image)
		case byUptime:
			c = cmp.Compare(uptime(*a, now), uptime(*b, now))
		case byCPU:
			c = -cmp.Compare(a.CPU, b.CPU)
		case byMem:
			c = -cmp.Compare(a.Mem, b.Mem)
		}
		if c == 0 {
			c = cmp.Compare(a.Name, b.Name)
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if p.rev {
			return -c
		}
		return c
	})
	sorted := make([]data.ContainerRow, len(ptrs))
	for i, r := range ptrs {
		sorted[i] = *r
	}
	p.shown = sorted
}

func stateRank(s string) int {
	switch s {
	case "running":
		return 0
	case "restarting":
		return 1
	case "paused":
		return 2
	case "created":
		return 3
	}
	return 4
}

// uptime is how long a live container has run; 0 when it is not running.
func uptime(r data.ContainerRow, now time.Time) time.Duration {
	if !r.Running() || r.StartedAt.IsZero() {
		return 0
	}
	return now.Sub(r.StartedAt)
}

func (p *Pane) row(r data.ContainerRow) table.Row {
	st := &p.c.Styles
	now := p.c.Now()
	state, stStyle := stateText(r, st)
	up := ""
	if d := uptime(r, now); d > 0 {
		up = common.Short(d)
	}
	cpu, mem, cpuSpark, memSpark := "", "", "", ""
	if r.Running() {
		cpu = fmt.Sprintf("%.1f", r.CPU)
		mem = common.HumanSize(r.Mem)
		cpuSpark = common.Sparkline(p.cpu[r.ID].Values(), p.tbl.Width(colCPU), max(100, p.cpu[r.ID].Max()))
		memMax := float64(r.MemLimit)
		if memMax == 0 {
			memMax = p.mem[r.ID].Max()
		}
		memSpark = common.Sparkline(p.mem[r.ID].Values(), p.tbl.Width(colMem), memMax)
	}
	return table.Row{
		Key:    r.ID,
		Marked: p.marks[r.ID],
		Cells: []table.Cell{
			{Text: r.Name, Style: &st.Text},
			{Text: state, Style: stStyle},
			{Text: r.Image, Style: &st.Muted},
			{Text: up},
			{Text: cpu},
			{Text: cpuSpark, Style: &st.SparkCPU},
			{Text: mem},
			{Text: memSpark, Style: &st.SparkMem},
			{Text: strings.Join(r.Ports, ","), Style: &st.Info},
			{Text: r.IP, Style: &st.Muted},
		},
	}
}

func stateText(r data.ContainerRow, st *common.Styles) (string, *lipgloss.Style) {
	s := r.Status
	style := &st.Muted
	switch r.Status {
	case "running":
		style = &st.Good
	case "paused", "restarting":
		style = &st.Warn
	case "exited":
		s = fmt.Sprintf("exited(%d)", r.ExitCode)
		if r.ExitCode != 0 {
			style = &st.Bad
		}
	case "dead":
		style = &st.Bad
	}
	if !r.Running() {
		return s, style
	}
	switch r.Health {
	case "healthy":
		s += " ♥"
	case "unhealthy":
		s += " ✗unhealthy"
		style = &st.Bad
	case "starting":
		s += " …"
	}
	return s, style
}

// Package resources is the workbench's Resources pane, in the manner of
// ctop: per-container CPU, memory, network, block io and pids with
// sparklines and limits, and the totals over all containers.
package resources

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/components/table"
	"github.com/berth-dev/berth/tui/data"
)

const historyLen = 120

// track is one container's recent samples.
type track struct {
	name      string
	last      data.StatsSample
	cpu, mem  *common.Series
	rx, tx    float64 // bytes per second, from the last two samples
	rd, wr    float64
	throttled bool // throttled since the sample before
	oom       bool // an OOM kill since the pane started
}

// Pane is the Resources pane.
type Pane struct {
	c        *common.Common
	tracks   map[string]*track
	order    []string
	running  map[string]string // id → name of running containers
	totalCPU *common.Series
	totalMem *common.Series
	round    map[string]bool // containers sampled in this round
	byMem    bool
	tbl      *table.Model
	dirty    bool
	w, h     int
}

var _ common.Pane = (*Pane)(nil)

var columns = []table.Column{
	{Title: "NAME", Width: 14},
	{Title: "", Width: 9},
	{Title: "CPU%", Width: 6, Right: true},
	{Title: "CPU", Width: 12, Flex: 2},
	{Title: "MEM / LIMIT", Width: 17, Right: true},
	{Title: "MEMORY", Width: 12, Flex: 1},
	{Title: "NET ↓/↑", Width: 17, Right: true},
	{Title: "IO r/w", Width: 17, Right: true},
	{Title: "PIDS", Width: 9, Right: true},
}

// New returns an empty Resources pane.
func New(c *common.Common) *Pane {
	p := &Pane{c: c, tracks: map[string]*track{}, round: map[string]bool{}, running: map[string]string{},
		totalCPU: common.NewSeries(historyLen), totalMem: common.NewSeries(historyLen)}
	p.tbl = table.New(c, columns)
	p.tbl.SetEmpty("no running containers")
	return p
}

// Name implements common.Pane.
func (p *Pane) Name() string { return "resources" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Resources" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane.
func (p *Pane) Capturing() bool { return false }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) { p.w, p.h = w, h; p.tbl.SetSize(w, h-2); p.dirty = true }

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	sort := k.Sort
	sort.SetHelp(sort.Help().Key, "sort cpu/memory")
	return []key.Binding{k.Up, k.Down, sort, k.Logs, k.Inspect}
}

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.ContainersMsg:
		p.running = map[string]string{}
		for _, r := range msg {
			if r.Running() {
				p.running[r.ID] = r.Name
			}
		}
		for id := range p.tracks {
			if _, ok := p.running[id]; !ok {
				delete(p.tracks, id)
			}
		}
		p.dirty = true
	case common.StatsMsg:
		for _, s := range msg {
			p.add(s)
		}
	case common.RestyleMsg:
		p.dirty = true
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return nil
}

func (p *Pane) add(s data.StatsSample) {
	t := p.tracks[s.ID]
	if t == nil {
		t = &track{cpu: common.NewSeries(historyLen), mem: common.NewSeries(historyLen)}
		p.tracks[s.ID] = t
	} else if dt := s.Time.Sub(t.last.Time).Seconds(); dt > 0 {
		t.rx = rate(s.NetRx, t.last.NetRx, dt)
		t.tx = rate(s.NetTx, t.last.NetTx, dt)
		t.rd = rate(s.BlkRead, t.last.BlkRead, dt)
		t.wr = rate(s.BlkWrite, t.last.BlkWrite, dt)
		t.throttled = s.Throttled > t.last.Throttled
		t.oom = t.oom || s.OOMKills > t.last.OOMKills
	}
	t.oom = t.oom || (t.last.Time.IsZero() && s.OOMKills > 0)
	t.last = s
	t.cpu.Add(s.CPU)
	t.mem.Add(float64(s.Mem))
	// A total is added once per round of samples: when a container's
	// sample arrives a second time, the round before it is complete.
	if p.round[s.ID] {
		p.addTotals()
		clear(p.round)
	}
	p.round[s.ID] = true
	p.dirty = true
}

func (p *Pane) addTotals() {
	var cpu, mem float64
	for _, t := range p.tracks {
		cpu += t.last.CPU
		mem += float64(t.last.Mem)
	}
	p.totalCPU.Add(cpu)
	p.totalMem.Add(mem)
}

func rate(now, before uint64, dt float64) float64 {
	if now < before {
		return 0
	}
	return float64(now-before) / dt
}

func (p *Pane) key(k tea.KeyPressMsg) tea.Cmd {
	km := p.c.Keys
	p.sync()
	switch {
	case key.Matches(k, km.Up):
		p.tbl.Move(-1)
	case key.Matches(k, km.Down):
		p.tbl.Move(1)
	case key.Matches(k, km.Sort):
		p.byMem = !p.byMem
		p.dirty = true
	case key.Matches(k, km.Logs), key.Matches(k, km.Enter):
		return p.open("logs")
	case key.Matches(k, km.Inspect):
		return p.open("namespaces")
	}
	return nil
}

func (p *Pane) open(pane string) tea.Cmd {
	id := p.tbl.SelectedKey()
	if id == "" {
		return nil
	}
	msg := common.OpenMsg{Pane: pane, Targets: []common.Target{{ID: id, Name: p.running[id]}}}
	return func() tea.Msg { return msg }
}

func (p *Pane) sync() {
	if !p.dirty {
		return
	}
	p.dirty = false
	p.order = p.order[:0]
	for id := range p.tracks {
		if _, ok := p.running[id]; ok {
			p.order = append(p.order, id)
		}
	}
	slices.SortFunc(p.order, func(a, b string) int {
		ta, tb := p.tracks[a], p.tracks[b]
		c := -cmp.Compare(ta.last.CPU, tb.last.CPU)
		if p.byMem {
			c = -cmp.Compare(ta.last.Mem, tb.last.Mem)
		}
		if c == 0 {
			c = cmp.Compare(p.running[a], p.running[b])
		}
		return c
	})
	rows := make([]table.Row, len(p.order))
	for i, id := range p.order {
		rows[i] = p.row(id, p.tracks[id])
	}
	p.tbl.SetSort(map[bool]int{false: 2, true: 4}[p.byMem], false)
	p.tbl.SetRows(rows)
}

func (p *Pane) row(id string, t *track) table.Row {
	st := &p.c.Styles
	s := t.last
	cpuMax := max(100, t.cpu.Max())
	if s.CPULimit > 0 {
		cpuMax = s.CPULimit
	}
	// Without a limit the container can use the host's memory, so the
	// bar is drawn against the host's total, as docker stats does.
	memMax := float64(s.MemLimit)
	limit := common.HumanSize(s.MemLimit)
	switch {
	case s.MemLimit > 0:
	case s.HostMem > 0:
		memMax, limit = float64(s.HostMem), "host"
	default:
		memMax, limit = t.mem.Max(), "∞"
	}
	pids := fmt.Sprint(s.Pids)
	if s.PidsMax > 0 {
		pids += fmt.Sprintf("/%d", s.PidsMax)
	}
	var flags []string
	flagStyle := &st.Warn
	if t.oom {
		flags = append(flags, "OOM")
		flagStyle = &st.Bad
	}
	if t.throttled {
		flags = append(flags, "throttled")
	}
	cpuStyle := &st.SparkCPU
	if s.CPULimit > 0 && s.CPU >= s.CPULimit*0.9 {
		cpuStyle = &st.Limit
	}
	return table.Row{Key: id, Cells: []table.Cell{
		{Text: p.running[id], Style: &st.Text},
		{Text: strings.Join(flags, " "), Style: flagStyle},
		{Text: fmt.Sprintf("%.1f", s.CPU)},
		{Text: common.Sparkline(t.cpu.Values(), p.tbl.Width(3), cpuMax), Style: cpuStyle},
		{Text: common.HumanSize(s.Mem) + " / " + limit},
		{Text: gauge(float64(s.Mem), memMax, p.tbl.Width(5), s.MemLimit > 0), Style: gaugeStyle(st, float64(s.Mem), float64(s.MemLimit))},
		{Text: common.HumanSize(uint64(t.rx)) + "/s " + common.HumanSize(uint64(t.tx)) + "/s", Style: &st.Info},
		{Text: common.HumanSize(uint64(t.rd)) + "/s " + common.HumanSize(uint64(t.wr)) + "/s", Style: &st.Muted},
		{Text: pids},
	}}
}

// gauge draws v of max as a bar; with a limit, the bar's end is the limit.
func gauge(v, max float64, w int, limited bool) string {
	if w < 3 {
		return ""
	}
	inner := w - 2
	n := 0
	if max > 0 {
		n = min(inner, int(v/max*float64(inner)+0.5))
	}
	end := "▏"
	if limited {
		end = "┃"
	}
	return "▕" + strings.Repeat("█", n) + strings.Repeat("░", inner-n) + end
}

func gaugeStyle(st *common.Styles, v, limit float64) *lipgloss.Style {
	switch {
	case limit > 0 && v >= limit*0.9:
		return &st.Limit
	case limit > 0 && v >= limit*0.7:
		return &st.Warn
	}
	return &st.SparkMem
}

// View implements common.Pane.
func (p *Pane) View() string {
	p.sync()
	st := &p.c.Styles
	var mem uint64
	var pids uint64
	for _, id := range p.order {
		mem += p.tracks[id].last.Mem
		pids += p.tracks[id].last.Pids
	}
	w := max(10, p.w/4)
	line1 := st.Title.Render("Total ") + st.Muted.Render(fmt.Sprintf("%d running · CPU %.1f%% ", len(p.order), p.totalCPU.Last())) +
		st.SparkCPU.Render(common.Sparkline(p.totalCPU.Values(), w, max(100, p.totalCPU.Max()))) +
		st.Muted.Render(fmt.Sprintf(" · MEM %s ", common.HumanSize(mem))) +
		st.SparkMem.Render(common.Sparkline(p.totalMem.Values(), w, p.totalMem.Max()))
	line2 := st.Muted.Render(fmt.Sprintf("pids %d · sampled every %s · sort: %s", pids,
		time.Duration(p.c.Config.Refresh), map[bool]string{false: "cpu", true: "memory"}[p.byMem]))
	return common.Fit(line1, p.w) + "\n" + common.Fit(line2, p.w) + "\n" + p.tbl.View()
}

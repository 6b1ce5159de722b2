package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/data"
)

// Messages of the workbench's own loops. Each stream message carries its
// channel so that the command which waits for the next value can re-arm
// itself, as bubbletea's examples/realtime does.
type (
	tickMsg   struct{}
	reloadMsg struct{ tag int }
	eventMsg  struct {
		row data.EventRow
		ch  <-chan data.EventRow
	}
	statsMsg struct {
		s  []data.StatsSample
		ch <-chan data.StatsSample
	}
	logMsg struct {
		gen   int
		lines []data.LogLine
		ch    <-chan data.LogLine
	}
	devMsg struct {
		evs []data.DevEvent
		ch  <-chan data.DevEvent
	}
	streamEndMsg struct {
		what string
		err  error
	}
)

// listEvery is how many refresh ticks pass between reloads of the lists
// that no event asked for.
const listEvery = 5

// maxLogBatch bounds how many log lines one message carries, so that a
// chatty container cannot starve the keyboard.
const maxLogBatch = 512

func (m *Model) loadContainers() tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	return func() tea.Msg {
		rows, err := b.Containers(ctx)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("listing containers: %w", err)}
		}
		return common.ContainersMsg(rows)
	}
}

func (m *Model) loadImages() tea.Cmd {
	b, ctx := m.backend, m.c.Ctx
	return func() tea.Msg {
		rows, err := b.Images(ctx)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("listing images: %w", err)}
		}
		return common.ImagesMsg(rows)
	}
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(time.Duration(m.c.Config.Refresh), func(time.Time) tea.Msg { return tickMsg{} })
}

// debounceReload reloads the lists shortly after a burst of events ends.
func (m *Model) debounceReload() tea.Cmd {
	m.reloadTag++
	tag := m.reloadTag
	return tea.Tick(150*time.Millisecond, func(time.Time) tea.Msg { return reloadMsg{tag} })
}

func (m *Model) openEvents() tea.Cmd {
	b, ctx, since := m.backend, m.c.Ctx, m.c.Now().Add(-time.Hour)
	return func() tea.Msg {
		ch, err := b.Events(ctx, since)
		if err != nil {
			return streamEndMsg{"events", fmt.Errorf("following events: %w", err)}
		}
		return waitEvent(ch)()
	}
}

func waitEvent(ch <-chan data.EventRow) tea.Cmd {
	return func() tea.Msg {
		row, ok := <-ch
		if !ok {
			return streamEndMsg{what: "events"}
		}
		return eventMsg{row, ch}
	}
}

func (m *Model) openStats() tea.Cmd {
	b, ctx, every := m.backend, m.c.Ctx, time.Duration(m.c.Config.Refresh)
	return func() tea.Msg {
		ch, err := b.Stats(ctx, every)
		if err != nil {
			return streamEndMsg{"stats", fmt.Errorf("sampling stats: %w", err)}
		}
		return waitStats(ch)()
	}
}

// waitStats waits for one sample, then takes the rest of the round that is
// already queued, so that a round redraws the screen once.
func waitStats(ch <-chan data.StatsSample) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return streamEndMsg{what: "stats"}
		}
		batch := []data.StatsSample{s}
		for len(batch) < maxStatsBatch {
			select {
			case s, ok := <-ch:
				if !ok {
					return statsMsg{batch, closedStats}
				}
				batch = append(batch, s)
			default:
				return statsMsg{batch, ch}
			}
		}
		return statsMsg{batch, ch}
	}
}

// maxStatsBatch bounds a batch of samples, as maxLogBatch does for logs.
const maxStatsBatch = 4096

// closedStats is a closed channel: waiting on it ends the stream at once.
var closedStats = func() <-chan data.StatsSample {
	ch := make(chan data.StatsSample)
	close(ch)
	return ch
}()

// followLogs stops the log streams shown before and follows the targets'
// logs, one stream each, merged as they arrive.
func (m *Model) followLogs(ts []common.Target) tea.Cmd {
	if m.logCancel != nil {
		m.logCancel()
	}
	m.logGen++
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.logCancel = cancel
	gen, b := m.logGen, m.backend
	cmds := make([]tea.Cmd, 0, len(ts))
	for _, t := range ts {
		cmds = append(cmds, func() tea.Msg {
			ch, err := b.Logs(ctx, t.ID, data.LogOptions{Follow: true, Tail: 500})
			if err != nil {
				return streamEndMsg{"logs", fmt.Errorf("following logs of %s: %w", t.Name, err)}
			}
			return waitLogs(gen, ch)()
		})
	}
	return tea.Batch(cmds...)
}

// waitLogs waits for one line, then takes whatever else is already queued,
// up to maxLogBatch lines.
func waitLogs(gen int, ch <-chan data.LogLine) tea.Cmd {
	return func() tea.Msg {
		l, ok := <-ch
		if !ok {
			return streamEndMsg{what: "logs"}
		}
		lines := []data.LogLine{l}
		for len(lines) < maxLogBatch {
			select {
			case l, ok := <-ch:
				if !ok {
					return logMsg{gen, lines, closedLogs}
				}
				lines = append(lines, l)
			default:
				return logMsg{gen, lines, ch}
			}
		}
		return logMsg{gen, lines, ch}
	}
}

// closedLogs is a closed channel: waiting on it ends the stream at once.
var closedLogs = func() <-chan data.LogLine {
	ch := make(chan data.LogLine)
	close(ch)
	return ch
}()

// waitDev waits for the dev loop's next report, then takes those already
// queued (a burst of build output), so that a burst redraws once.
func waitDev(ch <-chan data.DevEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return streamEndMsg{what: "dev loop"}
		}
		evs := []data.DevEvent{ev}
		for len(evs) < maxLogBatch {
			select {
			case ev, ok := <-ch:
				if !ok {
					return devMsg{evs, nil}
				}
				evs = append(evs, ev)
			default:
				return devMsg{evs, ch}
			}
		}
		return devMsg{evs, ch}
	}
}

package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/cli/format"
	"github.com/berth-dev/berth/engine/stats"
)

// statsRow is one line of `stats`, with docker's --format field names.
type statsRow struct {
	Container, ID, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs string
}

var statsHeaders = map[string]string{"Container": "CONTAINER", "ID": "CONTAINER ID", "Name": "NAME", "CPUPerc": "CPU %",
	"MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS"}

const statsDefaultFormat = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(statsCmd(opts))
		group(root, "container", "Manage containers").AddCommand(statsCmd(opts))
	})
}

func statsCmd(opts *Options) *cobra.Command {
	var noStream bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [CONTAINER...]",
		Short: "Display a live stream of container resource usage statistics",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			f := tmpl
			if f == "" {
				f = statsDefaultFormat
			}
			t, err := format.Parse(f)
			if err != nil {
				return err
			}
			ch, err := e.Stats(cmd.Context(), time.Second, args...)
			if err != nil {
				return notFound(err)
			}
			// The CPU figure needs two readings: skip the first round's.
			first := true
			for round := range ch {
				if first && !noStream {
					first = false
					continue
				}
				if first {
					first = false
					time.Sleep(500 * time.Millisecond)
					continue
				}
				var rows []any
				for _, s := range round {
					if s.Err == nil {
						rows = append(rows, newStatsRow(s))
					}
				}
				if !noStream {
					fmt.Print("\033[2J\033[H") // clear the screen, as docker's live view does
				}
				if err := t.Execute(os.Stdout, statsHeaders, rows); err != nil {
					return err
				}
				if noStream {
					return nil
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noStream, "no-stream", false, "disable streaming stats and only pull the first result")
	cmd.Flags().StringVar(&tmpl, "format", "", "format output using a Go template")
	return cmd
}

func newStatsRow(s stats.Sample) statsRow {
	limit := s.MemLimit
	memPerc := "--"
	if limit > 0 && limit < 1<<62 {
		memPerc = fmt.Sprintf("%.2f%%", float64(s.MemUsage)/float64(limit)*100)
	}
	id := s.ID
	if len(id) > 12 {
		id = id[:12]
	}
	limitText := "unlimited"
	if limit > 0 && limit < 1<<62 {
		limitText = format.BinarySize(int64(limit))
	}
	return statsRow{
		Container: id, ID: id, Name: s.Name,
		CPUPerc:  fmt.Sprintf("%.2f%%", s.CPUPercent),
		MemUsage: format.BinarySize(int64(s.MemUsage)) + " / " + limitText,
		MemPerc:  memPerc,
		NetIO:    format.Size(int64(s.Net.RxBytes)) + " / " + format.Size(int64(s.Net.TxBytes)),
		BlockIO:  format.Size(int64(s.BlockRead)) + " / " + format.Size(int64(s.BlockWrite)),
		PIDs:     fmt.Sprint(s.Pids),
	}
}

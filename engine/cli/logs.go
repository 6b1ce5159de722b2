package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/logs"
	"github.com/berth-dev/berth/engine/supervisor"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(logsCmd(opts))
		group(root, "container", "Manage containers").AddCommand(logsCmd(opts))
	})
}

func logsCmd(opts *Options) *cobra.Command {
	var follow, timestamps bool
	var since, until, tail string
	cmd := &cobra.Command{
		Use:   "logs [OPTIONS] CONTAINER",
		Short: "Fetch the logs of a container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			rec, err := e.Containers.Get(args[0])
			if err != nil {
				return notFound(err)
			}
			// Following a container that is not running reads what there is.
			follow = follow && supervisor.Alive(e.Containers.Dir(rec.ID))
			ro := logs.ReadOptions{Tail: -1, Follow: follow}
			if tail != "all" {
				if ro.Tail, err = strconv.Atoi(tail); err != nil || ro.Tail < 0 {
					return fmt.Errorf("invalid --tail %q: give a number or all", tail)
				}
			}
			now := time.Now()
			if ro.Since, err = parseTime(since, now); err != nil {
				return err
			}
			if ro.Until, err = parseTime(until, now); err != nil {
				return err
			}
			path := filepath.Join(e.Containers.Dir(rec.ID), supervisor.LogFile)
			ctx := cmd.Context()
			if follow {
				// Follow until the container is gone or no longer running.
				var cancel func()
				ctx, cancel = withCancelOnExit(ctx, e, rec.ID)
				defer cancel()
			}
			return logs.Read(ctx, path, ro, func(en logs.Entry) error {
				out := os.Stdout
				if en.Stream == "stderr" {
					out = os.Stderr
				}
				line := en.Line
				if !en.Partial {
					line += "\n"
				}
				if timestamps {
					line = en.Time.Format(time.RFC3339Nano) + " " + line
				}
				_, err := out.WriteString(line)
				return err
			})
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&follow, "follow", "f", false, "follow log output")
	fl.BoolVarP(&timestamps, "timestamps", "t", false, "show timestamps")
	fl.StringVar(&since, "since", "", "show logs since a timestamp (2013-01-02T13:23:37Z) or relative time (42m)")
	fl.StringVar(&until, "until", "", "show logs before a timestamp or relative time")
	fl.StringVarP(&tail, "tail", "n", "all", "number of lines to show from the end of the logs")
	return cmd
}

// parseTime reads docker's --since/--until: an RFC 3339 time, a date, a Unix
// timestamp, or a duration before now (10m, 1h30m).
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("invalid time %q: give a timestamp (2006-01-02T15:04:05Z), a Unix time or a duration (10m)", s)
}

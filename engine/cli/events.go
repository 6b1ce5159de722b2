package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/events"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		var since, until, tmpl string
		var filters []string
		cmd := &cobra.Command{
			Use:   "events [OPTIONS]",
			Short: "Get real time events from the engine",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				e, err := openEngine(cmd.Context(), opts)
				if err != nil {
					return err
				}
				now := time.Now()
				s, err := parseTime(since, now)
				if err != nil {
					return err
				}
				u, err := parseTime(until, now)
				if err != nil {
					return err
				}
				f, err := parseEventFilters(filters)
				if err != nil {
					return err
				}
				print := func(ev events.Event) {
					if tmpl == "json" || tmpl == "{{json .}}" {
						b, _ := json.Marshal(ev)
						fmt.Println(string(b))
						return
					}
					fmt.Println(eventLine(ev))
				}
				if !u.IsZero() && !u.After(now) {
					evs, err := e.Events.Read(s, u, f)
					if err != nil {
						return err
					}
					for _, ev := range evs {
						print(ev)
					}
					return nil
				}
				ctx := cmd.Context()
				if !u.IsZero() {
					var cancel func()
					ctx, cancel = context.WithDeadline(ctx, u)
					defer cancel()
				}
				ch, err := e.Events.Follow(ctx, s, f)
				if err != nil {
					return err
				}
				for ev := range ch {
					print(ev)
				}
				return nil
			},
		}
		fl := cmd.Flags()
		fl.StringVar(&since, "since", "", "show events created since a timestamp or relative time")
		fl.StringVar(&until, "until", "", "stream events until this timestamp or relative time")
		fl.StringArrayVarP(&filters, "filter", "f", nil, "filter output (type, event, container, image, network, volume, label)")
		fl.StringVar(&tmpl, "format", "", "json for one JSON object per line")
		root.AddCommand(cmd)
		group(root, "system", "Manage berth").AddCommand(&cobra.Command{Use: "events", Short: "Get real time events from the engine",
			RunE: func(c *cobra.Command, args []string) error { return cmd.RunE(cmd, args) }})
	})
}

// eventLine prints an event as `docker events` does:
// 2026-01-02T03:04:05.000000000Z container start 1234... (image=busybox, name=web)
func eventLine(ev events.Event) string {
	var attrs []string
	for k, v := range ev.Attributes {
		attrs = append(attrs, k+"="+v)
	}
	sort.Strings(attrs)
	line := ev.Time.Format("2006-01-02T15:04:05.000000000Z07:00") + " " + ev.Type + " " + ev.Action + " " + ev.ID
	if len(attrs) > 0 {
		line += " (" + strings.Join(attrs, ", ") + ")"
	}
	return line
}

// parseEventFilters reads docker's event filters: type, event (action),
// container, image, network, volume (IDs or names), label.
func parseEventFilters(fs []string) (events.Filter, error) {
	var f events.Filter
	for _, s := range fs {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return f, fmt.Errorf("invalid filter %q: want KEY=VALUE", s)
		}
		switch k {
		case "type":
			f.Types = append(f.Types, v)
		case "event", "action":
			f.Actions = append(f.Actions, v)
		case "container", "network", "volume":
			f.IDs = append(f.IDs, v)
		case "image":
			if f.Attributes == nil {
				f.Attributes = map[string][]string{}
			}
			f.Attributes["image"] = append(f.Attributes["image"], v)
		case "label":
			lk, lv, _ := strings.Cut(v, "=")
			if f.Attributes == nil {
				f.Attributes = map[string][]string{}
			}
			f.Attributes[lk] = append(f.Attributes[lk], lv)
		default:
			return f, fmt.Errorf("invalid filter %q: unknown key %q", s, k)
		}
	}
	return f, nil
}

// withCancelOnExit returns a context that ends once the container is no
// longer running, so that `logs -f` ends with it as docker's does.
func withCancelOnExit(ctx context.Context, e *engine.Engine, id string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		e.Wait(ctx, id)
		cancel()
	}()
	return ctx, cancel
}

package cli

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/cli/format"
	"github.com/berth-dev/berth/engine/container"
)

// psRow is one container as `ps --format` templates see it, with docker's
// field names.
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Ports, Status, State, Names, Networks, Mounts string
	Labels                                                                                   string
	labels                                                                                   map[string]string
}

// Label returns one label's value, as docker's {{.Label "key"}}.
func (r psRow) Label(name string) string { return r.labels[name] }

var psHeaders = map[string]string{"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
	"RunningFor": "CREATED", "Ports": "PORTS", "Status": "STATUS", "State": "STATE", "Names": "NAMES",
	"Networks": "NETWORKS", "Mounts": "MOUNTS", "Labels": "LABELS"}

const psDefaultFormat = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(psCommand(opts, "ps [OPTIONS]"))
		group(root, "container", "Manage containers").AddCommand(psCommand(opts, "ls [OPTIONS]", "list", "ps"))
	})
}

func psCommand(opts *Options, use string, aliases ...string) *cobra.Command {
	var all, quiet, noTrunc, latest bool
	var last int
	var filters []string
	var tmpl string
	cmd := &cobra.Command{
		Use:     use,
		Aliases: aliases,
		Short:   "List containers",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			recs, err := e.Containers.List()
			if err != nil {
				return err
			}
			match, err := parsePsFilters(filters)
			if err != nil {
				return err
			}
			if latest {
				last = 1
			}
			if last > 0 {
				all = true
			}
			var rows []any
			for _, r := range recs {
				if !all && r.State.Status != container.Running && r.State.Status != container.Paused && r.State.Status != container.Restarting {
					if len(filters) == 0 {
						continue
					}
				}
				if !match(r) {
					continue
				}
				rows = append(rows, newPsRow(r, noTrunc))
				if last > 0 && len(rows) == last {
					break
				}
			}
			f := tmpl
			switch {
			case quiet:
				f = "{{.ID}}"
			case f == "" || f == "table":
				f = psDefaultFormat
			}
			t, err := format.Parse(f)
			if err != nil {
				return err
			}
			return t.Execute(os.Stdout, psHeaders, rows)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "show all containers (default shows just running)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "only display container IDs")
	fl.BoolVar(&noTrunc, "no-trunc", false, "don't truncate output")
	fl.BoolVarP(&latest, "latest", "l", false, "show the latest created container")
	fl.IntVarP(&last, "last", "n", -1, "show n last created containers")
	fl.StringArrayVarP(&filters, "filter", "f", nil, "filter output based on conditions (status, name, id, label, ancestor, exited)")
	fl.StringVar(&tmpl, "format", "", "format output using a Go template, or json, or table")
	return cmd
}

func newPsRow(r *container.Record, noTrunc bool) psRow {
	now := time.Now()
	id, image, command := r.ShortID(), r.Image, strings.Join(engine.Argv(r.Config), " ")
	if noTrunc {
		id = r.ID
	} else if len(command) > 20 {
		command = command[:19] + "…"
	}
	var ports, nets []string
	for _, ep := range r.Network {
		ports = append(ports, ep.Ports...)
		nets = append(nets, ep.Network)
	}
	var mounts []string
	for _, m := range r.Config.Mounts {
		mounts = append(mounts, m.Source)
	}
	var labels []string
	for k, v := range r.Config.Labels {
		labels = append(labels, k+"="+v)
	}
	sort.Strings(labels)
	return psRow{
		ID: id, Image: image, Command: strconv.Quote(command),
		CreatedAt:  r.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: format.Ago(r.Created, now),
		Ports:      strings.Join(ports, ", "),
		Status:     format.Status(string(r.State.Status), r.State.ExitCode, r.State.StartedAt, r.State.FinishedAt, now, r.State.Health),
		State:      string(r.State.Status),
		Names:      r.Name,
		Networks:   strings.Join(nets, ","),
		Mounts:     strings.Join(mounts, ","),
		Labels:     strings.Join(labels, ","),
		labels:     r.Config.Labels,
	}
}

// parsePsFilters reads docker's ps filters: status, name (substring), id
// (prefix), label (key or key=value), ancestor (image), exited (code).
// Values of one key are ORed, different keys ANDed.
func parsePsFilters(fs []string) (func(*container.Record) bool, error) {
	by := map[string][]string{}
	for _, f := range fs {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("invalid filter %q: want KEY=VALUE", f)
		}
		switch k {
		case "status", "name", "id", "label", "ancestor", "exited", "health":
		default:
			return nil, fmt.Errorf("invalid filter %q: unknown key %q", f, k)
		}
		by[k] = append(by[k], v)
	}
	one := func(k string, r *container.Record, v string) bool {
		switch k {
		case "status":
			return string(r.State.Status) == v
		case "name":
			return strings.Contains(r.Name, v)
		case "id":
			return strings.HasPrefix(r.ID, v)
		case "ancestor":
			return r.Image == v || strings.HasPrefix(r.ImageID, v) || strings.HasPrefix(strings.TrimPrefix(r.ImageID, "sha256:"), v)
		case "exited":
			return r.State.Status == container.Exited && strconv.Itoa(r.State.ExitCode) == v
		case "health":
			return r.State.Health == v
		case "label":
			lk, lv, hasV := strings.Cut(v, "=")
			got, ok := r.Config.Labels[lk]
			return ok && (!hasV || got == lv)
		}
		return false
	}
	return func(r *container.Record) bool {
		for k, vs := range by {
			hit := false
			for _, v := range vs {
				if one(k, r, v) {
					hit = true
					break
				}
			}
			if !hit {
				return false
			}
		}
		return true
	}, nil
}

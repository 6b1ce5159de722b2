package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/cli/format"
	"github.com/berth-dev/berth/engine/opts"
	"github.com/berth-dev/berth/engine/volume"
)

func init() {
	register(func(root *cobra.Command, o *Options) {
		g := group(root, "volume", "Manage volumes")
		var labels []string
		create := &cobra.Command{
			Use:   "create [OPTIONS] [VOLUME]",
			Short: "Create a volume",
			Args:  cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				e, err := openEngine(cmd.Context(), o)
				if err != nil {
					return err
				}
				l, err := opts.ParseLabels(labels)
				if err != nil {
					return err
				}
				name := ""
				if len(args) == 1 {
					name = args[0]
				}
				v, err := e.Volumes.Create(name, l)
				if err != nil {
					return err
				}
				e.Events.Append(volumeEvent("create", v.Name))
				fmt.Println(v.Name)
				return nil
			},
		}
		create.Flags().StringArrayVarP(&labels, "label", "l", nil, "set metadata for a volume")
		g.AddCommand(create)

		var quiet bool
		var tmpl string
		ls := &cobra.Command{
			Use:     "ls [OPTIONS]",
			Aliases: []string{"list"},
			Short:   "List volumes",
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				e, err := openEngine(cmd.Context(), o)
				if err != nil {
					return err
				}
				vols, err := e.Volumes.List()
				if err != nil {
					return err
				}
				f := tmpl
				if quiet {
					f = "{{.Name}}"
				} else if f == "" {
					f = "table {{.Driver}}\t{{.Name}}"
				}
				t, err := format.Parse(f)
				if err != nil {
					return err
				}
				rows := make([]any, len(vols))
				for i, v := range vols {
					rows[i] = *v
				}
				return t.Execute(os.Stdout, map[string]string{"Driver": "DRIVER", "Name": "VOLUME NAME", "Mountpoint": "MOUNTPOINT"}, rows)
			},
		}
		ls.Flags().BoolVarP(&quiet, "quiet", "q", false, "only display volume names")
		ls.Flags().StringVar(&tmpl, "format", "", "format output using a Go template")
		g.AddCommand(ls)

		g.AddCommand(&cobra.Command{
			Use:   "inspect VOLUME [VOLUME...]",
			Short: "Display detailed information on one or more volumes",
			Args:  cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				e, err := openEngine(cmd.Context(), o)
				if err != nil {
					return err
				}
				var out []*volume.Volume
				for _, n := range args {
					v, err := e.Volumes.Get(n)
					if err != nil {
						return notFound(err)
					}
					out = append(out, v)
				}
				return printJSON(out)
			},
		})

		var force bool
		rm := &cobra.Command{
			Use:     "rm [OPTIONS] VOLUME [VOLUME...]",
			Aliases: []string{"remove"},
			Short:   "Remove one or more volumes",
			Args:    cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				e, err := openEngine(cmd.Context(), o)
				if err != nil {
					return err
				}
				failed := false
				for _, n := range args {
					if err := e.Volumes.Remove(n, false); err != nil {
						if force && errorsIsNotFound(err) {
							continue
						}
						fmt.Fprintf(os.Stderr, "berth: %v\n", err)
						failed = true
						continue
					}
					e.Events.Append(volumeEvent("destroy", n))
					fmt.Println(n)
				}
				if failed {
					return &ExitError{Code: 1}
				}
				return nil
			},
		}
		rm.Flags().BoolVarP(&force, "force", "f", false, "do not report volumes that do not exist")
		g.AddCommand(rm)

		var yes bool
		prune := &cobra.Command{
			Use:   "prune [OPTIONS]",
			Short: "Remove unused volumes",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				e, err := openEngine(cmd.Context(), o)
				if err != nil {
					return err
				}
				if !yes && !confirm("WARNING! This will remove all volumes not used by at least one container.") {
					return nil
				}
				removed, bytes, err := e.Volumes.Prune()
				if len(removed) > 0 {
					fmt.Println("Deleted Volumes:")
					for _, n := range removed {
						fmt.Println(n)
						e.Events.Append(volumeEvent("destroy", n))
					}
					fmt.Println()
				}
				fmt.Printf("Total reclaimed space: %s\n", format.Size(bytes))
				return err
			},
		}
		prune.Flags().BoolVarP(&yes, "force", "f", false, "do not prompt for confirmation")
		g.AddCommand(prune)
	})
}

func printJSON(v any) error { return printJSONTo(os.Stdout, v) }

func printJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	return enc.Encode(v)
}

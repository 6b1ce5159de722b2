package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/cli/format"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		group(root, "container", "Manage containers").AddCommand(containerInspectCmd(opts))
	})
}

func containerInspectCmd(opts *Options) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Display detailed information on one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			var out []any
			for _, n := range args {
				rec, err := e.Containers.Get(n)
				if err != nil {
					return notFound(err)
				}
				out = append(out, engine.NewInspect(rec, filepath.Join(e.Root, "volumes")))
			}
			return printInspect(out, tmpl)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output using a Go template")
	return cmd
}

// printInspect prints inspected objects as a JSON array, or each through a
// --format template as docker does.
func printInspect(objs []any, tmpl string) error {
	if tmpl == "" {
		return printJSON(objs)
	}
	return format.Inspect(os.Stdout, tmpl, objs)
}

package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/atomicfile"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(exportCmd(opts))
		group(root, "container", "Manage containers").AddCommand(exportCmd(opts))
	})
}

// exportCmd writes a container's filesystem as a tar archive, to a file
// (written whole or not at all) or to stdout.
func exportCmd(opts *Options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [OPTIONS] CONTAINER",
		Short: "Export a container's filesystem as a tar archive",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if output == "" {
				if onTerminal(os.Stdout) {
					return fmt.Errorf("cowardly refusing to export to a terminal. Use the -o flag or redirect")
				}
				return notFound(e.Export(cmd.Context(), args[0], os.Stdout))
			}
			return notFound(atomicfile.WriteWith(output, 0o644, func(w io.Writer) error {
				return e.Export(cmd.Context(), args[0], w)
			}))
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to a file, instead of STDOUT")
	return cmd
}

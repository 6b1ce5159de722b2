package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/tui"
	"github.com/berth-dev/berth/tui/engineview"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(&cobra.Command{
			Use:   "ui",
			Short: "Open the workbench (what `berth` with no arguments does on a terminal)",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return openWorkbench(cmd, opts)
			},
		})
	})
}

// openWorkbench runs the interactive workbench over the engine under the root.
func openWorkbench(cmd *cobra.Command, opts *Options) error {
	e, err := openEngine(cmd.Context(), opts)
	if err != nil {
		return err
	}
	to, err := tui.LoadOptions()
	if err != nil {
		return err
	}
	return tui.Run(cmd.Context(), engineview.New(e, e.Images.(*layers.Store)), to)
}

// onTerminals reports whether standard input and output are both terminals.
func onTerminals() bool { return onTerminal(os.Stdin) && onTerminal(os.Stdout) }

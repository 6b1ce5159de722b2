package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/cli/format"
	"github.com/berth-dev/berth/engine/container"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		var yes bool
		cmd := &cobra.Command{
			Use:   "prune [OPTIONS]",
			Short: "Remove all stopped containers",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				e, err := openEngine(cmd.Context(), opts)
				if err != nil {
					return err
				}
				if !yes && !confirm("WARNING! This will remove all stopped containers.") {
					return nil
				}
				recs, err := e.Containers.List()
				if err != nil {
					return err
				}
				var removed []string
				for _, r := range recs {
					if r.State.Status != container.Exited && r.State.Status != container.Created && r.State.Status != container.Dead {
						continue
					}
					if err := e.Remove(cmd.Context(), r.ID, false, false); err != nil {
						return err
					}
					removed = append(removed, r.ID)
				}
				if len(removed) > 0 {
					fmt.Println("Deleted Containers:")
					for _, id := range removed {
						fmt.Println(id)
					}
					fmt.Println()
				}
				fmt.Printf("Total reclaimed space: %s\n", format.Size(0))
				return nil
			},
		}
		cmd.Flags().BoolVarP(&yes, "force", "f", false, "do not prompt for confirmation")
		group(root, "container", "Manage containers").AddCommand(cmd)
	})
}

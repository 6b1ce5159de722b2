package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/builder/cache"
	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/cli/format"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/layers"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(inspectCmd(opts))
		group(root, "system", "Manage berth").AddCommand(systemPruneCmd(opts), systemResetCmd(opts))
	})
}

// inspectCmd is docker's generic inspect: each name is looked up as a
// container first, then as an image.
func inspectCmd(opts *Options) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on containers or images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			store := e.Images.(*layers.Store)
			var out []any
			for _, n := range args {
				if rec, err := e.Containers.Get(n); err == nil {
					out = append(out, engine.NewInspect(rec, filepath.Join(e.Root, "volumes")))
					continue
				} else if !errors.Is(err, container.ErrNotFound) {
					return err
				}
				in, err := store.Inspect(cmd.Context(), n)
				if err != nil {
					if errors.Is(err, layers.ErrNotFound) {
						return &ExitError{Code: 1, Err: fmt.Errorf("no such object: %s", n)}
					}
					return err
				}
				out = append(out, in)
			}
			return printInspect(out, tmpl)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output using a Go template")
	return cmd
}

// systemPruneCmd removes stopped containers, dangling images (all unused
// ones with -a), unused volumes with --volumes, and the build cache.
func systemPruneCmd(opts *Options) *cobra.Command {
	var all, yes, volumes bool
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused data",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			warning := "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - all build cache"
			if all {
				warning = "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all images without at least one container associated to them\n  - all build cache"
			}
			if volumes {
				warning += "\n  - all volumes not used by at least one container"
			}
			if !yes && !confirm(warning) {
				return nil
			}
			ctx := cmd.Context()
			recs, err := e.Containers.List()
			if err != nil {
				return err
			}
			var removed []string
			for _, r := range recs {
				if r.State.Status == container.Exited || r.State.Status == container.Created || r.State.Status == container.Dead {
					if err := e.Remove(ctx, r.ID, false, false); err != nil {
						return err
					}
					removed = append(removed, r.ID)
				}
			}
			if len(removed) > 0 {
				fmt.Println("Deleted Containers:")
				for _, id := range removed {
					fmt.Println(id)
				}
				fmt.Println()
			}
			if names, err := pruneNetworks(opts); err == nil && len(names) > 0 {
				fmt.Println("Deleted Networks:")
				for _, n := range names {
					fmt.Println(n)
				}
				fmt.Println()
			}
			var total int64
			if volumes {
				names, n, err := e.Volumes.Prune()
				if err != nil {
					return err
				}
				if len(names) > 0 {
					fmt.Println("Deleted Volumes:")
					for _, v := range names {
						fmt.Println(v)
					}
					fmt.Println()
				}
				total += n
			}
			lines, n, err := e.Images.(*layers.Store).Prune(ctx, all)
			if err != nil {
				return err
			}
			if len(lines) > 0 {
				fmt.Println("Deleted Images:")
				for _, l := range lines {
					fmt.Println(l)
				}
				fmt.Println()
			}
			total += n
			total += collectSnapshots(ctx, opts)
			if c, err := cache.Open(filepath.Join(opts.Root, "build-cache")); err == nil {
				if n, err := c.Prune(); err == nil {
					total += n
				}
				c.Close()
			}
			fmt.Printf("Total reclaimed space: %s\n", format.Size(total))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove all unused images not just dangling ones")
	cmd.Flags().BoolVarP(&yes, "force", "f", false, "do not prompt for confirmation")
	cmd.Flags().BoolVar(&volumes, "volumes", false, "prune anonymous volumes")
	return cmd
}

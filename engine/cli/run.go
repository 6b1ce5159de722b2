package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/launch"
)

func init() {
	registerAlone("run", func(root *cobra.Command, opts *Options) {
		root.AddCommand(runCmd(opts))
		for _, c := range root.Commands() {
			if c.Name() == "container" {
				c.AddCommand(runCmd(opts))
			}
		}
	})
}

func runCmd(opts *Options) *cobra.Command {
	var f runFlags
	var detach bool
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create and run a new container from an image",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options(cmd.Flags(), args[1:])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			e, err := openEngine(ctx, opts)
			if err != nil {
				return err
			}
			// The supervisor, a whole berth process to start, starts
			// while the container is made rather than after: launched
			// as this process started, or now.
			l := launch.Early(opts.Root)
			if l == nil {
				l, _ = launch.Start(opts.Root, launch.NewID())
			}
			if l != nil {
				defer l.Abort()
				o.ID = l.ID
				spawn := e.Supervise
				e.Supervise = func(ctx context.Context, id string, waitAttach bool) error {
					if id == l.ID && !l.Used() {
						return engine.GoSupervisor(l, waitAttach)
					}
					return spawn(ctx, id, waitAttach)
				}
			}
			rec, err := e.Create(ctx, args[0], o)
			if err != nil {
				return createError(err)
			}
			if detach {
				if err := e.Start(ctx, rec.ID, false); err != nil {
					return startError(err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), rec.ID)
				return nil
			}
			code, err := startAttachedTTY(ctx, e, rec.ID, o.OpenStdin, o.Tty)
			if err != nil {
				return startError(err)
			}
			return exitWith(code)
		},
	}
	cmd.Flags().Bool("help", false, "help for run") // -h is --hostname, as in docker
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run the container in the background and print its ID")
	f.add(cmd.Flags())
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// startError keeps docker's exit code for a container that could not start:
// 126 or 127 for its command, 125 for anything else.
func startError(err error) error {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return &ExitError{Code: ec.ExitCode(), Err: err}
	}
	return &ExitError{Code: 125, Err: err}
}

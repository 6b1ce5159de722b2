package cli

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		ctr := group(root, "container", "Manage containers")
		for _, mk := range []func(*Options) *cobra.Command{startCmd, stopCmd, restartCmd, killCmd, rmCmd, waitCmd, renameCmd} {
			root.AddCommand(mk(opts))
			ctr.AddCommand(mk(opts))
		}
	})
}

// eachContainer runs fn on every named container, printing each name that
// succeeded and each error, as docker does; any error makes the exit code 1.
func eachContainer(ctx context.Context, opts *Options, names []string, echo bool, fn func(*engine.Engine, string) error) error {
	e, err := openEngine(ctx, opts)
	if err != nil {
		return err
	}
	// The containers are handled at once, as docker's client does; their
	// results are printed in the order they were named.
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	limit := make(chan struct{}, 16)
	for i, n := range names {
		wg.Add(1)
		limit <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-limit }()
			errs[i] = fn(e, n)
		}()
	}
	wg.Wait()
	failed := false
	for i, n := range names {
		if errs[i] != nil {
			fmt.Fprintf(os.Stderr, "berth: %v\n", errs[i])
			failed = true
			continue
		}
		if echo {
			fmt.Println(n)
		}
	}
	if failed {
		return &ExitError{Code: 1}
	}
	return nil
}

func startCmd(opts *Options) *cobra.Command {
	var attachOut bool
	cmd := &cobra.Command{
		Use:   "start [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Start one or more stopped containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if attachOut {
				if len(args) != 1 {
					return fmt.Errorf("you cannot start and attach multiple containers at once")
				}
				e, err := openEngine(cmd.Context(), opts)
				if err != nil {
					return err
				}
				code, err := startAttached(cmd.Context(), e, args[0], false)
				if err != nil {
					return notFound(err)
				}
				return exitWith(code)
			}
			return eachContainer(cmd.Context(), opts, args, true, func(e *engine.Engine, n string) error {
				return e.Start(cmd.Context(), n, false)
			})
		},
	}
	cmd.Flags().BoolVarP(&attachOut, "attach", "a", false, "attach stdout/stderr and forward signals")
	return cmd
}

func stopCmd(opts *Options) *cobra.Command {
	var timeout int
	var signal string
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Stop one or more running containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if signal != "" {
				if _, err := engine.ParseSignal(signal); err != nil {
					return err
				}
			}
			t := timeoutFlag(cmd, timeout)
			return eachContainer(cmd.Context(), opts, args, true, func(e *engine.Engine, n string) error {
				return e.StopWith(cmd.Context(), n, t, signal)
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container")
	cmd.Flags().StringVarP(&signal, "signal", "s", "", "signal to send instead of the container's stop signal")
	return cmd
}

func restartCmd(opts *Options) *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "restart [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t := timeoutFlag(cmd, timeout)
			return eachContainer(cmd.Context(), opts, args, true, func(e *engine.Engine, n string) error {
				if err := e.Stop(cmd.Context(), n, t); err != nil {
					return err
				}
				return e.Start(cmd.Context(), n, false)
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container")
	return cmd
}

func killCmd(opts *Options) *cobra.Command {
	var signal string
	cmd := &cobra.Command{
		Use:   "kill [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Kill one or more running containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd.Context(), opts, args, true, func(e *engine.Engine, n string) error {
				return e.Kill(cmd.Context(), n, signal)
			})
		},
	}
	cmd.Flags().StringVarP(&signal, "signal", "s", "KILL", "signal to send to the container")
	return cmd
}

func rmCmd(opts *Options) *cobra.Command {
	var force, volumes bool
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] CONTAINER [CONTAINER...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more containers",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd.Context(), opts, args, true, func(e *engine.Engine, n string) error {
				return e.Remove(cmd.Context(), n, force, volumes)
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "force the removal of a running container (uses SIGKILL)")
	cmd.Flags().BoolVarP(&volumes, "volumes", "v", false, "remove anonymous volumes associated with the container")
	return cmd
}

func waitCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "wait CONTAINER [CONTAINER...]",
		Short: "Block until one or more containers stop, then print their exit codes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd.Context(), opts, args, false, func(e *engine.Engine, n string) error {
				code, err := e.Wait(cmd.Context(), n)
				if err != nil {
					return err
				}
				fmt.Println(code)
				return nil
			})
		},
	}
}

func renameCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "rename CONTAINER NEW_NAME",
		Short: "Rename a container",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if err := e.Containers.Rename(args[0], args[1]); err != nil {
				return notFound(err)
			}
			e.Events.Append(renameEvent(args[0], args[1]))
			return nil
		},
	}
}

// timeoutFlag is --time when given, nil (the container's own stop timeout)
// otherwise.
func timeoutFlag(cmd *cobra.Command, timeout int) *int {
	if cmd.Flags().Changed("time") {
		return &timeout
	}
	return nil
}

// exitWith makes the process exit with a container's exit code.
func exitWith(code int) error {
	if code == 0 {
		return nil
	}
	return &ExitError{Code: code}
}

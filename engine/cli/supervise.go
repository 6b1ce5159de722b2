package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/launch"
	"github.com/berth-dev/berth/engine/logs"
	"github.com/berth-dev/berth/engine/runner"
	"github.com/berth-dev/berth/engine/runner/seccomp"
	"github.com/berth-dev/berth/engine/supervisor"
)

// The hidden `supervise` verb: a container's supervisor, which
// engine.SpawnSupervisor starts in a session of its own.
func init() { registerAlone(engine.SuperviseVerb, addSupervise) }

func addSupervise(root *cobra.Command, opts *Options) {
	var readyFd, goFd int
	var waitAttach bool
	cmd := &cobra.Command{
		Use:    engine.SuperviseVerb + " ID",
		Short:  "Supervise a container (started by berth itself)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ready := func(error) {}
			if readyFd > 0 {
				f := os.NewFile(uintptr(readyFd), "ready")
				ready = func(err error) {
					fmt.Fprintln(f, engine.ReadyLine(err))
					f.Close()
				}
			}
			// The supervisor outlives the terminal that started it.
			signal.Ignore(unix.SIGHUP, unix.SIGPIPE)
			ctx := context.WithoutCancel(cmd.Context())
			// Launched ahead of its container, it makes what needs no
			// record while it waits to be told to go: the container's
			// cgroup, the seccomp filter of a container with docker's
			// capabilities, the JSON codecs and, under a root made already,
			// the engine. When the launch is given up it ends quietly: the
			// cgroup goes, and nothing of the container was made.
			rt := engine.NewRuntime(opts.Root)
			rt.Precreate(args[0])
			defer rt.DropPrecreated()
			seccomp.WarmFrom(filepath.Join(opts.Root, engine.SeccompCache), runner.DefaultCaps)
			go engine.WarmCodecs()
			var e *engine.Engine
			var nw *engine.Networker
			var err error
			opened := false
			if engine.Made(opts.Root) {
				e, nw, err = openSupervising(ctx, opts)
				opened = true
			}
			if goFd > 0 {
				f := os.NewFile(uintptr(goFd), "go")
				b := make([]byte, 1)
				n, _ := f.Read(b)
				f.Close()
				if n == 0 {
					return nil
				}
				waitAttach = b[0] == launch.GoAttached
			}
			if !opened {
				e, nw, err = openSupervising(ctx, opts)
			}
			if err != nil {
				ready(err)
				return err
			}
			s := &supervisor.Supervisor{
				Store:      e.Containers,
				Journal:    e.Events,
				Runtime:    rt,
				Prepare:    &engine.Preparer{Engine: e, Files: nw.Files},
				Network:    nw,
				Rotation:   logs.DefaultRotation,
				WaitAttach: waitAttach,
				Remove: func(ctx context.Context, rec *container.Record) (func() error, error) {
					return e.RemoveStopped(ctx, rec, true)
				},
			}
			// A start that failed is reported once the run's end is
			// recorded and, for --rm, the container removed: the client's
			// next call finds it as the report says (one that ran was
			// removed before its client heard the exit code).
			var failed error
			err = s.Run(ctx, args[0], func(err error) {
				if err != nil {
					failed = err
					return
				}
				ready(nil)
			})
			if rec, gerr := e.Containers.Get(args[0]); gerr == nil && rec.Config.AutoRemove {
				_ = e.Remove(ctx, args[0], true, true)
			}
			if failed != nil {
				ready(failed)
			}
			return err
		},
	}
	cmd.Flags().IntVar(&readyFd, "ready-fd", 0, "descriptor to report the first start on")
	cmd.Flags().IntVar(&goFd, "go-fd", 0, "descriptor to wait on for a byte before starting")
	root.AddCommand(cmd)
}

// openSupervising opens the engine and the networks a supervisor works with.
func openSupervising(ctx context.Context, opts *Options) (*engine.Engine, *engine.Networker, error) {
	e, err := engine.Open(opts.Root)
	if err != nil {
		return nil, nil, err
	}
	if err := wireEngine(ctx, e, opts); err != nil {
		return nil, nil, err
	}
	nw, err := engine.NewNetworker(opts.Root, e.Containers)
	if err != nil {
		return nil, nil, err
	}
	return e, nw, nil
}

package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/opts"
	"github.com/berth-dev/berth/engine/runner"
)

func init() {
	register(func(root *cobra.Command, o *Options) {
		root.AddCommand(execCmd(o))
		for _, c := range root.Commands() {
			if c.Name() == "container" {
				c.AddCommand(execCmd(o))
			}
		}
	})
}

func execCmd(o *Options) *cobra.Command {
	var env []string
	var workdir, user string
	var interactive, tty, detach bool
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
		Short: "Execute a command in a running container",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			envs, err := opts.ParseEnv(env)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			e, err := openEngine(ctx, o)
			if err != nil {
				return err
			}
			stdio := runner.Stdio{Stdout: os.Stdout, Stderr: os.Stderr}
			if interactive && !detach {
				stdio.Stdin = os.Stdin
			}
			if detach {
				stdio = runner.Stdio{}
			}
			proc, err := e.Exec(ctx, args[0], engine.ExecOptions{Cmd: args[1:], Env: envs, WorkingDir: workdir, User: user, Tty: tty}, stdio)
			if err != nil {
				return startError(notFound(err))
			}
			if detach {
				return nil
			}
			if con := proc.Console(); con != nil {
				defer relayConsole(con)()
			}
			x, err := proc.Wait()
			if err != nil {
				return err
			}
			return exitWith(x.Code)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&env, "env", "e", nil, "set environment variables")
	f.StringVarP(&workdir, "workdir", "w", "", "working directory inside the container")
	f.StringVarP(&user, "user", "u", "", "username or UID (format: <name|uid>[:<group|gid>])")
	f.BoolVarP(&interactive, "interactive", "i", false, "keep STDIN open")
	f.BoolVarP(&tty, "tty", "t", false, "allocate a pseudo-TTY")
	f.BoolVarP(&detach, "detach", "d", false, "run the command in the background")
	f.SetInterspersed(false)
	return cmd
}

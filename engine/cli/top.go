package cli

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
)

func init() {
	register(func(root *cobra.Command, opts *Options) {
		ctr := group(root, "container", "Manage containers")
		for _, mk := range []func(*Options) *cobra.Command{topCmd, pauseCmd, unpauseCmd} {
			root.AddCommand(mk(opts))
			ctr.AddCommand(mk(opts))
		}
	})
}

// topCmd prints a container's processes in the columns of `ps -ef`, as
// `docker top` does by default, read from /proc.
func topCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "top CONTAINER",
		Short: "Display the running processes of a container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openEngine(cmd.Context(), opts)
			if err != nil {
				return err
			}
			pids, err := e.Processes(cmd.Context(), args[0])
			if err != nil {
				return notFound(err)
			}
			tw := tabwriter.NewWriter(os.Stdout, 4, 1, 1, ' ', 0)
			fmt.Fprintln(tw, "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD")
			for _, pid := range pids {
				p, err := engine.ReadProcess(pid)
				if err != nil {
					continue // exited meanwhile
				}
				c := 0
				if age := time.Since(p.Started); age > 0 {
					c = int(p.CPU * 100 / age)
				}
				cpu := p.CPU.Round(time.Second)
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t?\t%02d:%02d:%02d\t%s\n", userName(p.UID), p.PID, p.PPID, c,
					p.Started.Format("15:04"), int(cpu.Hours()), int(cpu.Minutes())%60, int(cpu.Seconds())%60, p.Cmd)
			}
			return tw.Flush()
		},
	}
}

func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return strconv.Itoa(uid)
}

func pauseCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "pause CONTAINER [CONTAINER...]",
		Short: "Pause all processes within one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd.Context(), opts, args, true, func(e *engine.Engine, n string) error {
				return e.Pause(cmd.Context(), n)
			})
		},
	}
}

func unpauseCmd(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "unpause CONTAINER [CONTAINER...]",
		Short: "Unpause all processes within one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd.Context(), opts, args, true, func(e *engine.Engine, n string) error {
				return e.Unpause(cmd.Context(), n)
			})
		},
	}
}

package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/charmbracelet/x/term"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/runner"
)

// The `berth runtime` verbs: an OCI runtime command line in runc's shape,
// so that tools written for OCI runtimes can drive berth's runner.
func init() {
	register(func(root *cobra.Command, opts *Options) {
		rt := &cobra.Command{
			Use:   "runtime",
			Short: "Run OCI bundles directly, with a runc-compatible command line",
		}
		// runc's global flags, accepted so that callers written for runc work.
		rt.PersistentFlags().String("log", "", "accepted for runc compatibility")
		rt.PersistentFlags().String("log-format", "", "accepted for runc compatibility")
		rt.PersistentFlags().Bool("systemd-cgroup", false, "accepted for runc compatibility")
		for _, f := range []string{"log", "log-format", "systemd-cgroup"} {
			_ = rt.PersistentFlags().MarkHidden(f)
		}
		r := func() *runner.Runner { return runner.New(filepath.Join(opts.Root, "runtime")) }
		rt.AddCommand(runtimeCreate(r, false), runtimeCreate(r, true), runtimeStart(r), runtimeState(r),
			runtimeKill(r), runtimeDelete(r), runtimeExec(r), runtimePs(r), runtimeList(r), runtimeSpec())
		root.AddCommand(rt)
	})
}

// runtimeErr maps runner errors to exit codes: a workload that cannot start
// keeps docker's 126 and 127, anything else is 1 as in runc.
func runtimeErr(err error) error {
	var ee *runner.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Code: ee.Code, Err: err}
	}
	return &ExitError{Code: 1, Err: err}
}

// loadBundle reads BUNDLE/config.json.
func loadBundle(bundle string) (*specs.Spec, string, error) {
	abs, err := filepath.Abs(bundle)
	if err != nil {
		return nil, "", err
	}
	b, err := os.ReadFile(filepath.Join(abs, "config.json"))
	if err != nil {
		return nil, "", fmt.Errorf("bundle %s: %w", bundle, err)
	}
	var s specs.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, "", fmt.Errorf("bundle %s: config.json: %w", bundle, err)
	}
	return &s, abs, nil
}

func runtimeCreate(r func() *runner.Runner, run bool) *cobra.Command {
	var bundle, pidFile, consoleSocket string
	var detach bool
	use, short := "create [flags] ID", "Create a container from a bundle; its process waits for start"
	if run {
		use, short = "run [flags] ID", "Create and start a container from a bundle, and wait for it unless detached"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, abs, err := loadBundle(bundle)
			if err != nil {
				return runtimeErr(err)
			}
			id := args[0]
			ctx := cmd.Context()
			c, err := r().Create(ctx, id, spec, runner.CreateOptions{Bundle: abs,
				Stdio: runner.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}})
			if err != nil {
				return runtimeErr(err)
			}
			fail := func(err error) error {
				_ = c.Delete(true)
				return runtimeErr(err)
			}
			if pidFile != "" {
				if err := os.WriteFile(pidFile, []byte(strconv.Itoa(c.Pid())), 0o644); err != nil {
					return fail(err)
				}
			}
			console := c.Console()
			if console != nil && consoleSocket != "" {
				if err := sendConsole(consoleSocket, console); err != nil {
					return fail(err)
				}
				console.Close()
				console = nil
			} else if console != nil && (!run || detach) {
				return fail(fmt.Errorf("process.terminal is set: --console-socket is required"))
			}
			if !run {
				return nil
			}
			if err := c.Start(); err != nil {
				return fail(err)
			}
			if detach {
				return nil
			}
			code := waitForeground(c, console)
			_ = c.Delete(true)
			if code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&bundle, "bundle", "b", ".", "the bundle directory, holding config.json")
	f.StringVar(&pidFile, "pid-file", "", "write the init's pid to this file")
	f.StringVar(&consoleSocket, "console-socket", "", "send the terminal's controlling side to this unix socket")
	f.Bool("no-pivot", false, "accepted for runc compatibility (berth falls back by itself)")
	f.Bool("no-new-keyring", false, "accepted for runc compatibility")
	if run {
		f.BoolVarP(&detach, "detach", "d", false, "do not wait for the container")
	}
	return cmd
}

// waitForeground relays signals to the container, and its terminal to
// berth's own, until it exits; it returns the exit code.
func waitForeground(c *runner.Container, console *os.File) int {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs)
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			if sig, ok := s.(unix.Signal); ok && sig != unix.SIGCHLD && sig != unix.SIGURG && sig != unix.SIGWINCH {
				_ = c.Signal(sig)
			}
		}
	}()
	if console != nil {
		defer relayConsole(console)()
	}
	e, err := c.Wait()
	if err != nil {
		return 1
	}
	return e.Code
}

// relayConsole copies between berth's terminal and a container's, with
// berth's in raw mode; it returns the function that restores it.
func relayConsole(console *os.File) func() {
	fd := int(os.Stdin.Fd())
	var restore func()
	if term.IsTerminal(uintptr(fd)) {
		if st, err := term.MakeRaw(uintptr(fd)); err == nil {
			restore = func() { _ = term.Restore(uintptr(fd), st) }
		}
		if w, h, err := term.GetSize(uintptr(fd)); err == nil {
			_ = unix.IoctlSetWinsize(int(console.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(h), Col: uint16(w)})
		}
	}
	go func() { _, _ = io.Copy(console, os.Stdin) }()
	done := make(chan struct{})
	go func() { _, _ = io.Copy(os.Stdout, console); close(done) }()
	return func() {
		<-done
		if restore != nil {
			restore()
		}
	}
}

// sendConsole passes the terminal's fd to a listener on a unix socket, as
// runc's --console-socket does.
func sendConsole(path string, console *os.File) error {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return fmt.Errorf("--console-socket %s: %w", path, err)
	}
	defer conn.Close()
	uc := conn.(*net.UnixConn)
	_, _, err = uc.WriteMsgUnix([]byte(console.Name()), unix.UnixRights(int(console.Fd())), nil)
	if err != nil {
		return fmt.Errorf("--console-socket %s: %w", path, err)
	}
	return nil
}

func runtimeStart(r func() *runner.Runner) *cobra.Command {
	return &cobra.Command{
		Use: "start ID", Short: "Start a created container's process", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := r().Load(args[0])
			if err != nil {
				return runtimeErr(err)
			}
			if st := c.State().Status; st != runner.StatusCreated {
				return runtimeErr(fmt.Errorf("container %s is %s, not created", args[0], st))
			}
			if err := c.Start(); err != nil {
				return runtimeErr(err)
			}
			return nil
		},
	}
}

func runtimeState(r func() *runner.Runner) *cobra.Command {
	return &cobra.Command{
		Use: "state ID", Short: "Print a container's state as JSON", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := r().Load(args[0])
			if err != nil {
				return runtimeErr(err)
			}
			b, _ := json.MarshalIndent(c.State(), "", "  ")
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
}

func runtimeKill(r func() *runner.Runner) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use: "kill [--all] ID [SIGNAL]", Short: "Send a signal (default SIGTERM) to a container's init", Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sig := unix.SIGTERM
			if len(args) == 2 {
				s, err := engine.ParseSignal(args[1])
				if err != nil {
					return runtimeErr(err)
				}
				sig = s
			}
			c, err := r().Load(args[0])
			if err != nil {
				return runtimeErr(err)
			}
			if all {
				err = c.SignalAll(sig)
			} else {
				err = c.Signal(sig)
			}
			if err != nil {
				return runtimeErr(err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "send the signal to every process of the container")
	return cmd
}

func runtimeDelete(r func() *runner.Runner) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "delete [--force] ID", Short: "Remove a container's processes, cgroup and state", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := r().Load(args[0])
			if err != nil {
				if force && errors.Is(err, runner.ErrNotExist) {
					return nil
				}
				return runtimeErr(err)
			}
			if err := c.Delete(force); err != nil {
				return runtimeErr(err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "kill a running container first")
	return cmd
}

func runtimeExec(r func() *runner.Runner) *cobra.Command {
	var processFile, cwd, user, pidFile, consoleSocket string
	var env []string
	var tty, detach bool
	cmd := &cobra.Command{
		Use: "exec [flags] ID [COMMAND [ARG...]]", Short: "Run another process in a running container", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := r().Load(args[0])
			if err != nil {
				return runtimeErr(err)
			}
			var p specs.Process
			if processFile != "" {
				b, err := os.ReadFile(processFile)
				if err != nil {
					return runtimeErr(fmt.Errorf("--process: %w", err))
				}
				if err := json.Unmarshal(b, &p); err != nil {
					return runtimeErr(fmt.Errorf("--process %s: %w", processFile, err))
				}
			} else {
				if len(args) < 2 {
					return runtimeErr(fmt.Errorf("exec: give a command, or --process"))
				}
				base := c.Spec().Process
				p = *base
				p.Args, p.Terminal = args[1:], tty
				p.Env = append(append([]string(nil), base.Env...), env...)
				if cwd != "" {
					p.Cwd = cwd
				}
				if user != "" {
					u, g, _ := strings.Cut(user, ":")
					uid, err := strconv.ParseUint(u, 10, 32)
					if err != nil {
						return runtimeErr(fmt.Errorf("--user %q: want UID[:GID]", user))
					}
					p.User = specs.User{UID: uint32(uid)}
					if g != "" {
						gid, err := strconv.ParseUint(g, 10, 32)
						if err != nil {
							return runtimeErr(fmt.Errorf("--user %q: want UID[:GID]", user))
						}
						p.User.GID = uint32(gid)
					}
				}
			}
			proc, err := c.Exec(cmd.Context(), "", &p, runner.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
			if err != nil {
				return runtimeErr(err)
			}
			if pidFile != "" {
				_ = os.WriteFile(pidFile, []byte(strconv.Itoa(proc.Pid())), 0o644)
			}
			console := proc.Console()
			if console != nil && consoleSocket != "" {
				if err := sendConsole(consoleSocket, console); err != nil {
					return runtimeErr(err)
				}
				console.Close()
				console = nil
			}
			if detach {
				return nil
			}
			if console != nil {
				defer relayConsole(console)()
			}
			e, err := proc.Wait()
			if err != nil {
				return runtimeErr(err)
			}
			if e.Code != 0 {
				return &ExitError{Code: e.Code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&processFile, "process", "p", "", "a JSON file holding the process (runtime-spec process)")
	f.StringVar(&cwd, "cwd", "", "working directory in the container")
	f.StringArrayVarP(&env, "env", "e", nil, "set an environment variable")
	f.StringVarP(&user, "user", "u", "", "UID[:GID] to run as")
	f.BoolVarP(&tty, "tty", "t", false, "give the process a terminal")
	f.BoolVarP(&detach, "detach", "d", false, "do not wait for the process")
	f.StringVar(&pidFile, "pid-file", "", "write the process's pid to this file")
	f.StringVar(&consoleSocket, "console-socket", "", "send the terminal's controlling side to this unix socket")
	f.SetInterspersed(false)
	return cmd
}

func runtimePs(r func() *runner.Runner) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "ps [--format table|json] ID", Short: "List a container's processes", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := r().Load(args[0])
			if err != nil {
				return runtimeErr(err)
			}
			cg := c.Cgroup()
			if cg == nil {
				return runtimeErr(fmt.Errorf("container %s: %w", args[0], runner.ErrNotRunning))
			}
			pids, err := cg.Procs()
			if err != nil {
				return runtimeErr(err)
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if pids == nil {
					pids = []int{}
				}
				return json.NewEncoder(out).Encode(pids)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PID\tCMD")
			for _, pid := range pids {
				p, err := engine.ReadProcess(pid)
				if err != nil {
					continue
				}
				fmt.Fprintf(tw, "%d\t%s\n", pid, p.Cmd)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return cmd
}

func runtimeList(r func() *runner.Runner) *cobra.Command {
	var format string
	var quiet bool
	cmd := &cobra.Command{
		Use: "list", Aliases: []string{"ls"}, Short: "List the runtime's containers", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rr := r()
			ids, err := rr.List()
			if err != nil {
				return runtimeErr(err)
			}
			var states []runner.State
			for _, id := range ids {
				if c, err := rr.Load(id); err == nil {
					states = append(states, c.State())
				}
			}
			out := cmd.OutOrStdout()
			switch {
			case quiet:
				for _, s := range states {
					fmt.Fprintln(out, s.ID)
				}
				return nil
			case format == "json":
				if states == nil {
					states = []runner.State{}
				}
				return json.NewEncoder(out).Encode(states)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPID\tSTATUS\tBUNDLE\tCREATED")
			for _, s := range states {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format("2006-01-02T15:04:05Z"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print IDs only")
	return cmd
}

func runtimeSpec() *cobra.Command {
	var bundle string
	cmd := &cobra.Command{
		Use: "spec", Short: "Write a default config.json (docker's defaults) into the bundle", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := filepath.Join(bundle, "config.json")
			if _, err := os.Stat(path); err == nil {
				return runtimeErr(fmt.Errorf("%s already exists", path))
			}
			s := runner.DefaultSpec()
			s.Process.Terminal = true
			b, err := json.MarshalIndent(s, "", "\t")
			if err != nil {
				return runtimeErr(err)
			}
			if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
				return runtimeErr(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&bundle, "bundle", "b", ".", "the bundle directory")
	return cmd
}

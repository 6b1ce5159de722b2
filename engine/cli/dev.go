package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/builder"
	"github.com/berth-dev/berth/builder/progress"
	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/devloop"
	"github.com/berth-dev/berth/engine/logs"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/layers"
)

// devFlags are `berth dev`'s own flags; the run flags come beside them.
type devFlags struct {
	build     buildFlags
	compose   string
	service   string
	syncs     []string
	debounce  time.Duration
	readyPath string
	keep      bool
	noLogs    bool
	poll      bool
}

func init() {
	register(func(root *cobra.Command, opts *Options) {
		root.AddCommand(devCmd(opts))
	})
}

func devCmd(opts *Options) *cobra.Command {
	var rf runFlags
	var df devFlags
	cmd := &cobra.Command{
		Use:   "dev [OPTIONS] [CONTEXT] [COMMAND] [ARG...]",
		Short: "Build, run and keep a container up to date as its sources change",
		Long: `dev builds the image of CONTEXT (default .), runs it, then watches CONTEXT.
On a change it does what the rules say: sync the files into the running
container, rebuild and replace it (the new one ready before the old one
goes), restart it, or run a command in it. Rules come from the develop.watch
section of a compose file (compose.yaml in CONTEXT, or --compose) or from
--sync flags; without rules, a change rebuilds. Every reload is timed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			contextDir := "."
			if len(args) > 0 {
				contextDir, args = args[0], args[1:]
			}
			o, err := rf.options(cmd.Flags(), args)
			if err != nil {
				return err
			}
			return runDev(cmd, opts, &df, contextDir, o)
		},
	}
	cmd.Flags().Bool("help", false, "help for dev") // -h is --hostname, as in docker
	fl := cmd.Flags()
	rf.add(fl)
	fl.StringVarP(&df.build.file, "file", "f", "", "the Dockerfile (default CONTEXT/Dockerfile)")
	fl.StringArrayVar(&df.build.buildArgs, "build-arg", nil, "set a build arg (KEY=VALUE)")
	fl.StringVar(&df.build.target, "target", "", "build this stage")
	fl.BoolVar(&df.build.noCache, "no-cache", false, "build every step again the first time")
	fl.StringVar(&df.compose, "compose", "", "compose file with develop.watch rules (default CONTEXT/compose.yaml if present)")
	fl.StringVar(&df.service, "service", "", "the compose service to take rules from")
	fl.StringArrayVar(&df.syncs, "sync", nil, "sync rule PATH:TARGET (a path in CONTEXT to a directory in the container)")
	fl.DurationVar(&df.debounce, "debounce", devloop.DefaultDebounce, "quiet time that ends a burst of changes")
	fl.StringVar(&df.readyPath, "ready-path", "", "HTTP path that answers once the application is ready (default: a TCP connect)")
	fl.BoolVar(&df.keep, "keep", false, "leave the container running when dev ends")
	fl.BoolVar(&df.noLogs, "no-logs", false, "do not show the container's output")
	fl.BoolVar(&df.poll, "poll", false, "scan for changes instead of using inotify (network file systems)")
	return cmd
}

var composeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

func runDev(cmd *cobra.Command, opts *Options, df *devFlags, contextDir string, run engine.RunOptions) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()

	contextDir, err := filepath.Abs(contextDir)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(contextDir); err != nil || !fi.IsDir() {
		return fmt.Errorf("context %s: not a directory", contextDir)
	}
	rules, err := devRules(ctx, df, contextDir, &run)
	if err != nil {
		return err
	}
	if err := devloop.Check(contextDir, rules); err != nil {
		return err
	}

	e, err := openEngine(ctx, opts)
	if err != nil {
		return err
	}
	store, err := layers.Open(opts.Root)
	if err != nil {
		return fmt.Errorf("opening the image store: %w", err)
	}
	if run.Name == "" {
		run.Name = devName(contextDir)
	}
	df.build.tags = []string{run.Name + ":dev"}
	bo, err := df.build.options(opts, contextDir, nil)
	if err != nil {
		return err
	}
	bo.Source, bo.Sink = store, store
	var mu sync.Mutex // one build at a time
	builds := 0
	build := func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		o := bo
		o.NoCache = bo.NoCache && builds == 0
		builds++
		var log bytes.Buffer
		events := make(chan progress.Event, 64)
		o.Events = events
		done := make(chan struct{})
		first := builds == 1
		go func() {
			defer close(done)
			devProgress(errOut, &log, events, first)
		}()
		res, err := builder.Build(ctx, o)
		close(events)
		<-done
		if err != nil {
			if t := tailLines(log.String(), 10); t != "" && !errors.Is(err, context.Canceled) {
				return "", fmt.Errorf("build failed: %w\n%s", err, t)
			}
			return "", fmt.Errorf("build failed: %w", err)
		}
		imageEvent(opts, "build", res.ID.String(), strings.Join(o.Tags, ","))
		return res.ID.String(), nil
	}

	svc := &devloop.Service{Engine: e, Build: build, Run: run, ReadyPath: df.readyPath, StopTimeout: 2}
	start := time.Now()
	if err := svc.Up(ctx); err != nil {
		if ctx.Err() != nil {
			svc.Down(context.WithoutCancel(ctx))
			return &ExitError{Code: 130, Err: errors.New("dev interrupted")}
		}
		return &ExitError{Code: 1, Err: err}
	}
	defer func() {
		if df.keep {
			fmt.Fprintf(errOut, "leaving %s running\n", run.Name)
			return
		}
		if err := svc.Down(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintf(errOut, "removing %s: %v\n", run.Name, err)
		}
	}()
	port, _ := svc.HostPort()
	where := ""
	if port != 0 {
		where = fmt.Sprintf(" on http://127.0.0.1:%d", port)
	}
	fmt.Fprintf(out, "%s up%s in %s\n", run.Name, where, time.Since(start).Round(time.Millisecond))

	w, err := devloop.Watch(ctx, contextDir, devloop.Options{Debounce: df.debounce, Poll: df.poll})
	if err != nil {
		return err
	}
	how := ""
	if w.Polling {
		how = " (polling)"
	}
	fmt.Fprintf(out, "watching %s%s: %s\n", contextDir, how, describeRules(contextDir, rules))

	var logsMu sync.Mutex
	var stopLogs context.CancelFunc = func() {}
	follow := func(id string) {
		if df.noLogs {
			return
		}
		logsMu.Lock()
		defer logsMu.Unlock()
		stopLogs()
		var lctx context.Context
		lctx, stopLogs = context.WithCancel(ctx)
		go followDevLogs(lctx, e, id, out, errOut)
	}
	follow(svc.Container())
	defer func() { stopLogs() }()

	current := svc.Container()
	err = devloop.Run(ctx, w, rules, svc, func(r devloop.Reload) {
		if r.Err != nil {
			fmt.Fprintf(errOut, "%s\n", r)
			return
		}
		fmt.Fprintf(out, "%s\n", r)
		if id := svc.Container(); id != current {
			current = id
			follow(id)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(errOut)
	return nil
}

// devRules gathers the watch rules: --sync flags, or else the develop
// section of the compose file, whose ports and environment also apply when
// the flags give none.
func devRules(ctx context.Context, df *devFlags, contextDir string, run *engine.RunOptions) ([]devloop.Rule, error) {
	var rules []devloop.Rule
	for _, s := range df.syncs {
		r, err := devloop.ParseSyncFlag(s)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	file := df.compose
	if file == "" && len(rules) == 0 {
		for _, n := range composeNames {
			if _, err := os.Stat(filepath.Join(contextDir, n)); err == nil {
				file = filepath.Join(contextDir, n)
				break
			}
		}
	}
	if file == "" {
		return rules, nil
	}
	cs, err := devloop.LoadCompose(ctx, file, df.service)
	if err != nil {
		return nil, err
	}
	for i := range cs.Rules {
		if !filepath.IsAbs(cs.Rules[i].Path) {
			cs.Rules[i].Path = filepath.Join(filepath.Dir(file), cs.Rules[i].Path)
		}
	}
	rules = append(rules, cs.Rules...)
	if len(run.Ports) == 0 {
		run.Ports = cs.Ports
	}
	run.Env = append(cs.Env, run.Env...)
	run.Init = run.Init || cs.Init
	if run.Name == "" {
		run.Name = cs.Name
	}
	if df.build.file == "" && cs.Dockerfile != "" && cs.Context != "" {
		df.build.file = filepath.Join(cs.Context, cs.Dockerfile)
	}
	return rules, nil
}

func describeRules(contextDir string, rules []devloop.Rule) string {
	if len(rules) == 0 {
		return "any change rebuilds"
	}
	var parts []string
	for _, r := range rules {
		rel, _ := filepath.Rel(contextDir, r.Path)
		s := fmt.Sprintf("%s %s", r.Action, rel)
		if r.Target != "" {
			s += " -> " + r.Target
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

var nameUnsafe = regexp.MustCompile(`[^a-z0-9_.-]+`)

// devName names the container and image after the context's directory.
func devName(dir string) string {
	n := strings.Trim(nameUnsafe.ReplaceAllString(strings.ToLower(filepath.Base(dir)), "-"), "-._")
	if n == "" {
		n = "app"
	}
	return n + "-dev"
}

// devProgress prints the first build as it goes and later ones as a line
// per step that was not cached, keeping everything in log for a failure.
func devProgress(w io.Writer, log *bytes.Buffer, events <-chan progress.Event, first bool) {
	for ev := range events {
		switch ev.Kind {
		case progress.StepStarted:
			fmt.Fprintf(log, "#%d %s\n", ev.Step, ev.Instruction)
			if first {
				fmt.Fprintf(w, "build %d/%d %s\n", ev.Step, ev.Total, ev.Instruction)
			}
		case progress.CacheMiss:
			fmt.Fprintf(log, "#%d cache miss: %s\n", ev.Step, ev.Reason)
			if !first {
				fmt.Fprintf(w, "  build %d/%d %s: %s\n", ev.Step, ev.Total, ev.Instruction, ev.Reason)
			}
		case progress.Output:
			fmt.Fprintf(log, "#%d %s\n", ev.Step, strings.TrimRight(ev.Text, "\n"))
		case progress.StepFailed:
			fmt.Fprintf(log, "#%d ERROR: %v\n", ev.Step, ev.Err)
		case progress.Warning:
			fmt.Fprintf(w, "WARNING: %s\n", ev.Text)
		}
	}
}

// followDevLogs shows a container's output, prefixed with its name, until
// ctx ends or the container stops.
func followDevLogs(ctx context.Context, e *engine.Engine, id string, out, errOut io.Writer) {
	rec, err := e.Containers.Get(id)
	if err != nil {
		return
	}
	path := filepath.Join(e.Containers.Dir(rec.ID), supervisor.LogFile)
	logs.Read(ctx, path, logs.ReadOptions{Tail: -1, Follow: true}, func(en logs.Entry) error {
		w := out
		if en.Stream == "stderr" {
			w = errOut
		}
		fmt.Fprintf(w, "  | %s\n", en.Line)
		return nil
	})
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

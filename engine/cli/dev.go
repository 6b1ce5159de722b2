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
	"github.com/berth-dev/berth/tui"
	"github.com/berth-dev/berth/tui/data"
	"github.com/berth-dev/berth/tui/engineview"
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
	ui        bool
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
	fl.BoolVar(&df.ui, "ui", false, "open the workbench on the Dev pane while the loop runs")
	fl.BoolVar(&df.poll, "poll", false, "scan for changes instead of using inotify (network file systems)")
	return cmd
}

var composeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

func runDev(cmd *cobra.Command, opts *Options, df *devFlags, contextDir string, run engine.RunOptions) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

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
	if df.ui && !onTerminals() {
		return fmt.Errorf("--ui needs a terminal")
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

	s := &devSession{e: e, opts: opts, df: df, dir: contextDir, rules: rules, build: bo}
	if !df.ui {
		s.rep = &textReporter{out: cmd.OutOrStdout(), err: cmd.ErrOrStderr()}
		s.svc = s.service(run)
		return s.run(ctx)
	}
	// The workbench opens at once, on the Dev pane, and the loop (the first
	// build included) reports to it.
	ch := make(chan data.DevEvent, 4096)
	s.rep = &uiReporter{ch: ch}
	s.svc = s.service(run)
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- s.run(lctx)
		close(ch)
	}()
	to, err := tui.LoadOptions()
	if err != nil {
		cancel()
		<-done
		return err
	}
	to.Dev = ch
	uerr := tui.Run(ctx, engineview.New(e, store), to)
	cancel()
	if err := <-done; err != nil && uerr == nil {
		uerr = err
	}
	return uerr
}

// devSession is one `berth dev`: the service it keeps running, the rules it
// follows and where it reports.
type devSession struct {
	e     *engine.Engine
	opts  *Options
	df    *devFlags
	dir   string
	rules []devloop.Rule
	build builder.Options
	svc   *devloop.Service
	rep   devReporter

	mu     sync.Mutex // one build at a time
	builds int
}

func (s *devSession) service(run engine.RunOptions) *devloop.Service {
	return &devloop.Service{Engine: s.e, Build: s.buildImage, Run: run, ReadyPath: s.df.readyPath,
		StopTimeout: 2, Warn: s.rep.warn, Discard: s.discardImage}
}

// discardImage removes an image a rebuild replaced, if nothing else names
// or uses it, and the layers only it needed.
func (s *devSession) discardImage(ctx context.Context, id string) {
	store, err := layers.Open(s.opts.Root)
	if err != nil {
		return
	}
	sums, err := store.List(ctx)
	if err != nil {
		return
	}
	for _, sum := range sums {
		// Only a dangling image goes: one someone named stays.
		if sum.ID.String() == id && len(sum.Names) == 0 {
			if _, err := store.Remove(ctx, id, false); err == nil {
				collectSnapshots(ctx, s.opts)
			}
			return
		}
	}
}

// buildImage builds the service's image; the first build shows every step,
// later ones the steps that missed the cache and why.
func (s *devSession) buildImage(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.build
	o.NoCache = s.build.NoCache && s.builds == 0
	s.builds++
	first := s.builds == 1
	var log bytes.Buffer
	events := make(chan progress.Event, 64)
	o.Events = events
	done := make(chan struct{})
	go func() {
		defer close(done)
		devProgress(s.rep, &log, events, first)
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
	imageEvent(s.opts, "build", res.ID.String(), strings.Join(o.Tags, ","))
	return res.ID.String(), nil
}

// run brings the service up, watches and reloads until ctx ends, then
// removes the container unless --keep.
func (s *devSession) run(ctx context.Context) error {
	svc, name := s.svc, s.svc.Run.Name
	start := time.Now()
	if err := svc.Up(ctx); err != nil {
		if ctx.Err() != nil {
			svc.Down(context.WithoutCancel(ctx))
			return &ExitError{Code: 130, Err: errors.New("dev interrupted")}
		}
		s.rep.warn(err)
		return &ExitError{Code: 1, Err: err}
	}
	defer func() {
		if s.df.keep {
			s.rep.note(fmt.Sprintf("leaving %s running", name))
			return
		}
		if err := svc.Down(context.WithoutCancel(ctx)); err != nil {
			s.rep.warn(fmt.Errorf("removing %s: %w", name, err))
		}
	}()
	where := ""
	if port, _ := svc.HostPort(); port != 0 {
		where = fmt.Sprintf(" on http://127.0.0.1:%d", port)
	}
	up := fmt.Sprintf("%s up%s in %s", name, where, time.Since(start).Round(time.Millisecond))

	w, err := devloop.Watch(ctx, s.dir, devloop.Options{Debounce: s.df.debounce, Poll: s.df.poll})
	if err != nil {
		return err
	}
	how := ""
	if w.Polling {
		how = " (polling)"
	}
	s.rep.up(up, fmt.Sprintf("watching %s%s: %s", s.dir, how, describeRules(s.dir, s.rules)))

	var logsMu sync.Mutex
	stopLogs := context.CancelFunc(func() {})
	follow := func(id string) {
		if s.df.noLogs {
			return
		}
		logsMu.Lock()
		defer logsMu.Unlock()
		stopLogs()
		var lctx context.Context
		lctx, stopLogs = context.WithCancel(ctx)
		go followDevLogs(lctx, s.e, id, s.rep)
	}
	follow(svc.Container())
	defer func() { stopLogs() }()

	current := svc.Container()
	err = devloop.Run(ctx, w, s.rules, svc, func(r devloop.Reload) {
		s.rep.reload(r)
		if id := svc.Container(); id != current {
			current = id
			follow(id)
		}
	})
	if err != nil {
		return err
	}
	s.rep.note("")
	return nil
}

// devReporter is where a dev session reports: the terminal's lines, or the
// workbench's Dev pane.
type devReporter interface {
	build(line string)
	up(up, watching string)
	reload(r devloop.Reload)
	log(stream, line string)
	warn(err error)
	note(text string)
}

type textReporter struct{ out, err io.Writer }

func (t *textReporter) build(line string) { fmt.Fprintln(t.err, line) }
func (t *textReporter) up(up, watching string) {
	fmt.Fprintf(t.out, "%s\n%s\n", up, watching)
}
func (t *textReporter) reload(r devloop.Reload) {
	if r.Err != nil {
		fmt.Fprintln(t.err, r)
		return
	}
	fmt.Fprintln(t.out, r)
}
func (t *textReporter) log(stream, line string) {
	w := t.out
	if stream == "stderr" {
		w = t.err
	}
	fmt.Fprintf(w, "  | %s\n", line)
}
func (t *textReporter) warn(err error)   { fmt.Fprintln(t.err, err) }
func (t *textReporter) note(text string) { fmt.Fprintln(t.err, text) }

// uiReporter sends reports to the workbench. Output lines are dropped when
// the workbench falls behind; reloads never are.
type uiReporter struct{ ch chan<- data.DevEvent }

func (u *uiReporter) send(ev data.DevEvent, mayDrop bool) {
	ev.Time = time.Now()
	if !mayDrop {
		u.ch <- ev
		return
	}
	select {
	case u.ch <- ev:
	default:
	}
}
func (u *uiReporter) build(line string) {
	u.send(data.DevEvent{Kind: data.DevBuild, Text: strings.TrimSpace(line)}, true)
}
func (u *uiReporter) up(up, watching string) {
	u.send(data.DevEvent{Kind: data.DevUp, Text: up + " · " + watching}, false)
}
func (u *uiReporter) reload(r devloop.Reload) {
	ev := data.DevEvent{Kind: data.DevReload, N: r.N, Action: r.Action, Paths: r.Paths, Total: r.Total}
	for _, st := range r.Stages {
		ev.Stages = append(ev.Stages, data.DevStage{Name: st.Name, Duration: st.Duration})
	}
	if r.Err != nil {
		ev.Kind, ev.Text = data.DevFailed, r.Err.Error()
	}
	u.send(ev, false)
}
func (u *uiReporter) log(stream, line string) {
	u.send(data.DevEvent{Kind: data.DevLog, Text: line}, true)
}
func (u *uiReporter) warn(err error) {
	u.send(data.DevEvent{Kind: data.DevWarn, Text: err.Error()}, false)
}
func (u *uiReporter) note(text string) {
	if text != "" {
		u.send(data.DevEvent{Kind: data.DevWarn, Text: text}, true)
	}
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

// devProgress reports the first build as it goes and later ones as a line
// per step that was not cached, keeping everything in log for a failure.
func devProgress(rep devReporter, log *bytes.Buffer, events <-chan progress.Event, first bool) {
	for ev := range events {
		switch ev.Kind {
		case progress.StepStarted:
			fmt.Fprintf(log, "#%d %s\n", ev.Step, ev.Instruction)
			if first {
				rep.build(fmt.Sprintf("build %d/%d %s", ev.Step, ev.Total, ev.Instruction))
			}
		case progress.CacheMiss:
			fmt.Fprintf(log, "#%d cache miss: %s\n", ev.Step, ev.Reason)
			if !first {
				rep.build(fmt.Sprintf("  build %d/%d %s: %s", ev.Step, ev.Total, ev.Instruction, ev.Reason))
			}
		case progress.Output:
			fmt.Fprintf(log, "#%d %s\n", ev.Step, strings.TrimRight(ev.Text, "\n"))
		case progress.StepFailed:
			fmt.Fprintf(log, "#%d ERROR: %v\n", ev.Step, ev.Err)
		case progress.Warning:
			rep.build("WARNING: " + ev.Text)
		}
	}
}

// followDevLogs reports a container's output until ctx ends or the
// container stops.
func followDevLogs(ctx context.Context, e *engine.Engine, id string, rep devReporter) {
	rec, err := e.Containers.Get(id)
	if err != nil {
		return
	}
	path := filepath.Join(e.Containers.Dir(rec.ID), supervisor.LogFile)
	logs.Read(ctx, path, logs.ReadOptions{Tail: -1, Follow: true}, func(en logs.Entry) error {
		rep.log(en.Stream, en.Line)
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

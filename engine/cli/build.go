package cli

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/builder"
	"github.com/berth-dev/berth/builder/buildlog"
	"github.com/berth-dev/berth/builder/cache"
	"github.com/berth-dev/berth/builder/progress"
	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/layers"
)

type buildFlags struct {
	tags      []string
	file      string
	buildArgs []string
	target    string
	noCache   bool
	labels    []string
	iidfile   string
	progress  string
	quiet     bool
}

func init() {
	register(func(root *cobra.Command, opts *Options) {
		f := &buildFlags{}
		cmd := &cobra.Command{
			Use:   "build [OPTIONS] CONTEXT|-",
			Short: "Build an image from a Dockerfile",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runBuild(cmd, opts, f, args[0])
			},
		}
		fl := cmd.Flags()
		fl.StringArrayVarP(&f.tags, "tag", "t", nil, "name the image (name:tag)")
		fl.StringVarP(&f.file, "file", "f", "", "the Dockerfile (default CONTEXT/Dockerfile; - for stdin)")
		fl.StringArrayVar(&f.buildArgs, "build-arg", nil, "set a build arg (KEY=VALUE, or KEY to take it from the environment)")
		fl.StringVar(&f.target, "target", "", "build this stage and the stages it needs")
		fl.BoolVar(&f.noCache, "no-cache", false, "build every step again")
		fl.StringArrayVar(&f.labels, "label", nil, "add a label to the image (KEY=VALUE)")
		fl.StringVar(&f.iidfile, "iidfile", "", "write the image ID to this file")
		fl.StringVar(&f.progress, "progress", "auto", "progress output: auto, plain or tty")
		fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only the image ID")
		root.AddCommand(cmd)

		b := group(root, "builder", "Manage the build cache")
		b.AddCommand(&cobra.Command{
			Use:   "prune",
			Short: "Remove the build cache",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := cache.Open(filepath.Join(opts.Root, "build-cache"))
				if err != nil {
					return err
				}
				freed, err := c.Prune()
				if err != nil {
					return err
				}
				freed += collectSnapshots(cmd.Context(), opts)
				fmt.Fprintf(cmd.OutOrStdout(), "Total reclaimed space: %s\n", progress.HumanSize(freed))
				return nil
			},
		})
	})
}

func runBuild(cmd *cobra.Command, opts *Options, f *buildFlags, contextArg string) error {
	switch f.progress {
	case "auto", "plain", "tty":
	default:
		return fmt.Errorf("invalid --progress %q: use auto, plain or tty", f.progress)
	}
	bo, err := f.options(opts, contextArg, cmd.InOrStdin())
	if err != nil {
		return err
	}
	store, err := layers.Open(opts.Root)
	if err != nil {
		return fmt.Errorf("opening the image store: %w", err)
	}
	bo.Source, bo.Sink = store, store

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	events := make(chan progress.Event, 64)
	bo.Events = events
	// The build is recorded for the workbench's Build pane, live.
	shown := (<-chan progress.Event)(events)
	where := contextArg
	if abs, err := filepath.Abs(contextArg); err == nil && contextArg != "-" {
		where = abs
	}
	blog, err := buildlog.Start(opts.Root, buildlog.Meta{Context: where, Dockerfile: f.file, Tags: f.tags})
	if err == nil {
		shown = blog.Tee(events)
		builderEvent(opts, "start", blog.ID(), map[string]string{"context": where, "tags": strings.Join(f.tags, ",")})
	}
	rendered := make(chan struct{})
	stderr := cmd.ErrOrStderr()
	go func() {
		defer close(rendered)
		switch {
		case f.quiet:
			for range shown {
			}
		case f.progress == "tty" || (f.progress == "auto" && isTerminal(stderr)):
			progress.Live(stderr, shown)
		default:
			progress.Plain(stderr, shown)
		}
	}()
	res, err := builder.Build(ctx, bo)
	close(events)
	<-rendered
	if blog != nil {
		imageID := ""
		if err == nil {
			imageID = res.ID.String()
		}
		blog.Finish(imageID, err)
		action := "done"
		if err != nil {
			action = "failed"
		}
		builderEvent(opts, action, blog.ID(), map[string]string{"context": where, "image": imageID})
	}
	if err != nil {
		if ctx.Err() != nil && cmd.Context().Err() == nil {
			return &ExitError{Code: 130, Err: fmt.Errorf("build interrupted")}
		}
		return &ExitError{Code: 1, Err: err}
	}
	id := res.ID.String()
	imageEvent(opts, "build", id, strings.Join(bo.Tags, ","))
	if f.iidfile != "" {
		if err := os.WriteFile(f.iidfile, []byte(id), 0o644); err != nil {
			return fmt.Errorf("writing --iidfile: %w", err)
		}
	}
	fmt.Fprintln(cmd.OutOrStdout(), id)
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// options turns the flags into the builder's options, the store not yet set.
func (f *buildFlags) options(opts *Options, contextArg string, stdin io.Reader) (builder.Options, error) {
	bo := builder.Options{
		Tags:      f.tags,
		Target:    f.target,
		NoCache:   f.noCache,
		CacheDir:  filepath.Join(opts.Root, "build-cache"),
		Runner:    engine.NewStepRunner(opts.Root),
		BuildArgs: map[string]string{},
		Labels:    map[string]string{},
	}
	if ss, err := engine.NewSnapshotStore(opts.Root); err == nil {
		bo.Snapshots, bo.SnapshotLocks = ss.SN, ss.LockDir
	}
	for _, a := range f.buildArgs {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			if v, ok = os.LookupEnv(k); !ok {
				continue // docker skips a KEY-only build arg the environment lacks
			}
		}
		bo.BuildArgs[k] = v
	}
	for _, l := range f.labels {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return bo, fmt.Errorf("invalid --label %q: want KEY=VALUE", l)
		}
		bo.Labels[k] = v
	}
	switch {
	case contextArg == "-":
		if f.file != "" && f.file != "-" {
			return bo, fmt.Errorf("with the Dockerfile on stdin (CONTEXT -), -f cannot name a file")
		}
		data, err := io.ReadAll(stdin)
		if err != nil {
			return bo, fmt.Errorf("reading the Dockerfile from stdin: %w", err)
		}
		bo.DockerfileData = data
	default:
		bo.ContextDir = contextArg
		switch f.file {
		case "":
		case "-":
			data, err := io.ReadAll(stdin)
			if err != nil {
				return bo, fmt.Errorf("reading the Dockerfile from stdin: %w", err)
			}
			bo.DockerfileData = data
		default:
			bo.Dockerfile = f.file
		}
	}
	return bo, nil
}

package builder

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/builder/cache"
	"github.com/berth-dev/berth/builder/dockerfile"
	"github.com/berth-dev/berth/builder/progress"
)

// build is one Build call.
type build struct {
	opts   Options
	df     *dockerfile.Dockerfile
	ctxDir string
	bctx   *buildContext
	cache  *cache.Cache
	exp    dockerfile.Expander
	meta   *dockerfile.Vars // meta ARGs with values
	total  int

	stages []*stageRun

	mu       sync.Mutex
	usedArgs map[string]bool
}

// stageRun is one stage's build, which other stages may wait on.
type stageRun struct {
	st     *dockerfile.Stage
	needed bool
	first  int // step number of its FROM
	done   chan struct{}
	img    v1.Image
	key    string
	err    error
}

// Build builds the Dockerfile in opts and writes the image to opts.Sink
// under opts.Tags. Nothing is written when any step fails or ctx ends.
func Build(ctx context.Context, opts Options) (*Result, error) {
	b, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	defer b.cache.Close()
	target := b.stages[len(b.stages)-1]
	if opts.Target != "" {
		st, ok := b.df.Stage(opts.Target)
		if !ok {
			return nil, fmt.Errorf("target stage %q: %w", opts.Target, dockerfile.ErrUnknownStage)
		}
		target = b.stages[st.Index]
	}
	if err := b.markNeeded(target); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, sr := range b.stages {
		if !sr.needed {
			continue
		}
		wg.Add(1)
		go func(sr *stageRun) {
			defer wg.Done()
			defer close(sr.done)
			sr.img, sr.key, sr.err = b.runStage(ctx, sr)
			if sr.err != nil {
				cancel()
			}
		}(sr)
	}
	wg.Wait()
	if err := b.firstError(); err != nil {
		return nil, err
	}
	b.warnUnusedArgs()
	img, err := b.finish(target.img)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{Image: img}
	if res.ID, err = img.ConfigName(); err != nil {
		return nil, fmt.Errorf("hashing image config: %w", err)
	}
	if res.Digest, err = img.Digest(); err != nil {
		return nil, fmt.Errorf("hashing image manifest: %w", err)
	}
	if opts.Sink != nil {
		if _, err := opts.Sink.Write(ctx, img, opts.Tags...); err != nil {
			return nil, fmt.Errorf("writing image: %w", err)
		}
	}
	b.emit(progress.Event{Kind: progress.Done, ImageID: res.ID.String()})
	return res, nil
}

// firstError returns the failure of the earliest failed stage, preferring a
// real failure over the cancellations it caused in other stages.
func (b *build) firstError() error {
	var canceled error
	for _, sr := range b.stages {
		if sr.err == nil {
			continue
		}
		if errorsIsCanceled(sr.err) {
			if canceled == nil {
				canceled = sr.err
			}
			continue
		}
		return sr.err
	}
	return canceled
}

func prepare(opts Options) (*build, error) {
	b := &build{opts: opts, usedArgs: map[string]bool{}}
	if opts.ContextDir != "" {
		abs, err := filepath.Abs(opts.ContextDir)
		if err != nil {
			return nil, fmt.Errorf("resolving context %s: %w", opts.ContextDir, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("opening build context: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("build context %s is not a directory", opts.ContextDir)
		}
		b.ctxDir = abs
	}
	name := "Dockerfile"
	src := opts.DockerfileData
	dfPath := opts.Dockerfile
	if src == nil {
		if dfPath == "" {
			dfPath = filepath.Join(b.ctxDir, "Dockerfile")
		}
		data, err := os.ReadFile(dfPath)
		if err != nil {
			return nil, fmt.Errorf("reading Dockerfile: %w", err)
		}
		src = data
		name = filepath.Base(dfPath)
	}
	df, err := dockerfile.Parse(name, bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	b.df = df
	b.exp = dockerfile.Expander{Escape: df.Escape}
	bctx, err := openContext(b.ctxDir, dfPath)
	if err != nil {
		return nil, err
	}
	b.bctx = bctx
	if opts.CacheDir == "" {
		return nil, fmt.Errorf("building: no build cache directory given")
	}
	if b.cache, err = cache.Open(opts.CacheDir); err != nil {
		return nil, err
	}
	if err := b.evalMetaArgs(); err != nil {
		b.cache.Close()
		return nil, err
	}
	for _, st := range df.Stages {
		b.stages = append(b.stages, &stageRun{st: st, done: make(chan struct{})})
	}
	return b, nil
}

// markNeeded marks the target and every stage it depends on, numbers their
// steps, and rejects RUN without a runner before any work is done.
func (b *build) markNeeded(target *stageRun) error {
	var visit func(sr *stageRun) error
	visit = func(sr *stageRun) error {
		if sr.needed {
			return nil
		}
		sr.needed = true
		for _, dep := range b.deps(sr.st) {
			if err := visit(b.stages[dep]); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(target); err != nil {
		return err
	}
	n := 0
	for _, sr := range b.stages {
		if !sr.needed {
			continue
		}
		sr.first = n + 1
		n += 1 + len(sr.st.Instructions)
		if b.opts.Runner == nil {
			for _, in := range sr.st.Instructions {
				if in.Cmd == "run" {
					return in.Errorf(ErrNoRunner, "RUN needs the container runner, which this build has not got")
				}
			}
		}
	}
	b.total = n
	return nil
}

// deps returns the indexes of the earlier stages a stage uses: its FROM and
// every --from of COPY and RUN --mount.
func (b *build) deps(st *dockerfile.Stage) []int {
	var out []int
	add := func(ref string) {
		if i, ok := b.stageRef(ref, st.Index); ok {
			out = append(out, i)
		}
	}
	if len(st.From.Args) > 0 {
		if ref, _, err := b.exp.Word(st.From.Args[0], b.meta); err == nil {
			add(ref)
		}
	}
	for _, in := range st.Instructions {
		for _, f := range in.Flags {
			if v, ok := strings.CutPrefix(f, "--from="); ok {
				if ref, _, err := b.exp.Word(v, b.meta); err == nil {
					add(ref)
				}
			}
			if v, ok := strings.CutPrefix(f, "--mount="); ok {
				for _, field := range strings.Split(v, ",") {
					if from, ok := strings.CutPrefix(field, "from="); ok {
						add(from)
					}
				}
			}
		}
	}
	sort.Ints(out)
	return out
}

// stageRef resolves a name or index to an earlier stage than before.
func (b *build) stageRef(ref string, before int) (int, bool) {
	if st, ok := b.df.Stage(ref); ok && st.Index < before {
		return st.Index, true
	}
	if i, err := strconv.Atoi(ref); err == nil && i >= 0 && i < before {
		return i, true
	}
	return 0, false
}

// waitStage waits for a stage another one depends on.
func (b *build) waitStage(ctx context.Context, i int) (*stageRun, error) {
	sr := b.stages[i]
	select {
	case <-sr.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if sr.err != nil {
		return nil, fmt.Errorf("stage %s failed", stageName(sr.st))
	}
	return sr, nil
}

func stageName(st *dockerfile.Stage) string {
	if st.Name != "" {
		return st.Name
	}
	return strconv.Itoa(st.Index)
}

func (b *build) emit(ev progress.Event) {
	if b.opts.Events == nil {
		return
	}
	ev.Total = b.total
	ev.Time = time.Now()
	b.opts.Events <- ev
}

// stageLabel names a stage in progress events: its name, or stage-N.
func stageLabel(st *dockerfile.Stage) string {
	if st.Name != "" {
		return st.Name
	}
	return "stage-" + strconv.Itoa(st.Index)
}

package builder

import (
	"context"
	"fmt"
	"path"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth-dev/berth/builder/cache"
	"github.com/berth-dev/berth/builder/dockerfile"
	"github.com/berth-dev/berth/builder/progress"
)

// historyComment marks history entries as buildkit does, so that tools that
// read it (docker history) show them the same way.
const historyComment = "buildkit.dockerfile.v0"

// defaultPath is the PATH a stage gets when its base image sets none, as
// docker's builder gives it.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// stageState is a stage being built: its image so far and its scopes.
type stageState struct {
	b   *build
	ctx context.Context
	sr  *stageRun

	base      v1.Image
	cfg       v1.ConfigFile
	env       *dockerfile.Vars
	args      *dockerfile.Vars
	declared  map[string]bool
	shell     []string
	cmdSet    bool
	layers    []v1.Layer
	history   []v1.History
	layerType types.MediaType
	// startInterval is HEALTHCHECK --start-interval (see rawconfig.go).
	startInterval time.Duration

	key     string
	created time.Time
	step    int
	cur     *dockerfile.Instruction

	stageID string
	inputs  []cache.Inputs
	last    []cache.Inputs
	missed  int // line of the first changed step in this build, 0 while none
	// afterLayer runs once the current step's layer is written.
	afterLayer []func()
	// used are the build args the current step's words used.
	used map[string]string

	fsv        *fsView
	viewLayers int // how many of layers the view has applied
}

// runStage builds one stage and returns its image and final cache key.
func (b *build) runStage(ctx context.Context, sr *stageRun) (v1.Image, string, error) {
	s := &stageState{b: b, ctx: ctx, sr: sr, args: dockerfile.NewVars(nil), declared: map[string]bool{}, shell: []string{"/bin/sh", "-c"}}
	dfID := b.opts.Dockerfile
	if b.opts.DockerfileData != nil {
		dfID = "stdin"
	}
	s.stageID = cache.StageID(b.ctxDir, dfID, stageName(sr.st))
	s.last = b.cache.Last(s.stageID)
	s.step = sr.first
	if err := s.from(sr.st.From); err != nil {
		return nil, "", s.fail(sr.st.From, err)
	}
	for _, in := range sr.st.Instructions {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		s.step++
		if err := s.dispatch(in); err != nil {
			return nil, "", s.fail(in, err)
		}
	}
	img, err := s.image()
	if err != nil {
		return nil, "", err
	}
	if err := b.cache.SetLast(s.stageID, s.inputs); err != nil {
		return nil, "", fmt.Errorf("saving build cache: %w", err)
	}
	return img, s.key, nil
}

func (s *stageState) fail(in *dockerfile.Instruction, err error) error {
	if _, ok := err.(*dockerfile.Error); !ok && !errorsIsCanceled(err) {
		err = &dockerfile.Error{File: in.File, Line: in.Line, Text: in.Original, Msg: err.Error(), Err: err}
	}
	s.b.emit(progress.Event{Kind: progress.StepFailed, Stage: stageLabel(s.sr.st), Step: s.step, Instruction: in.Original, Line: in.Line, Err: err})
	return err
}

// vars are what words expand with: the ARGs in scope under the ENV.
func (s *stageState) vars() *dockerfile.Vars { return s.args.Overlay(s.env) }

// word expands one word of an instruction and marks the build args it used.
func (s *stageState) word(in *dockerfile.Instruction, w string) (string, error) {
	out, used, err := s.b.exp.Word(w, s.vars())
	if err != nil {
		return "", in.Errorf(dockerfile.ErrInvalid, "expanding %q: %v", w, err)
	}
	for _, u := range used {
		if _, isEnv := s.env.Get(u); !isEnv {
			s.b.useArg(u)
			if v, ok := s.args.Get(u); ok {
				if s.used == nil {
					s.used = map[string]string{}
				}
				s.used[u] = v
			}
		}
	}
	return out, nil
}

func (s *stageState) from(in *dockerfile.Instruction) error {
	s.b.emit(progress.Event{Kind: progress.StepStarted, Stage: stageLabel(s.sr.st), Step: s.step, Instruction: in.Original, Line: in.Line})
	start := time.Now()
	flags, err := in.ParseFlags(map[string]dockerfile.FlagKind{"platform": dockerfile.FlagString})
	if err != nil {
		return err
	}
	if p := flags.String("platform"); p != "" {
		v, _, err := s.b.exp.Word(p, s.b.meta)
		if err != nil {
			return in.Errorf(dockerfile.ErrInvalid, "expanding --platform: %v", err)
		}
		host := runtime.GOOS + "/" + runtime.GOARCH
		if v != host && v != runtime.GOOS+"/"+runtime.GOARCH+"/" {
			return in.Errorf(dockerfile.ErrInvalid, "platform %s is not this host's (%s); berth builds for the host only", v, host)
		}
	}
	ref, used, err := s.b.exp.Word(in.Args[0], s.b.meta)
	if err != nil {
		return in.Errorf(dockerfile.ErrInvalid, "expanding %q: %v", in.Args[0], err)
	}
	for _, u := range used {
		s.b.useArg(u)
	}
	if ref == "" {
		return in.Errorf(ErrArgRequired, "base image name %s is empty: give its ARG a default or pass --build-arg", in.Args[0])
	}
	switch i, isStage := s.b.stageRef(ref, s.sr.st.Index); {
	case strings.EqualFold(ref, "scratch"):
		s.base = empty.Image
		s.key = "scratch"
	case isStage:
		dep, err := s.b.waitStage(s.ctx, i)
		if err != nil {
			return err
		}
		s.base, s.key = dep.img, "stage:"+dep.key
	default:
		if s.b.opts.Source == nil {
			return in.Errorf(ErrSourceMissing, "no image source to find %s in", ref)
		}
		img, err := s.b.opts.Source.Image(s.ctx, ref)
		if err != nil {
			return in.Errorf(ErrSourceMissing, "base image %s: %v", ref, err)
		}
		d, err := img.Digest()
		if err != nil {
			return fmt.Errorf("reading base image %s: %w", ref, err)
		}
		s.base, s.key = img, "image:"+d.String()
	}
	cf, err := s.base.ConfigFile()
	if err != nil {
		return fmt.Errorf("reading config of %s: %w", ref, err)
	}
	s.cfg = *cf.DeepCopy()
	s.layerType = types.DockerLayer
	if mt, err := s.base.MediaType(); err == nil && mt == types.OCIManifestSchema1 {
		s.layerType = types.OCILayer
	}
	if s.cfg.OS == "" {
		s.cfg.OS, s.cfg.Architecture = runtime.GOOS, runtime.GOARCH
	}
	s.created = s.cfg.Created.Time
	s.startInterval = startIntervalOf(s.base)
	s.env = dockerfile.NewVars(s.cfg.Config.Env)
	if _, ok := s.env.Get("PATH"); !ok {
		s.env.Set("PATH", defaultPath)
	}
	if len(s.cfg.Config.Shell) > 0 {
		s.shell = append([]string(nil), s.cfg.Config.Shell...)
	}
	s.b.emit(progress.Event{Kind: progress.StepDone, Stage: stageLabel(s.sr.st), Step: s.step, Instruction: in.Original, Line: in.Line, Duration: time.Since(start)})
	return s.onbuild(ref)
}

// onbuild runs the base image's ONBUILD triggers, then drops them: they
// fire once, in the image built directly on the one that declared them.
func (s *stageState) onbuild(ref string) error {
	triggers := s.cfg.Config.OnBuild
	s.cfg.Config.OnBuild = nil
	for _, trig := range triggers {
		res, err := dockerfile.ParseAST(ref+" ONBUILD", []byte(trig))
		if err != nil {
			return err
		}
		for _, n := range res.AST.Children {
			in, err := dockerfile.FromNode(ref+" ONBUILD", n)
			if err != nil {
				return err
			}
			switch in.Cmd {
			case "onbuild", "from", "maintainer":
				return in.Errorf(dockerfile.ErrInvalid, "%s is not allowed as an ONBUILD trigger", strings.ToUpper(in.Cmd))
			}
			if err := s.dispatch(in); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *stageState) dispatch(in *dockerfile.Instruction) error {
	s.cur = in
	switch in.Cmd {
	case "env":
		return s.doEnv(in)
	case "arg":
		return s.evalArg(in)
	case "label":
		return s.doLabel(in)
	case "maintainer":
		return s.doMaintainer(in)
	case "expose":
		return s.doExpose(in)
	case "workdir":
		return s.doWorkdir(in)
	case "user":
		return s.doUser(in)
	case "volume":
		return s.doVolume(in)
	case "cmd":
		return s.doCmd(in)
	case "entrypoint":
		return s.doEntrypoint(in)
	case "shell":
		return s.doShell(in)
	case "stopsignal":
		return s.doStopSignal(in)
	case "healthcheck":
		return s.doHealthcheck(in)
	case "onbuild":
		return s.doOnbuild(in)
	case "copy":
		return s.doCopy(in, false)
	case "add":
		return s.doCopy(in, true)
	case "run":
		return s.doRun(in)
	case "from":
		return in.Errorf(dockerfile.ErrInvalid, "FROM inside a stage")
	}
	return in.Errorf(dockerfile.ErrUnknownInstruction, "unknown instruction %s", strings.ToUpper(in.Cmd))
}

// begin reports a step's start.
func (s *stageState) begin(in *dockerfile.Instruction) time.Time {
	s.b.emit(progress.Event{Kind: progress.StepStarted, Stage: stageLabel(s.sr.st), Step: s.step, Instruction: in.Original, Line: in.Line})
	return time.Now()
}

// metaStep applies a metadata instruction: it changes the config, adds an
// empty_layer history entry and moves the cache key on.
func (s *stageState) metaStep(in *dockerfile.Instruction, createdBy string, apply func() error) error {
	return s.metaStepKeyed(in, createdBy, createdBy, apply)
}

// metaStepKeyed is metaStep with a cache key instruction that differs from
// the history line (ARG: its values are inputs of the steps that use them).
func (s *stageState) metaStepKeyed(in *dockerfile.Instruction, keyText, createdBy string, apply func() error) error {
	start := s.begin(in)
	if err := in.ParseFlagsNone(); err != nil {
		return err
	}
	if err := apply(); err != nil {
		return err
	}
	inputs := cache.Inputs{Parent: s.key, Instruction: keyText, Line: in.Line}
	s.advance(inputs)
	rec, ok := s.b.cache.Lookup(s.key)
	if !ok || s.b.opts.NoCache {
		rec = &cache.Record{Key: s.key, Created: time.Now().UTC().Truncate(time.Second)}
		if err := s.b.cache.Put(rec); err != nil {
			return fmt.Errorf("saving build cache: %w", err)
		}
	}
	s.created = rec.Created
	s.history = append(s.history, v1.History{Created: v1.Time{Time: rec.Created}, CreatedBy: createdBy, Comment: historyComment, EmptyLayer: true})
	s.b.emit(progress.Event{Kind: progress.StepDone, Stage: stageLabel(s.sr.st), Step: s.step, Instruction: in.Original, Line: in.Line, Duration: time.Since(start)})
	return nil
}

// advance records a step's inputs, with the build args its words used, and
// moves the stage's key to its key.
func (s *stageState) advance(in cache.Inputs) {
	if len(s.used) > 0 && in.Args == nil {
		in.Args = s.used
	}
	s.used = nil
	s.inputs = append(s.inputs, in)
	s.key = in.Key()
}

// explain says why the step just advanced to missed the cache.
func (s *stageState) explain() string {
	if s.b.opts.NoCache {
		return "--no-cache"
	}
	if s.missed > 0 {
		return fmt.Sprintf("follows the change at line %d", s.missed)
	}
	idx := len(s.inputs) - 1
	cur := s.inputs[idx]
	defer func() {
		if s.missed == 0 {
			s.missed = cur.Line
		}
	}()
	if len(s.last) == 0 {
		return "not built before"
	}
	if s.last[0].Parent != s.inputs[0].Parent {
		s.missed = s.inputs[0].Line
		return "the base image changed"
	}
	for j := 0; j <= idx; j++ {
		if j >= len(s.last) {
			return "not built before"
		}
		why := cache.Explain(&s.last[j], &s.inputs[j])
		if why == "" {
			continue
		}
		if j == idx {
			return why
		}
		s.missed = s.inputs[j].Line
		return fmt.Sprintf("line %d changed: %s", s.inputs[j].Line, why)
	}
	return "no longer in the build cache"
}

// image assembles the stage's image: the base, the new layers, the config
// and history.
func (s *stageState) image() (v1.Image, error) {
	img, err := mutate.AppendLayers(s.base, s.layers...)
	if err != nil {
		return nil, fmt.Errorf("appending layers: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	out := s.cfg.DeepCopy()
	out.RootFS = cf.RootFS
	if out.RootFS.Type == "" {
		out.RootFS.Type = "layers"
	}
	out.History = append(append([]v1.History(nil), s.cfg.History...), s.history...)
	out.Config.Env = s.env.Env()
	out.Created = v1.Time{Time: s.created}
	out.Container, out.DockerVersion = "", ""
	img, err = mutate.ConfigFile(img, out)
	if err != nil {
		return nil, err
	}
	return withStartInterval(img, s.startInterval)
}

// finish adds the --label values to the target's image.
func (b *build) finish(img v1.Image) (v1.Image, error) {
	if len(b.opts.Labels) == 0 {
		return img, nil
	}
	start := startIntervalOf(img)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	if cf.Config.Labels == nil {
		cf.Config.Labels = map[string]string{}
	}
	for k, v := range b.opts.Labels {
		cf.Config.Labels[k] = v
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	return withStartInterval(img, start)
}

// resolvePath makes p absolute against the WORKDIR.
func (s *stageState) resolvePath(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	wd := s.cfg.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	return path.Join(wd, p)
}

// at locates an error that already wraps its sentinel at an instruction.
func at(in *dockerfile.Instruction, err error) error {
	if _, ok := err.(*dockerfile.Error); ok {
		return err
	}
	return &dockerfile.Error{File: in.File, Line: in.Line, Text: in.Original, Msg: err.Error(), Err: err}
}

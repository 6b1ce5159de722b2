package builder

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	securejoin "github.com/cyphar/filepath-securejoin"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/builder/cache"
	"github.com/berth-dev/berth/builder/dockerfile"
	"github.com/berth-dev/berth/builder/progress"
	"github.com/berth-dev/berth/layers/snapshot"
)

// lastLines is how many lines of a failed RUN's output its error shows.
const lastLines = 5

// runOp is a RUN after its flags and form are read.
type runOp struct {
	args    []string
	network string
	mounts  []Mount
	// skip are the mount points, relative to the rootfs, left out of the diff.
	skip []string
}

func (s *stageState) doRun(in *dockerfile.Instruction) error {
	if s.b.opts.Runner == nil {
		return in.Errorf(ErrNoRunner, "RUN needs the container runner, which this build has not got")
	}
	flags, err := in.ParseFlags(map[string]dockerfile.FlagKind{
		"mount": dockerfile.FlagList, "network": dockerfile.FlagString, "security": dockerfile.FlagString,
	})
	if err != nil {
		return err
	}
	op := &runOp{network: "default"}
	switch n := flags.String("network"); n {
	case "", "default":
	case "none", "host":
		op.network = n
	default:
		return in.Errorf(dockerfile.ErrInvalid, "--network=%s: use default, none or host", n)
	}
	if sec := flags.String("security"); sec != "" && sec != "sandbox" {
		return in.Errorf(dockerfile.ErrInvalid, "--security=%s is not allowed", sec)
	}
	switch {
	case in.JSON:
		op.args = append([]string{}, in.Args...)
	case len(in.Heredocs) > 0 && len(in.Args) > 0 && strings.HasPrefix(in.Args[0], "<<"):
		op.args = append(append([]string{}, s.shell...), in.Heredocs[0].Content)
	case len(in.Heredocs) > 0:
		return in.Errorf(dockerfile.ErrInvalid, "a here-document must be the whole RUN command in berth")
	default:
		op.args = s.command(in, in.Args)
	}
	if len(op.args) == 0 {
		return in.Errorf(dockerfile.ErrInvalid, "RUN needs a command")
	}
	for _, m := range flags.List("mount") {
		mnt, err := s.parseMount(in, m)
		if err != nil {
			return err
		}
		op.mounts = append(op.mounts, mnt)
		op.skip = append(op.skip, cleanRel(mnt.Target))
	}

	// The build args in scope are the step's inputs and environment, as
	// buildkit has them; proxy args reach the environment only.
	argNames := s.args.Keys()
	sort.Strings(argNames)
	used := map[string]string{}
	var shown []string
	for _, k := range argNames {
		if _, isEnv := s.env.Get(k); isEnv {
			continue
		}
		v, _ := s.args.Get(k)
		used[k] = v
		shown = append(shown, k+"="+v)
	}
	cmdText := strings.Join(op.args, " ")
	createdBy := "RUN " + cmdText
	if len(shown) > 0 {
		createdBy = fmt.Sprintf("RUN |%d %s %s", len(shown), strings.Join(shown, " "), cmdText)
	}
	spec, _ := json.Marshal(struct {
		Args    []string
		Network string
		Mounts  []Mount
	}{op.args, op.network, op.mounts})
	inputs := cache.Inputs{Parent: s.key, Line: in.Line, Instruction: "RUN " + string(spec), Args: used}
	for _, m := range op.mounts {
		if m.From == "" {
			continue
		}
		id, err := s.fromID(m.From)
		if err != nil {
			return in.Errorf(ErrSourceMissing, "--mount from=%s: %v", m.From, err)
		}
		inputs.Extra += id + " "
	}
	return s.layerStep(in, inputs, createdBy+" # buildkit", func() ([]entry, error) {
		if err := s.resolveBinds(in, op); err != nil {
			return nil, err
		}
		return s.runStep(in, op)
	})
}

// runStep unpacks the stage into a scratch rootfs, runs the command there and
// returns what it changed.
func (s *stageState) runStep(in *dockerfile.Instruction, op *runOp) ([]entry, error) {
	dir, err := os.MkdirTemp(filepath.Join(s.b.cache.Dir(), "tmp"), "rootfs-")
	if err != nil {
		return nil, fmt.Errorf("making the step's rootfs: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	baseLayers, err := s.base.Layers()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("reading base layers: %w", err)
	}
	undo, err := s.stepRootfs(dir, append(baseLayers, s.layers...))
	// The layer reads the files from dir: it goes once the layer is written.
	s.afterLayer = append(s.afterLayer, func() { undo(); os.RemoveAll(dir) })
	if err != nil {
		return nil, err
	}
	wd := s.cfg.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	for _, m := range op.mounts {
		if err := os.MkdirAll(filepath.Join(dir, cleanRel(m.Target)), 0o755); err != nil {
			return nil, fmt.Errorf("making mount point %s: %w", m.Target, err)
		}
	}
	before, err := scanTree(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the step's rootfs: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, cleanRel(wd)), 0o755); err != nil {
		return nil, fmt.Errorf("making WORKDIR %s: %w", wd, err)
	}
	env := s.env.Clone()
	for _, k := range s.args.Keys() {
		if _, isEnv := s.env.Get(k); !isEnv {
			v, _ := s.args.Get(k)
			env.Set(k, v)
		}
	}
	for k, v := range s.b.opts.BuildArgs {
		if _, declared := s.args.Get(k); proxyArgs[k] && !declared {
			env.Set(k, v)
		}
	}
	out := &lineWriter{emit: func(line string) {
		s.b.emit(progress.Event{Kind: progress.Output, Stage: stageLabel(s.sr.st), Step: s.step, Instruction: in.Original, Line: in.Line, Text: line})
	}}
	code, err := s.b.opts.Runner.Run(s.ctx, Step{
		Rootfs: dir, Args: op.args, Env: env.Env(), User: s.cfg.Config.User, Workdir: wd,
		Network: op.network, Mounts: op.mounts, Stdout: out, Stderr: out,
	})
	out.flush()
	if err != nil {
		if errorsIsCanceled(err) || s.ctx.Err() != nil {
			return nil, s.ctx.Err()
		}
		return nil, in.Errorf(ErrRunFailed, "running the step: %v", err)
	}
	if code != 0 {
		msg := fmt.Sprintf("exited with code %d", code)
		if tail := out.tail(); len(tail) > 0 {
			msg += ": " + strings.Join(tail, " | ")
		}
		return nil, in.Errorf(ErrRunFailed, "%s", msg)
	}
	return diffTree(dir, before, op.skip)
}

// stepRootfs makes a RUN step's root filesystem in dir. With an overlay
// snapshotter it is an overlay mount over the layers' snapshots, each
// unpacked once and kept by chain ID (a base image is unpacked once for all
// builds and containers); otherwise the layers are unpacked into dir. undo
// unmounts and drops what the step wrote.
func (s *stageState) stepRootfs(dir string, layers []v1.Layer) (undo func(), err error) {
	sn := s.b.opts.Snapshots
	if sn == nil || sn.Name() != "overlay" || len(layers) == 0 {
		return func() {}, unpackLayers(s.ctx, layers, dir)
	}
	top, err := snapshot.Unpack(s.ctx, sn, s.b.opts.SnapshotLocks, layers)
	if err != nil {
		return func() {}, fmt.Errorf("unpacking the step's rootfs: %w", err)
	}
	var b [8]byte
	rand.Read(b[:])
	key := "build-step-" + hex.EncodeToString(b[:])
	ms, err := sn.Prepare(s.ctx, key, top)
	if err != nil {
		return func() {}, fmt.Errorf("making the step's rootfs: %w", err)
	}
	drop := func() { sn.Remove(context.WithoutCancel(s.ctx), key) }
	if err := snapshot.MountAll(ms, dir); err != nil {
		drop()
		return func() {}, fmt.Errorf("mounting the step's rootfs: %w", err)
	}
	return func() {
		snapshot.UnmountAll(dir)
		drop()
	}, nil
}

// parseMount reads one --mount=type=...,target=... of a RUN.
func (s *stageState) parseMount(in *dockerfile.Instruction, spec string) (Mount, error) {
	m := Mount{Type: "bind", Mode: 0o755}
	var source, id, from string
	rw := false
	for _, field := range strings.Split(spec, ",") {
		k, v, hasVal := strings.Cut(field, "=")
		switch strings.ToLower(k) {
		case "type":
			m.Type = v
		case "target", "dst", "destination":
			m.Target = v
		case "source", "src":
			source = v
		case "id":
			id = v
		case "from":
			from = v
		case "readonly", "ro":
			m.ReadOnly = !hasVal || v == "true"
		case "rw", "readwrite":
			rw = !hasVal || v == "true"
			m.ReadOnly = !rw
		case "size":
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.ToLower(v), "b"), 10, 64)
			if err != nil {
				return m, in.Errorf(dockerfile.ErrInvalid, "--mount size=%s: give bytes", v)
			}
			m.Size = n
		case "mode":
			n, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return m, in.Errorf(dockerfile.ErrInvalid, "--mount mode=%s: give octal", v)
			}
			m.Mode = uint32(n)
		case "uid", "gid":
			n, err := strconv.Atoi(v)
			if err != nil {
				return m, in.Errorf(dockerfile.ErrInvalid, "--mount %s=%s: give a number", k, v)
			}
			if k == "uid" {
				m.UID = n
			} else {
				m.GID = n
			}
		case "sharing", "required", "env":
		default:
			return m, in.Errorf(dockerfile.ErrInvalid, "unknown --mount option %q", k)
		}
	}
	switch m.Type {
	case "cache":
		if m.Target == "" {
			return m, in.Errorf(dockerfile.ErrInvalid, "--mount=type=cache needs a target")
		}
		if id == "" {
			id = m.Target
		}
		dir := filepath.Join(s.b.cache.Dir(), "mounts", cache.StageID(id))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return m, fmt.Errorf("making cache mount %s: %w", id, err)
		}
		m.Source = dir
	case "tmpfs":
		if m.Target == "" {
			return m, in.Errorf(dockerfile.ErrInvalid, "--mount=type=tmpfs needs a target")
		}
	case "bind":
		if from != "" {
			// Unpacked when the step runs (resolveBinds); the cache key has
			// the stage's key or the image's digest instead.
			m.From, m.Source = from, source
		} else {
			cs := &contextSource{c: s.b.bctx, cache: s.b.cache}
			rel, err := cs.checkRel(source)
			if err != nil {
				return m, at(in, err)
			}
			m.Source = filepath.Join(s.b.ctxDir, rel)
		}
		if m.Target == "" {
			return m, in.Errorf(dockerfile.ErrInvalid, "--mount=type=bind needs a target")
		}
		m.ReadOnly = !rw // buildkit binds read-only unless asked otherwise
	case "secret":
		if id == "" {
			id = pathBase(m.Target)
		}
		src, ok := s.b.opts.Secrets[id]
		if !ok {
			return m, in.Errorf(dockerfile.ErrInvalid, "secret %q was not given to the build", id)
		}
		if m.Target == "" {
			m.Target = "/run/secrets/" + id
		}
		m.Source, m.ReadOnly = src, true
		if m.Mode == 0o755 {
			m.Mode = 0o400
		}
	default:
		return m, in.Errorf(dockerfile.ErrInvalid, "unknown --mount type %q", m.Type)
	}
	m.Target = s.resolvePath(m.Target)
	return m, nil
}

// fromID identifies a stage or image for the cache key.
func (s *stageState) fromID(ref string) (string, error) {
	if i, ok := s.b.stageRef(ref, s.sr.st.Index); ok {
		dep, err := s.b.waitStage(s.ctx, i)
		if err != nil {
			return "", err
		}
		return "stage:" + dep.key, nil
	}
	if s.b.opts.Source == nil {
		return "", fmt.Errorf("no image source to find %s in", ref)
	}
	img, err := s.b.opts.Source.Image(s.ctx, ref)
	if err != nil {
		return "", err
	}
	d, err := img.Digest()
	return "image:" + d.String(), err
}

// resolveBinds unpacks the stages and images bind mounts come from and points
// the mounts at their sources inside them.
func (s *stageState) resolveBinds(in *dockerfile.Instruction, op *runOp) error {
	for i := range op.mounts {
		m := &op.mounts[i]
		if m.From == "" {
			continue
		}
		dir, err := s.unpackFrom(m.From)
		if err != nil {
			return in.Errorf(ErrSourceMissing, "--mount from=%s: %v", m.From, err)
		}
		if m.Source, err = securejoin.SecureJoin(dir, m.Source); err != nil {
			return in.Errorf(ErrSourceMissing, "--mount source=%s: %v", m.Source, err)
		}
	}
	return nil
}

// unpackFrom unpacks a stage or image for a bind mount's from=, into a
// directory removed once the step's layer is written.
func (s *stageState) unpackFrom(ref string) (string, error) {
	var img v1.Image
	if i, ok := s.b.stageRef(ref, s.sr.st.Index); ok {
		dep, err := s.b.waitStage(s.ctx, i)
		if err != nil {
			return "", err
		}
		img = dep.img
	} else if s.b.opts.Source == nil {
		return "", fmt.Errorf("no image source to find %s in", ref)
	} else {
		var err error
		if img, err = s.b.opts.Source.Image(s.ctx, ref); err != nil {
			return "", err
		}
	}
	layers, err := img.Layers()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(filepath.Join(s.b.cache.Dir(), "tmp"), "mount-")
	if err != nil {
		return "", err
	}
	s.afterLayer = append(s.afterLayer, func() { os.RemoveAll(dir) })
	if err := unpackLayers(s.ctx, layers, dir); err != nil {
		return "", err
	}
	return dir, nil
}

func pathBase(p string) string { return filepath.Base(filepath.Clean("/" + p)) }

// lineWriter turns a step's output into Output events and keeps its last
// lines for the error of a failed step.
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	last []string
	emit func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.line(strings.TrimRight(line, "\r\n"))
	}
}

func (w *lineWriter) line(l string) {
	w.last = append(w.last, l)
	if len(w.last) > lastLines {
		w.last = w.last[1:]
	}
	w.emit(l)
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.line(w.buf.String())
		w.buf.Reset()
	}
}

func (w *lineWriter) tail() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.last...)
}

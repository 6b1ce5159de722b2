package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/builder"
	"github.com/berth-dev/berth/engine/runner"
	"github.com/berth-dev/berth/engine/runner/seccomp"
)

// StepRunner runs a build's RUN steps as containers through the runner,
// with docker's default hardening, in the step's root filesystem.
type StepRunner struct {
	Runner *runner.Runner
}

var _ builder.StepRunner = (*StepRunner)(nil)

// NewStepRunner returns the builder's step runner keeping state under root.
func NewStepRunner(root string) *StepRunner {
	return &StepRunner{Runner: runner.New(filepath.Join(root, RuntimeDir))}
}

// Run implements builder.StepRunner.
func (r *StepRunner) Run(ctx context.Context, st builder.Step) (int, error) {
	spec, err := stepSpec(st)
	if err != nil {
		return 0, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := "build-" + hex.EncodeToString(b[:])
	spec.Linux.CgroupsPath = "/berth/" + id
	c, err := r.Runner.Create(ctx, id, spec, runner.CreateOptions{Stdio: runner.Stdio{Stdout: st.Stdout, Stderr: st.Stderr}})
	if err != nil {
		var ee *runner.ExitError
		if errors.As(err, &ee) {
			fmt.Fprintln(st.Stderr, ee.Msg)
			return ee.Code, nil
		}
		return 0, err
	}
	defer c.Delete(true)
	stop := context.AfterFunc(ctx, func() { _ = c.SignalAll(9) })
	defer stop()
	if err := c.Start(); err != nil {
		var ee *runner.ExitError
		if errors.As(err, &ee) {
			fmt.Fprintln(st.Stderr, ee.Msg)
			return ee.Code, nil
		}
		return 0, err
	}
	x, err := c.Wait()
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return x.Code, nil
}

// stepSpec is the config of one RUN step.
func stepSpec(st builder.Step) (*specs.Spec, error) {
	s := runner.DefaultSpec()
	s.Root = &specs.Root{Path: st.Rootfs}
	s.Hostname = "berth-build"
	p := s.Process
	p.Args, p.Env = st.Args, st.Env
	p.Cwd = st.Workdir
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	user, home, err := ResolveUser(st.Rootfs, st.User)
	if err != nil {
		return nil, err
	}
	p.User = user
	if home != "" && !hasEnv(p.Env, "HOME") {
		p.Env = append(p.Env, "HOME="+home)
	}
	switch st.Network {
	case "none":
	case "", "default", "host":
		// The build network: the host's, which gives RUN steps outbound
		// access without a bridge.
		applyNetworkMode(s, "host")
	default:
		return nil, fmt.Errorf("RUN --network=%s: want default, none or host", st.Network)
	}
	for _, m := range st.Mounts {
		switch m.Type {
		case "cache", "bind", "secret":
			opts := []string{"rbind", "rprivate"}
			if m.ReadOnly || m.Type == "secret" {
				opts = append(opts, "ro")
			}
			s.Mounts = append(s.Mounts, specs.Mount{Destination: m.Target, Type: "bind", Source: m.Source, Options: opts})
		case "tmpfs":
			opts := []string{"nosuid", "nodev"}
			if m.Size > 0 {
				opts = append(opts, fmt.Sprintf("size=%d", m.Size))
			}
			s.Mounts = append(s.Mounts, specs.Mount{Destination: m.Target, Type: "tmpfs", Source: "tmpfs", Options: opts})
		default:
			return nil, fmt.Errorf("RUN --mount=type=%s: unsupported", m.Type)
		}
	}
	s.Linux.Seccomp = seccomp.Default(p.Capabilities.Bounding)
	return s, nil
}

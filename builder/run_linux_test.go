package builder

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/builder/progress"
)

// chrootRunner runs steps for real, as a process chrooted into the step's
// rootfs, with cache mounts bound in for the step's duration. It is the
// smallest StepRunner that executes commands; the engine's runner adds
// namespaces, cgroups and the build network.
type chrootRunner struct {
	mu    sync.Mutex
	steps []Step
}

var _ StepRunner = (*chrootRunner)(nil)

func (r *chrootRunner) Run(ctx context.Context, st Step) (int, error) {
	r.mu.Lock()
	r.steps = append(r.steps, st)
	r.mu.Unlock()
	for _, m := range st.Mounts {
		if m.Type != "cache" && m.Type != "bind" {
			continue
		}
		target := filepath.Join(st.Rootfs, m.Target)
		if err := unix.Mount(m.Source, target, "", unix.MS_BIND, ""); err != nil {
			return 0, err
		}
		defer unix.Unmount(target, unix.MNT_DETACH)
	}
	cmd := exec.CommandContext(ctx, st.Args[0], st.Args[1:]...)
	cmd.Path = st.Args[0]
	cmd.Dir = st.Workdir
	cmd.Env = st.Env
	cmd.Stdout, cmd.Stderr = st.Stdout, st.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: st.Rootfs}
	if uid, err := strconv.Atoi(st.User); err == nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}

func requireRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("running steps in a chroot needs root")
	}
}

func TestRun(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	r := &chrootRunner{}
	withRunner := func(o *Options) {
		o.Runner = r
		o.BuildArgs = map[string]string{"V": "2", "http_proxy": "http://proxy"}
	}
	df := `FROM busybox
ARG V=1
ENV E=env
WORKDIR /work
RUN echo "v=$V e=$E proxy=$http_proxy pwd=$(pwd)" > out.txt && rm /bin/true && echo extra >> /etc/group
RUN ["/bin/sh", "-c", "echo exec > /exec.txt"]
RUN <<EOF
echo heredoc > /heredoc.txt
EOF
`
	res, evs := e.mustBuild(df, withRunner)
	fs := files(t, res.Image)
	if got := fs["/work/out.txt"].content; got != "v=2 e=env proxy=http://proxy pwd=/work\n" {
		t.Errorf("out.txt = %q", got)
	}
	if _, ok := fs["/bin/true"]; ok {
		t.Error("/bin/true survived its removal")
	}
	if !strings.HasSuffix(fs["/etc/group"].content, "extra\n") || fs["/exec.txt"].content != "exec\n" || fs["/heredoc.txt"].content != "heredoc\n" {
		t.Errorf("group %q exec %q heredoc %q", fs["/etc/group"].content, fs["/exec.txt"].content, fs["/heredoc.txt"].content)
	}
	if _, ok := fs["/bin/busybox"]; !ok {
		t.Error("the base's files are gone")
	}
	var runHist []string
	for _, h := range config(t, res.Image).History {
		if strings.HasPrefix(h.CreatedBy, "RUN") {
			runHist = append(runHist, h.CreatedBy)
			if h.EmptyLayer {
				t.Errorf("%q has no layer", h.CreatedBy)
			}
		}
	}
	if len(runHist) != 3 || !strings.HasPrefix(runHist[0], "RUN |1 V=2 /bin/sh -c echo") || strings.Contains(runHist[0], "proxy=") && strings.Contains(runHist[0], "http_proxy=") {
		t.Errorf("RUN history = %q", runHist)
	}
	if n := len(eventsOf(evs, progress.Output)); n != 0 {
		t.Errorf("%d output events from commands that print nothing", n)
	}
	ran := len(r.steps)
	second, evs := e.mustBuild(df, withRunner)
	if len(r.steps) != ran || len(eventsOf(evs, progress.CacheHit)) != 4 || second.ID != res.ID {
		t.Errorf("rebuild ran %d steps, %d hits, image %s vs %s", len(r.steps)-ran, len(eventsOf(evs, progress.CacheHit)), second.ID, res.ID)
	}
	_, evs = e.mustBuild(df, func(o *Options) { withRunner(o); o.BuildArgs["V"] = "3" })
	if m := misses(evs); !strings.Contains(m[5], "build arg V changed") {
		t.Errorf("changed arg: misses %v", m)
	}
}

func TestRunFailure(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	_, evs, err := e.build("FROM busybox\nRUN echo one; echo two >&2; exit 3\n", func(o *Options) { o.Runner = &chrootRunner{} })
	if !errors.Is(err, ErrRunFailed) {
		t.Fatalf("error %v, want a failed RUN", err)
	}
	for _, want := range []string{"Dockerfile:2", "code 3", "one", "two"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if e.store.writes != 0 {
		t.Error("a failed RUN wrote an image")
	}
	if len(eventsOf(evs, progress.StepFailed)) != 1 {
		t.Errorf("events %+v lack one step failure", evs)
	}
}

func TestRunCacheMount(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	r := &chrootRunner{}
	df := "FROM busybox\nRUN --mount=type=cache,target=/var/cache/app --network=none echo x >> /var/cache/app/log && wc -l < /var/cache/app/log > /count\n"
	res, _ := e.mustBuild(df, func(o *Options) { o.Runner = r })
	res2, _ := e.mustBuild(df, func(o *Options) { o.Runner = r; o.NoCache = true })
	if got := files(t, res2.Image)["/count"].content; strings.TrimSpace(got) != "2" {
		t.Errorf("the cache mount did not persist: count %q", got)
	}
	if _, ok := files(t, res.Image)["/var/cache/app/log"]; ok {
		t.Error("the cache mount's content went into the layer")
	}
	if st := r.steps[0]; st.Network != "none" || len(st.Mounts) != 1 || st.Mounts[0].Target != "/var/cache/app" {
		t.Errorf("step = %+v", st)
	}
}

func TestRunBindMounts(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	e.write(map[string]string{"ctxfile": "from context\n"})
	r := &chrootRunner{}
	res, _ := e.mustBuild(`FROM busybox AS build
COPY ctxfile /out/made
FROM busybox
RUN --mount=type=bind,from=build,source=/out,target=/mnt/build --mount=type=bind,target=/mnt/ctx cat /mnt/build/made /mnt/ctx/ctxfile > /got
`, func(o *Options) { o.Runner = r })
	fs := files(t, res.Image)
	if got := fs["/got"].content; got != "from context\nfrom context\n" {
		t.Errorf("/got = %q", got)
	}
	for p := range fs {
		if strings.HasPrefix(p, "/mnt/build/") || strings.HasPrefix(p, "/mnt/ctx/") {
			t.Errorf("mounted file %s went into the layer", p)
		}
	}
	for _, m := range r.steps[0].Mounts {
		if !m.ReadOnly {
			t.Errorf("bind mount %+v is writable; buildkit binds read-only", m)
		}
	}
}

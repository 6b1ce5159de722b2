package runner_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/runner"
	"github.com/berth-dev/berth/engine/runner/cgroups"
	"github.com/berth-dev/berth/layers/layertest"
)

// env is one test's runner, rootfs and cgroup parent.
type env struct {
	t      *testing.T
	r      *runner.Runner
	rootfs string
	n      int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, r: runner.New(t.TempDir()), rootfs: layertest.Rootfs(t)}
}

// spec is docker's default config running sh -c script in the busybox rootfs.
func (e *env) spec(script string) *specs.Spec {
	s := runner.DefaultSpec()
	s.Root.Path = e.rootfs
	s.Process.Args = []string{"sh", "-c", script}
	e.n++
	s.Linux.CgroupsPath = fmt.Sprintf("/berth-test/%s-%d-%d", strings.ReplaceAll(e.t.Name(), "/", "-"), os.Getpid(), e.n)
	return s
}

// run creates, starts and waits for a container, returning its output.
func (e *env) run(s *specs.Spec) (string, runner.Exit) {
	e.t.Helper()
	var out bytes.Buffer
	id := fmt.Sprintf("t%d", e.n)
	c, err := e.r.Create(context.Background(), id, s, runner.CreateOptions{Stdio: runner.Stdio{Stdout: &out, Stderr: &out}})
	if err != nil {
		e.t.Fatalf("create: %v", err)
	}
	defer c.Delete(true)
	if err := c.Start(); err != nil {
		e.t.Fatalf("start: %v", err)
	}
	x, err := c.Wait()
	if err != nil {
		e.t.Fatalf("wait: %v", err)
	}
	e.checkGone(id, s.Linux.CgroupsPath, c)
	return out.String(), x
}

// checkGone checks, after Delete, that no state or cgroup is left.
func (e *env) checkGone(id, cg string, c *runner.Container) {
	e.t.Helper()
	if err := c.Delete(true); err != nil {
		e.t.Fatalf("delete: %v", err)
	}
	if _, err := e.r.Load(id); !errors.Is(err, runner.ErrNotExist) {
		e.t.Errorf("state of %s left after delete: %v", id, err)
	}
	if _, err := os.Stat(filepath.Join("/sys/fs/cgroup/memory", cg)); err == nil {
		e.t.Errorf("cgroup %s left after delete", cg)
	}
}

func TestIsolationAndHardening(t *testing.T) {
	e := newEnv(t)
	s := e.spec(`echo pid=$$; hostname; ls /proc | grep -c '^[0-9]'; grep -E '^(CapEff|CapBnd|CapInh|Seccomp|NoNewPrivs):' /proc/self/status;
		wc -c < /proc/keys; echo x > /proc/sys/kernel/hostname || echo rosys; unshare -n true || echo unshare=$?;
		ls /proc/self/fd | wc -l; ls /dev | tr '\n' ' '`)
	s.Hostname = "inside"
	out, x := e.run(s)
	if x.Code != 0 {
		t.Fatalf("exit %d: %s", x.Code, out)
	}
	for _, want := range []string{"pid=1\n", "inside\n", "CapEff:\t00000000a80425fb", "CapBnd:\t00000000a80425fb",
		"CapInh:\t0000000000000000", "Seccomp:\t2", "NoNewPrivs:\t0", "rosys", "unshare=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	lines := strings.Split(out, "\n")
	// A handful of pids (sh, grep, ls...) at most: the host's are invisible.
	if n := lines[2]; len(n) > 1 {
		t.Errorf("%s pids visible in /proc", n)
	}
	// /proc/keys is masked by /dev/null: empty.
	if !strings.Contains(out, "\n0\n") {
		t.Errorf("/proc/keys is not empty:\n%s", out)
	}
	// ls of /proc/self/fd: 0, 1, 2 and ls's own directory.
	if !strings.Contains(out, "\n4\n") {
		t.Errorf("descriptors leaked into the container:\n%s", out)
	}
	for _, d := range []string{"null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue", "ptmx", "fd"} {
		if !strings.Contains(out, " "+d+" ") && !strings.Contains(out, d+" ") {
			t.Errorf("/dev/%s missing:\n%s", d, out)
		}
	}
}

func TestNoNewPrivilegesAndReadonlyRoot(t *testing.T) {
	e := newEnv(t)
	s := e.spec(`grep NoNewPrivs /proc/self/status; touch /x 2>&1 || echo rofs; echo ok > /tmp/w && cat /tmp/w`)
	s.Process.NoNewPrivileges = true
	s.Root.Readonly = true
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid"}})
	out, _ := e.run(s)
	for _, want := range []string{"NoNewPrivs:\t1", "Read-only file system", "rofs", "ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestExitCodesAndSignals(t *testing.T) {
	e := newEnv(t)
	if _, x := e.run(e.spec("exit 3")); x.Code != 3 {
		t.Errorf("exit 3: got %+v", x)
	}
	// A signal from inside: the shell's child dies of it.
	if _, x := e.run(e.spec("sh -c 'kill -9 $$'; exit $?")); x.Code != 137 {
		t.Errorf("child killed by SIGKILL: got %+v", x)
	}
	// From outside: pid 1 ignores what it has no handler for, but SIGKILL.
	s := e.spec("sleep 30")
	c, err := e.r.Create(context.Background(), "sig", s, runner.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete(true)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if x, _ := c.Wait(); x.Code != 137 || x.Signal != unix.SIGKILL {
		t.Errorf("SIGKILL: got %+v", x)
	}
	if err := c.Signal(unix.SIGTERM); !errors.Is(err, runner.ErrNotRunning) {
		t.Errorf("signal after exit: %v", err)
	}
}

func TestCommandNotFoundLeavesNothing(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		code int
	}{{[]string{"nosuch"}, 127}, {[]string{"/etc"}, 126}, {[]string{"/nosuch/bin"}, 127}} {
		s := e.spec("")
		s.Process.Args = tc.args
		_, err := e.r.Create(context.Background(), "nf", s, runner.CreateOptions{})
		var ee *runner.ExitError
		if !errors.As(err, &ee) || ee.Code != tc.code {
			t.Errorf("%v: got %v, want exit code %d", tc.args, err, tc.code)
		}
		if ids, _ := e.r.List(); len(ids) != 0 {
			t.Errorf("%v: state left: %v", tc.args, ids)
		}
		if _, err := os.Stat(filepath.Join("/sys/fs/cgroup/memory", s.Linux.CgroupsPath)); err == nil {
			t.Errorf("%v: cgroup left", tc.args)
		}
	}
}

func TestMemoryLimitOOMKill(t *testing.T) {
	e := newEnv(t)
	s := e.spec(`x=aaaaaaaa; while true; do x=$x$x; done`)
	limit := int64(8 << 20)
	s.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit}
	_, x := e.run(s)
	if !x.OOMKilled || x.Code != 137 {
		t.Fatalf("got %+v, want OOM kill with 137", x)
	}
}

func TestPidsLimitContainsForks(t *testing.T) {
	e := newEnv(t)
	s := e.spec(`for i in $(seq 100); do sleep 5 & done`)
	limit := int64(20)
	s.Linux.Resources.Pids = &specs.LinuxPids{Limit: &limit}
	c, err := e.r.Create(context.Background(), "pids", s, runner.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete(true)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	x, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if x.Code == 0 {
		t.Errorf("a hundred forks under a limit of 20 succeeded")
	}
	st, err := c.Cgroup().Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Current > 20 {
		t.Errorf("%d processes under a limit of 20", st.Pids.Current)
	}
	events, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/pids", s.Linux.CgroupsPath, "pids.events"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(events)) == "max 0" {
		t.Errorf("the pids limit was never hit: %s", events)
	}
}

func TestExecJoinsTheContainer(t *testing.T) {
	e := newEnv(t)
	s := e.spec("sleep 30")
	s.Hostname = "target"
	c, err := e.r.Create(context.Background(), "x", s, runner.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete(true)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p := *s.Process
	p.Args = []string{"sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; grep -E '^(CapEff|Seccomp):' /proc/self/status; exit 4"}
	proc, err := c.Exec(context.Background(), "", &p, runner.Stdio{Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	x, err := proc.Wait()
	if err != nil || x.Code != 4 {
		t.Fatalf("exec exit %+v, %v:\n%s", x, err, out.String())
	}
	for _, want := range []string{"target\n", "sleep 30", "CapEff:\t00000000a80425fb", "Seccomp:\t2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	p.Args = []string{"nosuch"}
	if _, err := c.Exec(context.Background(), "", &p, runner.Stdio{}); !isExit(err, 127) {
		t.Errorf("exec of a missing command: %v", err)
	}
	// A working directory the container lacks is made, as docker exec does.
	out.Reset()
	p.Args, p.Cwd = []string{"pwd"}, "/newdir/sub"
	if proc, err := c.Exec(context.Background(), "", &p, runner.Stdio{Stdout: &out, Stderr: &out}); err != nil {
		t.Errorf("exec in a missing directory: %v", err)
	} else if x, _ := proc.Wait(); x.Code != 0 || out.String() != "/newdir/sub\n" {
		t.Errorf("exec in a missing directory: exit %d, %q", x.Code, out.String())
	}
	if err := c.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if x, _ := c.Wait(); x.Code != 137 {
		t.Errorf("after SIGKILL: %+v", x)
	}
}

func isExit(err error, code int) bool {
	var ee *runner.ExitError
	return errors.As(err, &ee) && ee.Code == code
}

func TestTerminal(t *testing.T) {
	e := newEnv(t)
	s := e.spec("tty; echo done")
	s.Process.Terminal = true
	c, err := e.r.Create(context.Background(), "tty", s, runner.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete(true)
	con := c.Console()
	if con == nil {
		t.Fatal("no console")
	}
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(con)
		got <- string(b)
	}()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case out := <-got:
		if !strings.Contains(out, "/dev/pts/0") || !strings.Contains(out, "done") {
			t.Errorf("terminal output: %q", out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no terminal output")
	}
}

func TestBindMountReadOnly(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("from host\n"), 0o644)
	s := e.spec("cat /data/f; echo x > /data/f || echo denied")
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: dir, Options: []string{"rbind", "ro"}})
	out, _ := e.run(s)
	if !strings.Contains(out, "from host") || !strings.Contains(out, "denied") {
		t.Errorf("read-only bind mount:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "f")); string(b) != "from host\n" {
		t.Errorf("host file changed: %q", b)
	}
}

func TestInvalidConfigsNameTheField(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		field  string
		change func(*specs.Spec)
	}{
		{"linux.namespaces[0].type", func(s *specs.Spec) { s.Linux.Namespaces[0].Type = "bogus" }},
		{"root.path", func(s *specs.Spec) { s.Root.Path = "/nonexistent-rootfs" }},
		{"process.cwd", func(s *specs.Spec) { s.Process.Cwd = "relative" }},
		{"process.rlimits", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1 << 30, Hard: 1 << 30}}
		}},
		{"process.capabilities.bounding", func(s *specs.Spec) { s.Process.Capabilities.Bounding = []string{"CAP_BOGUS"} }},
		{"ociVersion", func(s *specs.Spec) { s.Version = "2.0.0" }},
	} {
		s := e.spec("true")
		tc.change(s)
		_, err := e.r.Create(context.Background(), "bad", s, runner.CreateOptions{})
		if !errors.Is(err, runner.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v", tc.field, err)
		}
		if ids, _ := e.r.List(); len(ids) != 0 {
			t.Errorf("%s: state left: %v", tc.field, ids)
		}
	}
}

// A signal sent as soon as Start returns reaches the workload through the
// shim: none is lost between the shim's start and its first wait.
func TestInitShimForwardsASignalSentAtOnce(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 10; i++ {
		s := e.spec("exec sleep 5")
		s.Annotations = map[string]string{runner.InitAnnotation: "true"}
		id := fmt.Sprintf("at-once-%d", i)
		c, err := e.r.Create(context.Background(), id, s, runner.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			c.Delete(true)
			t.Fatal(err)
		}
		if err := c.Signal(unix.SIGTERM); err != nil {
			t.Error(err)
		}
		done := make(chan runner.Exit, 1)
		go func() { x, _ := c.Wait(); done <- x }()
		select {
		case x := <-done:
			if x.Code != 143 {
				t.Errorf("run %d: exit %+v, want 143 (SIGTERM)", i, x)
			}
		case <-time.After(4 * time.Second):
			t.Errorf("run %d: the SIGTERM sent at once was lost", i)
		}
		c.Delete(true)
	}
}

// A mount into /proc, by its path or through a link in the rootfs, is
// refused unless it is a procfs or one of lxcfs's files; a NUL in the
// command is an error, not a cut.
func TestMountsIntoProcAndNULsAreRefused(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	s := e.spec("true")
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/proc/sys/kernel", Type: "bind", Source: dir, Options: []string{"rbind"}})
	if _, err := e.r.Create(context.Background(), "proc1", s, runner.CreateOptions{}); !errors.Is(err, runner.ErrInvalidConfig) {
		t.Errorf("a bind mount over /proc/sys/kernel: %v", err)
	}
	if err := os.Symlink("/proc/sys", filepath.Join(e.rootfs, "procsys")); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(filepath.Join(e.rootfs, "procsys"))
	s = e.spec("true")
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/procsys/kernel", Type: "bind", Source: dir, Options: []string{"rbind"}})
	if _, err := e.r.Create(context.Background(), "proc2", s, runner.CreateOptions{}); err == nil || !strings.Contains(err.Error(), "inside /proc") {
		t.Errorf("a bind mount into /proc through a link: %v", err)
	}
	s = e.spec("true")
	s.Process.Args = []string{"echo", "a\x00b"}
	if _, err := e.r.Create(context.Background(), "nul", s, runner.CreateOptions{}); !errors.Is(err, runner.ErrInvalidConfig) || !strings.Contains(err.Error(), "process.args") {
		t.Errorf("an argument with a NUL: %v", err)
	}
	if ids, _ := e.r.List(); len(ids) != 0 {
		t.Errorf("state left: %v", ids)
	}
}

// A working directory thousands of levels deep is made, not a crash.
func TestDeepWorkingDirectory(t *testing.T) {
	e := newEnv(t)
	s := e.spec("pwd | wc -c")
	s.Process.Cwd = strings.Repeat("/a", 2000)
	out, x := e.run(s)
	if x.Code != 0 || strings.TrimSpace(out) != "4001" {
		t.Errorf("exit %+v, output %q", x, out)
	}
}

func TestInitShimReapsAndForwards(t *testing.T) {
	e := newEnv(t)
	s := e.spec("cat /proc/1/cmdline | tr '\\0' ' '; echo; (sleep 0.1 &) ; exit 5")
	s.Annotations = map[string]string{runner.InitAnnotation: "true"}
	out, x := e.run(s)
	if x.Code != 5 {
		t.Errorf("exit %+v", x)
	}
	if !strings.Contains(out, "runtime init") {
		t.Errorf("pid 1 is not the init: %s", out)
	}
}

// A cgroup made beforehand (cgroups.Make) is the container's, with the
// config's limits; one made at another path is not left behind.
func TestCreateTakesACgroupMadeBeforehand(t *testing.T) {
	e := newEnv(t)
	s := e.spec(`cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max`)
	limit := int64(33)
	s.Linux.Resources.Pids = &specs.LinuxPids{Limit: &limit}
	pre, err := cgroups.Make(s.Linux.CgroupsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer pre.Destroy()
	var out bytes.Buffer
	c, err := e.r.Create(context.Background(), "before", s, runner.CreateOptions{Cgroup: pre, Stdio: runner.Stdio{Stdout: &out, Stderr: &out}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete(true)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if x, err := c.Wait(); err != nil || x.Code != 0 || strings.TrimSpace(out.String()) != "33" {
		t.Fatalf("the container saw pids.max %q (exit %d, %v), want 33", out.String(), x.Code, err)
	}
	if c.Cgroup() != pre {
		t.Error("the container did not take the cgroup made for it")
	}
	e.checkGone("before", s.Linux.CgroupsPath, c)

	other, err := cgroups.Make(s.Linux.CgroupsPath + "-elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Destroy()
	s = e.spec(`true`)
	c, err = e.r.Create(context.Background(), "elsewhere", s, runner.CreateOptions{Cgroup: other})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete(true)
	if c.Cgroup().Path() != s.Linux.CgroupsPath {
		t.Errorf("the container's cgroup is %s, want %s", c.Cgroup().Path(), s.Linux.CgroupsPath)
	}
	if _, err := os.Stat(filepath.Join("/sys/fs/cgroup/memory", other.Path())); err == nil {
		t.Errorf("the cgroup made at %s, not the config's, was left", other.Path())
	}
}

// The init's mount namespace outlives the init until Delete: its teardown
// does not stand between the init's exit and Wait.
func TestMountNamespaceHeldUntilDelete(t *testing.T) {
	e := newEnv(t)
	s := e.spec("exec sleep 30")
	c, err := e.r.Create(context.Background(), "mnt", s, runner.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete(true)
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", c.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	if self, _ := os.Readlink("/proc/self/ns/mnt"); ns == self {
		t.Fatalf("the init shares this process's mount namespace %s", ns)
	}
	held := func() bool {
		ents, _ := os.ReadDir("/proc/self/fd")
		for _, ent := range ents {
			if l, _ := os.Readlink("/proc/self/fd/" + ent.Name()); l == ns {
				return true
			}
		}
		return false
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(); err != nil {
		t.Fatal(err)
	}
	if !held() {
		t.Errorf("after the init's exit, no descriptor holds its mount namespace %s", ns)
	}
	if err := c.Delete(true); err != nil {
		t.Fatal(err)
	}
	if held() {
		t.Errorf("Delete left the mount namespace %s open", ns)
	}
}

// The init becomes the container's process (user, capabilities, working
// directory) before it waits for the start: a user without capabilities
// still gets through the start, and a step that fails is the start's error.
func TestProcessStepsBeforeTheStart(t *testing.T) {
	e := newEnv(t)
	s := e.spec("id -u; grep CapEff /proc/self/status")
	s.Process.User = specs.User{UID: 1000, GID: 1000}
	s.Process.Capabilities = &specs.LinuxCapabilities{}
	out, x := e.run(s)
	if x.Code != 0 || !strings.HasPrefix(out, "1000\n") || !strings.Contains(out, "CapEff:\t0000000000000000") {
		t.Errorf("as user 1000 without capabilities: exit %d, output %q", x.Code, out)
	}

	s = e.spec("true")
	s.Process.Cwd = "/etc/passwd"
	c, err := e.r.Create(context.Background(), "cwd", s, runner.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v (the working directory is the start's to fail on)", err)
	}
	defer c.Delete(true)
	err = c.Start()
	var ee *runner.ExitError
	if !errors.As(err, &ee) || !strings.Contains(ee.Error(), "process.cwd") {
		t.Errorf("start with a file for a working directory: %v, want the init's error naming process.cwd", err)
	}
}

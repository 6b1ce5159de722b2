package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/runner"
	"github.com/berth-dev/berth/layers/layertest"
)

// runcPeer runs bundles with runc, the reference runtime berth's runner is
// compared against.
type runcPeer struct {
	t      *testing.T
	bin    string
	root   string // runc's state directory
	rootfs string // a busybox rootfs of its own: neither runtime sees mount points the other made
	n      int
}

func newRunc(t *testing.T) *runcPeer {
	t.Helper()
	bin, err := exec.LookPath("runc")
	if err != nil {
		t.Fatalf("runc is missing (scripts/test installs runc): %v", err)
	}
	return &runcPeer{t: t, bin: bin, root: t.TempDir(), rootfs: layertest.Rootfs(t)}
}

// start writes s as a bundle and starts `runc run` on it in the
// foreground. The returned cleanup force-deletes the container and checks
// that its cgroup is gone.
func (p *runcPeer) start(s *specs.Spec, out *bytes.Buffer) (id string, cmd *exec.Cmd, cleanup func()) {
	p.t.Helper()
	p.n++
	id = fmt.Sprintf("berth-diff-%d-%d", os.Getpid(), p.n)
	s.Root = &specs.Root{Path: p.rootfs, Readonly: s.Root.Readonly}
	s.Linux.CgroupsPath += "-runc"
	s.Process.Terminal = false
	bundle := p.t.TempDir()
	b, err := json.Marshal(s)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
	cleanup = func() {
		if out, err := exec.Command(p.bin, "--root", p.root, "delete", "--force", id).CombinedOutput(); err != nil &&
			!strings.Contains(string(out), "does not exist") {
			p.t.Errorf("runc delete %s: %v: %s", id, err, out)
		}
		if _, err := os.Stat(filepath.Join("/sys/fs/cgroup/memory", s.Linux.CgroupsPath)); err == nil {
			p.t.Errorf("runc left cgroup %s", s.Linux.CgroupsPath)
		}
	}
	cmd = exec.Command(p.bin, "--root", p.root, "run", "--bundle", bundle, id)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cleanup()
		p.t.Fatalf("runc run: %v", err)
	}
	return id, cmd, cleanup
}

// wait returns runc run's exit status: the container's exit code, or 128
// plus the signal that killed it.
func (p *runcPeer) wait(cmd *exec.Cmd, out *bytes.Buffer) int {
	p.t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	}
	p.t.Fatalf("runc run: %v: %s", err, out)
	return 0
}

// run runs s to its end under runc, returning the container's output and
// exit status.
func (p *runcPeer) run(s *specs.Spec) (string, int) {
	p.t.Helper()
	var out bytes.Buffer
	_, cmd, cleanup := p.start(s, &out)
	defer cleanup()
	code := p.wait(cmd, &out)
	return out.String(), code
}

// mountLine reduces the lines of /proc/self/mounts (target, type, options)
// to what both runtimes must agree on.
func mountLine(line string) (string, bool) {
	f := strings.Fields(line)
	if len(f) != 3 {
		return line, true
	}
	switch {
	// On a hybrid host berth also mounts the container's own cgroup2
	// hierarchy, read-only; runc 1.1 mounts only the v1 hierarchies.
	case f[0] == "/sys/fs/cgroup/unified":
		return "", false
	// Docker's config asks for /sys/fs/cgroup read-only: berth makes the
	// tmpfs holding the hierarchies read-only too, runc 1.1 leaves it
	// writable.
	case f[0] == "/sys/fs/cgroup" && f[1] == "tmpfs":
		f[2] = strings.TrimPrefix(strings.TrimPrefix(f[2], "ro,"), "rw,")
	// A masked directory is an empty read-only tmpfs in both; berth also
	// mounts it nosuid, nodev and noexec with a size of 0.
	case slices.Contains(runner.MaskedPaths, f[0]) && f[1] == "tmpfs" && strings.HasPrefix(f[2], "ro,"):
		f[2] = "ro"
	}
	return strings.Join(f, " "), true
}

// normMounts sorts the mount lines and normalizes each with mountLine.
func normMounts(out string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l, ok := mountLine(l); ok {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// TestDifferential runs the same bundle under runc and under berth's runner
// and compares what the process inside sees and how it exits: with docker's
// defaults (capabilities, seccomp, mounts, devices, masked and read-only
// paths) the two must agree.
func TestDifferential(t *testing.T) {
	for _, p := range []struct {
		name   string
		script string
		spec   func(*specs.Spec) // changes to DefaultSpec, if any
		norm   func(string) string
	}{
		{name: "status", script: `grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status`},
		{name: "id", script: `id`},
		{name: "user", script: `id; grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status; touch /x; echo $?`,
			spec: func(s *specs.Spec) {
				s.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10}}
				s.Process.NoNewPrivileges = true
			}},
		{name: "hostname", script: `hostname; cat /proc/sys/kernel/hostname; uname -n`},
		{name: "pid1", script: `echo $$; cat /proc/1/cmdline | tr '\0' ' '`},
		{name: "env-cwd", script: `pwd; env | grep -v '^SHLVL=' | sort`,
			spec: func(s *specs.Spec) {
				s.Process.Cwd = "/home/berth"
				s.Process.Env = append(s.Process.Env, "HOME=/root", "A=b c")
			}},
		// Without HOME in the config, HOME comes from the user's entry in
		// the container's /etc/passwd, or is "/" for a user with none.
		{name: "home-root", script: `echo "HOME=$HOME"`},
		{name: "home-user", script: `echo "HOME=$HOME"`,
			spec: func(s *specs.Spec) { s.Process.User = specs.User{UID: 1000, GID: 1000} }},
		{name: "home-no-entry", script: `echo "HOME=$HOME"`,
			spec: func(s *specs.Spec) { s.Process.User = specs.User{UID: 4242, GID: 4242} }},
		{name: "home-empty", script: `echo "HOME=$HOME"`,
			spec: func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "HOME=") }},
		{name: "dev", script: `ls -a /dev | sort`},
		{name: "dev-nodes", script: `for f in /dev/* /dev/pts/* /dev/shm /dev/mqueue; do stat -c '%n %F %a %u %g %t %T' $f; done`},
		{name: "dev-links", script: `for f in /dev/*; do [ -L $f ] && echo $f $(readlink $f); done; true`},
		{name: "dev-dirs", script: `ls -la /dev/pts /dev/shm /dev/mqueue | awk 'NF > 3 {print $1, $3, $4, $NF}'`},
		{name: "dev-access", script: `head -c 1 /dev/zero | wc -c; echo x > /dev/null; echo $?; echo x > /dev/full; echo $?;
			mknod /dev/sda b 8 0; echo $?; head -c 1 /dev/sda; echo $?; mknod /dev/mem c 1 1; head -c 1 /dev/mem; echo $?`},
		{name: "mounts", script: `awk '{print $2, $3, $4}' /proc/self/mounts`, norm: normMounts},
		{name: "readonly-root", script: `touch /x; echo $?; grep ' / ' /proc/self/mounts | awk '{print $4}' | cut -d, -f1`,
			spec: func(s *specs.Spec) { s.Root.Readonly = true }},
		{name: "masked", script: `for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/acpi /proc/scsi /sys/firmware; do
			stat -c '%n %F %a %t %T' $f; cat $f | head -c 100; echo " $?"; ls $f; touch $f/x; done`},
		{name: "readonly", script: `touch /proc/sys/x; echo $?; echo 1 > /proc/sysrq-trigger; echo $?;
			echo x > /proc/sys/kernel/hostname; echo $?; touch /sys/x; echo $?; touch /sys/fs/cgroup/memory/x; echo $?;
			echo 1 > /proc/bus/x; echo $?`},
		{name: "seccomp", script: `unshare -U true; echo $?; unshare -n true; echo $?; mount -t tmpfs t /mnt; echo $?;
			chroot / true; echo $?`},
		{name: "fds", script: `ls /proc/self/fd`},
		{name: "uid-map", script: `cat /proc/self/uid_map /proc/self/gid_map`},
		{name: "cgroup", script: `cat /proc/self/cgroup`},
		// The processes are counted by the shell itself: a pipeline's
		// second process may or may not exist yet when the first lists /proc.
		{name: "namespaces", script: `ip link | awk -F': ' '/^[0-9]/ {print $2}'; set -- /proc/[0-9]*; echo $#`},
		{name: "rlimits-inherited", script: `ulimit -n; ulimit -Hn; ulimit -c`},
		{name: "rlimits", script: `ulimit -n; ulimit -Hn; ulimit -s`,
			spec: func(s *specs.Spec) {
				s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096}, {Type: "RLIMIT_STACK", Soft: 4 << 20, Hard: 4 << 20}}
			}},
		{name: "exit", script: `exit 3`},
		{name: "kill-self", script: `kill -TERM $$; echo pid 1 ignores it; sh -c 'kill -TERM $$'; echo $?`},
		{name: "killed-child", script: `sh -c 'kill -KILL $$'; echo $?; exit 200`},
		{name: "not-found", script: `nosuch; echo $?; /etc; echo $?`},
	} {
		t.Run(p.name, func(t *testing.T) {
			e := newEnv(t)
			rc := newRunc(t)
			// runc copies the container's stdout and stderr through two
			// pipes of its own, losing their order: merge them inside.
			spec := func() *specs.Spec {
				s := e.spec("exec 2>&1; " + p.script)
				if p.spec != nil {
					p.spec(s)
				}
				return s
			}
			got, x := e.run(spec())
			want, code := rc.run(spec())
			if p.norm != nil {
				got, want = p.norm(got), p.norm(want)
			}
			if got != want || x.Code != code {
				t.Errorf("berth, exit %d:\n%s\nrunc, exit %d:\n%s", x.Code, got, code, want)
			}
		})
	}

	// Killed from outside, pid 1's death by a signal is 128 plus the signal
	// for both.
	t.Run("killed", func(t *testing.T) {
		e := newEnv(t)
		rc := newRunc(t)
		var out bytes.Buffer
		id, cmd, cleanup := rc.start(e.spec("sleep 60"), &out)
		defer cleanup()
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, _ := exec.Command(rc.bin, "--root", rc.root, "state", id).Output()
			if bytes.Contains(st, []byte(`"status": "running"`)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("runc container %s never ran: %s %s", id, st, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if b, err := exec.Command(rc.bin, "--root", rc.root, "kill", id, "KILL").CombinedOutput(); err != nil {
			t.Fatalf("runc kill: %v: %s", err, b)
		}
		code := rc.wait(cmd, &out)

		s := e.spec("sleep 60")
		c, err := e.r.Create(context.Background(), "killed", s, runner.CreateOptions{})
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
		x, err := c.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if x.Code != code || x.Signal != unix.SIGKILL {
			t.Errorf("berth: %+v, runc: exit %d", x, code)
		}
	})
}

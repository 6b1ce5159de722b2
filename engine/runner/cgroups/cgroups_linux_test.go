package cgroups

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	lib "github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The test binary doubles as the processes put into cgroups: with
// BERTH_CGTEST_CHILD set, TestMain runs that mode instead of the tests. A
// child waits for a line on stdin before it starts, so that the test can put
// it into its cgroup first.
const childEnv = "BERTH_CGTEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func runChild(mode string, args []string) int {
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return 3
	}
	switch mode {
	case "sleep":
		// Use some memory and CPU inside the group, say so, and wait.
		b := make([]byte, 4<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		fmt.Println("ready", len(b))
		time.Sleep(60 * time.Second)
	case "alloc":
		// Touch 512 MiB a page at a time; a memory limit kills us first.
		var keep [][]byte
		for range 512 {
			b := make([]byte, 1<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		fmt.Println(len(keep))
	case "spin":
		// Burn CPU for at most 10 s of wall time.
		end := time.Now().Add(10 * time.Second)
		for x := 0; time.Now().Before(end); x++ {
			_ = x * x
		}
	case "exec":
		path, err := exec.LookPath(args[0])
		if err == nil {
			err = unix.Exec(path, args, os.Environ())
		}
		fmt.Fprintln(os.Stderr, err)
		return 4
	default:
		return 2
	}
	return 0
}

type child struct {
	cmd   *exec.Cmd
	start func()
	out   *bufio.Reader
}

// ready waits for the child's first line of output.
func (c *child) ready(t *testing.T) {
	t.Helper()
	if _, err := c.out.ReadString('\n'); err != nil {
		t.Fatalf("child did not get ready: %v", err)
	}
}

// startChild starts the test binary in mode, stopped at its gate.
func startChild(t *testing.T, mode string, args ...string) *child {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	cmd.Stderr = os.Stderr
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return &child{cmd: cmd, out: bufio.NewReader(out), start: func() {
		if _, err := w.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
	}}
}

// newTestCgroup creates a cgroup under a unique path and destroys it when the
// test ends, checking that nothing is left.
func newTestCgroup(t *testing.T, r *specs.LinuxResources) Manager {
	t.Helper()
	requireCgroups(t)
	path := testPath(t)
	m, err := New(path, r)
	if err != nil {
		t.Fatal(err)
	}
	destroyAtEnd(t, m, path)
	return m
}

// destroyAtEnd destroys the cgroup at path when the test ends, checking that
// nothing is left.
func destroyAtEnd(t *testing.T, m Manager, path string) {
	t.Cleanup(func() {
		if err := m.Destroy(); err != nil {
			t.Error(err)
		}
		assertGone(t, path)
	})
}

func testPath(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "/berth-test-" + hex.EncodeToString(b[:]) + "/" + strings.ReplaceAll(t.Name(), "/", "-")
}

func requireCgroups(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("cgroup tests need root")
	}
	if len(hierarchies(t)) == 0 {
		t.Skip("no cgroup hierarchy mounted under /sys/fs/cgroup")
	}
}

// hierarchies lists the cgroup mount points under /sys/fs/cgroup.
func hierarchies(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || !strings.HasPrefix(f[4], "/sys/fs/cgroup") {
			continue
		}
		for i, x := range f {
			if x == "-" && i+1 < len(f) && (f[i+1] == "cgroup" || f[i+1] == "cgroup2") {
				out = append(out, f[4])
			}
		}
	}
	return out
}

// assertGone checks that path and its test parent exist in no hierarchy,
// removing an empty test parent first.
func assertGone(t *testing.T, path string) {
	t.Helper()
	parent := filepath.Dir(path)
	for _, h := range hierarchies(t) {
		if _, err := os.Stat(filepath.Join(h, path)); err == nil {
			t.Errorf("cgroup %s left behind in %s", path, h)
		}
		_ = os.Remove(filepath.Join(h, parent))
		if _, err := os.Stat(filepath.Join(h, parent)); err == nil {
			t.Errorf("cgroup %s left behind in %s", parent, h)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestCreateApplyAndStats(t *testing.T) {
	m := newTestCgroup(t, &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr(int64(64 << 20))},
		Pids:   &specs.LinuxPids{Limit: ptr(int64(50))},
		CPU:    &specs.LinuxCPU{Shares: ptr(uint64(512))},
	})
	t.Logf("cgroup v%d", m.Version())
	c := startChild(t, "sleep")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.start()
	c.ready(t)
	pids, err := m.Procs()
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) != 1 || pids[0] != c.cmd.Process.Pid {
		t.Fatalf("Procs = %v, want [%d]", pids, c.cmd.Process.Pid)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory.Limit != 64<<20 {
		t.Errorf("memory limit = %d, want %d", st.Memory.Limit, 64<<20)
	}
	if st.Memory.Usage == 0 {
		t.Error("memory usage is 0 with a process inside")
	}
	if st.Pids.Limit != 50 || st.Pids.Current == 0 {
		t.Errorf("pids = %+v, want limit 50 and some current", st.Pids)
	}
	if st.CPU.UsageNanos == 0 {
		t.Error("cpu usage is 0 after a process started")
	}
	if m.Version() == 2 && st.Pressure == nil {
		t.Error("no pressure stats on cgroup v2")
	}

	// Load finds the same group; Set changes a limit.
	l, err := Load(m.Path())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(70))}}); err != nil {
		t.Fatal(err)
	}
	st, err = m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Limit != 70 {
		t.Errorf("pids limit after Set = %d, want 70", st.Pids.Limit)
	}
}

// TestLimitsAsKernelHasThem reads back what New wrote, in each version's
// own files and units.
func TestLimitsAsKernelHasThem(t *testing.T) {
	m := newTestCgroup(t, &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr(int64(64 << 20)), Reservation: ptr(int64(32 << 20)), Swap: ptr(int64(96 << 20))},
		CPU: &specs.LinuxCPU{Shares: ptr(uint64(512)), Quota: ptr(int64(20000)), Period: ptr(uint64(100000)),
			Cpus: "0", Mems: "0"},
		Pids: &specs.LinuxPids{Limit: ptr(int64(42))},
	})
	mm := m.(*manager)
	type file struct{ ctrl, name, want string }
	files := []file{
		{"memory", "memory.limit_in_bytes", "67108864"},
		{"memory", "memory.soft_limit_in_bytes", "33554432"},
		{"memory", "memory.memsw.limit_in_bytes", "100663296"},
		{"cpu", "cpu.shares", "512"},
		{"cpu", "cpu.cfs_quota_us", "20000"},
		{"cpu", "cpu.cfs_period_us", "100000"},
		{"cpuset", "cpuset.cpus", "0"},
		{"cpuset", "cpuset.mems", "0"},
		{"pids", "pids.max", "42"},
	}
	if mm.v2 {
		files = []file{
			{"", "memory.max", "67108864"},
			{"", "memory.low", "33554432"},
			{"", "memory.swap.max", "33554432"}, // v2 swap excludes memory
			{"", "cpu.weight", "59"},            // runc's and crun's mapping of 512 shares
			{"", "cpu.max", "20000 100000"},
			{"", "cpuset.cpus", "0"},
			{"", "cpuset.mems", "0"},
			{"", "pids.max", "42"},
		}
	}
	for _, f := range files {
		p := filepath.Join(mm.lib.Path(f.ctrl), f.name)
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) && strings.Contains(f.name, "memsw") {
			t.Logf("%s: no swap accounting in this kernel", p)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(b)); got != f.want {
			t.Errorf("%s = %q, want %q", p, got, f.want)
		}
	}
}

func TestOOMKillDetected(t *testing.T) {
	m := newTestCgroup(t, &specs.LinuxResources{
		// Memory and swap together 32 MiB: no escape into swap.
		Memory: &specs.LinuxMemory{Limit: ptr(int64(32 << 20)), Swap: ptr(int64(32 << 20))},
	})
	before, err := m.OOMKillCount()
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, "alloc")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.start()
	err = c.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child allocating 512 MiB under a 32 MiB limit: %v, want killed", err)
	}
	if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want SIGKILL", ws)
	}
	after, err := m.OOMKillCount()
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("OOM kill count %d -> %d, want an increase", before, after)
	}
}

func TestPidsLimitContainsForkLoop(t *testing.T) {
	const limit = 16
	m := newTestCgroup(t, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(limit))}})
	// A shell that tries to start 100 sleepers, far past the limit.
	c := startChild(t, "exec", "/bin/busybox", "sh", "-c",
		`i=0; while [ $i -lt 100 ]; do /bin/busybox sleep 30 & i=$((i+1)); done; wait`)
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.start()
	// Wait (boundedly) for the shell to hit the limit: pids.events counts
	// forks refused.
	events := filepath.Join(m.(*manager).lib.Path("pids"), "pids.events")
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(events)
		if err != nil {
			t.Fatal(err)
		}
		if statValue(b, "max") > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no fork refused within 20 s: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Current > limit {
		t.Errorf("pids.current = %d, above the limit %d", st.Pids.Current, limit)
	}
	pids, _ := m.Procs()
	if len(pids) > limit || len(pids) < 2 {
		t.Errorf("%d processes in the group, want between 2 and %d", len(pids), limit)
	}
	if err := m.Kill(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if pids, _ := m.Procs(); len(pids) != 0 {
		t.Errorf("processes left after Kill: %v", pids)
	}
}

func TestCPUQuotaThrottles(t *testing.T) {
	m := newTestCgroup(t, &specs.LinuxResources{
		CPU: &specs.LinuxCPU{Quota: ptr(int64(5000)), Period: ptr(uint64(50000))},
	})
	c := startChild(t, "spin")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.start()
	deadline := time.Now().Add(10 * time.Second)
	var st *Stats
	for {
		var err error
		if st, err = m.Stats(); err != nil {
			t.Fatal(err)
		}
		// The kernel counts a throttled period when it begins and its
		// time when it ends: both are looked for.
		if st.CPU.Throttled > 0 && st.CPU.ThrottledNanos > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.CPU.Periods == 0 || st.CPU.Throttled == 0 || st.CPU.ThrottledNanos == 0 {
		t.Errorf("a spinning process under a 10%% quota was not throttled: %+v", st.CPU)
	}
	if st.CPU.Throttled > st.CPU.Periods {
		t.Errorf("throttled periods %d > periods %d", st.CPU.Throttled, st.CPU.Periods)
	}
}

func TestFreezeThaw(t *testing.T) {
	m := newTestCgroup(t, nil)
	c := startChild(t, "sleep")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.start()
	c.ready(t)
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if frozen, err := m.Frozen(); err != nil || !frozen {
		t.Fatalf("Frozen() = %v, %v after Freeze", frozen, err)
	}
	if got := freezerState(t, m); got != "FROZEN" {
		t.Errorf("freezer state %q after Freeze", got)
	}
	// A non-lethal signal to a frozen group leaves it frozen.
	if err := m.Kill(unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if frozen, _ := m.Frozen(); !frozen {
		t.Error("Kill(SIGCONT) thawed a frozen group")
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if frozen, err := m.Frozen(); err != nil || frozen {
		t.Fatalf("Frozen() = %v, %v after Thaw", frozen, err)
	}
	if got := freezerState(t, m); got != "THAWED" {
		t.Errorf("freezer state %q after Thaw", got)
	}
}

func freezerState(t *testing.T, m Manager) string {
	t.Helper()
	mm := m.(*manager)
	if mm.v2 {
		b, err := os.ReadFile(filepath.Join(mm.freezer, "cgroup.freeze"))
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"1": "FROZEN", "0": "THAWED"}[strings.TrimSpace(string(b))]
	}
	b, err := os.ReadFile(filepath.Join(mm.freezer, "freezer.state"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestKillAndDestroyLeaveNothing(t *testing.T) {
	requireCgroups(t)
	path := testPath(t)
	m, err := New(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer assertGone(t, path)
	// A shell with three background sleepers of its own.
	c := startChild(t, "exec", "/bin/busybox", "sh", "-c",
		"/bin/busybox sleep 60 & /bin/busybox sleep 60 & /bin/busybox sleep 60 & wait")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids, _ := m.Procs()
		if len(pids) == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want 4 processes in the group, have %v", pids)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	err = c.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("shell ended with %v, want SIGKILL", err)
	}
	if err := m.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
	if _, err := Load(path); !errors.Is(err, ErrNotExist) {
		t.Errorf("Load after Destroy: %v, want ErrNotExist", err)
	}
}

func TestBadInput(t *testing.T) {
	requireCgroups(t)
	for _, p := range []string{"", "relative/x", "/", "/a/../b", "/a/.."} {
		if _, err := New(p, nil); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("New(%q): %v, want ErrInvalidPath", p, err)
		}
	}
	path := testPath(t)
	_, err := New(path, &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "x", Access: "rwm"}}})
	if err == nil || !strings.Contains(err.Error(), "devices[0]") {
		t.Errorf("bad device type: %v", err)
	}
	_, err = New(path, &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "4096"}})
	if err == nil {
		t.Error("cpuset of a CPU that does not exist was accepted")
	}
	assertGone(t, path)
}

func TestDeviceRules(t *testing.T) {
	m := newTestCgroup(t, &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(3)), Access: "rwm"},
	}})
	// /dev/null (1:3) opens, /dev/zero (1:5) does not.
	c := startChild(t, "exec", "/bin/busybox", "sh", "-c",
		"echo x > /dev/null || exit 10; /bin/busybox head -c1 /dev/zero > /dev/null 2>&1 && exit 11; exit 0")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.start()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("device rules not enforced (exit 10: /dev/null denied, 11: /dev/zero allowed): %v", err)
	}
	if mm := m.(*manager); !mm.v2 {
		b, err := os.ReadFile(filepath.Join(mm.lib.Path("devices"), "devices.list"))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(b)); got != "c 1:3 rwm" {
			t.Errorf("devices.list = %q, want only /dev/null", got)
		}
	}
}

// benchCgroup makes a cgroup with a sleeping process in it for the stats
// benchmarks.
func benchCgroup(b *testing.B) Manager {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	path := "/berth-bench-" + fmt.Sprint(os.Getpid())
	m, err := New(path, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr(int64(64 << 20))}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Destroy() })
	cmd := exec.Command("/bin/busybox", "sleep", "60")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if err := m.Apply(cmd.Process.Pid); err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkStats is the cost of one container's stats sample.
func BenchmarkStats(b *testing.B) {
	m := benchCgroup(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Stats(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatsRuncLibrary is the same sample through runc's library
// (GetStats of its fs or fs2 manager), the anchor BenchmarkStats is
// compared with.
func BenchmarkStatsRuncLibrary(b *testing.B) {
	m := benchCgroup(b).(*manager)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.lib.GetStats(); err != nil {
			b.Fatal(err)
		}
	}
}

// Stats keeps its files open between reads; a cgroup removed and made again
// under the same path is read afresh, and Close releases the files.
func TestStatsFilesFollowARecreatedCgroup(t *testing.T) {
	requireCgroups(t)
	path := testPath(t)
	limit := int64(64 << 20)
	m, err := New(path, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}})
	if err != nil {
		t.Fatal(err)
	}
	reader, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if s, err := reader.Stats(); err != nil || s.Memory.Limit != uint64(limit) {
		t.Fatalf("first read: %+v, %v", s, err)
	}
	open := func() int {
		ents, _ := os.ReadDir("/proc/self/fd")
		return len(ents)
	}
	kept := open()
	if _, err := reader.Stats(); err != nil || open() != kept {
		t.Fatalf("a second read opened files: %d then %d (%v)", kept, open(), err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Stats(); !errors.Is(err, ErrNotExist) {
		t.Fatalf("stats of a removed cgroup: %v, want ErrNotExist", err)
	}
	limit2 := int64(32 << 20)
	m2, err := New(path, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit2}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { m2.Destroy(); assertGone(t, path) }()
	if s, err := reader.Stats(); err != nil || s.Memory.Limit != uint64(limit2) {
		t.Fatalf("after the cgroup was made again: %+v, %v", s, err)
	}
	before := open()
	reader.Close()
	if open() >= before {
		t.Errorf("Close kept the files: %d open before, %d after", before, open())
	}
}

// Set writes limits that differ from the last it wrote, and skips the same
// limits again: a cgroup made ahead with the usual limits (see Make) costs
// its container nothing more when those are the container's.
func TestSetSkipsWhatItWroteLast(t *testing.T) {
	requireCgroups(t)
	path := testPath(t)
	m, err := Make(path)
	if err != nil {
		t.Fatal(err)
	}
	destroyAtEnd(t, m, path)
	mm := m.(*manager)
	dir := mm.lib.Path("pids")
	if dir == "" {
		t.Skip("no pids controller to write to")
	}
	limit := func(n int64) *specs.LinuxResources {
		return &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &n}}
	}
	pidsMax := func() string {
		b, err := os.ReadFile(filepath.Join(dir, "pids.max"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	if err := m.Set(limit(100)); err != nil || pidsMax() != "100" {
		t.Fatalf("Set(pids 100): %v, pids.max %s", err, pidsMax())
	}
	// Changed behind the manager's back: the same limits are not written
	// again, other limits are.
	if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte("200"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(limit(100)); err != nil || pidsMax() != "200" {
		t.Fatalf("Set of the same limits again: %v, pids.max %s, want it untouched (200)", err, pidsMax())
	}
	if err := m.Set(limit(150)); err != nil || pidsMax() != "150" {
		t.Fatalf("Set(pids 150): %v, pids.max %s", err, pidsMax())
	}
	if err := m.Set(limit(100)); err != nil || pidsMax() != "100" {
		t.Fatalf("Set(pids 100) after 150: %v, pids.max %s", err, pidsMax())
	}
}

// berth finds a cgroup's directories, from one read of mountinfo, where
// runc's fs driver finds them itself.
func TestV1PathsAsTheDriverFindsThem(t *testing.T) {
	requireCgroups(t)
	if IsV2() {
		t.Skip("the host has the unified hierarchy only")
	}
	path := "/berth-test/paths"
	l, err := fs.NewManager(&lib.Cgroup{Path: path, Resources: &lib.Resources{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, got := l.GetPaths(), v1Paths(path)
	if len(got) != len(want) {
		t.Errorf("%d hierarchies, the driver finds %d:\n%v\n%v", len(got), len(want), got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: %q, the driver finds %q", k, got[k], v)
		}
	}
	if s := unescapeMountinfo(`/mnt/a\040b\134c`); s != `/mnt/a b\c` {
		t.Errorf("unescaped %q", s)
	}
}

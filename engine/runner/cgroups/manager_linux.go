package cgroups

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	lib "github.com/opencontainers/cgroups"
	_ "github.com/opencontainers/cgroups/devices" // device rules: v1 files, v2 eBPF program
	"github.com/opencontainers/cgroups/fs"
	"github.com/opencontainers/cgroups/fs2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// unifiedRoot is where the v2 hierarchy is mounted when it is the host's only
// one.
const unifiedRoot = "/sys/fs/cgroup"

// manager implements Manager on top of runc's fs (v1) and fs2 (v2) drivers.
type manager struct {
	path string
	v2   bool
	lib  lib.Manager

	// freezer is the directory whose state Kill freezes; empty when the
	// host has no freezer (v1 without the freezer hierarchy).
	freezer string
	// procs is the directory whose cgroup.procs lists the group's members.
	procs string

	mu    sync.Mutex // guards stats and serialises Kill
	stats *statsReader

	// set is what Set last wrote, as JSON: the same resources again are
	// not written twice.
	set []byte
}

var _ Manager = (*manager)(nil)

// New creates the cgroup at path, an absolute cgroup path such as
// "/berth/<id>" (an OCI config's linux.cgroupsPath), in every hierarchy of
// the host, and applies r. On failure nothing is left behind.
func New(path string, r *specs.LinuxResources) (Manager, error) {
	res, err := toResources(r, IsV2())
	if err != nil {
		return nil, fmt.Errorf("creating cgroup %s: %w", path, err)
	}
	m, err := create(path, res)
	if err != nil {
		return nil, err
	}
	if err := m.lib.Set(res); err != nil {
		_ = m.lib.Destroy()
		return nil, fmt.Errorf("setting resources of cgroup %s: %w", path, err)
	}
	return m, nil
}

// Make creates the cgroup at path, as New does, with no limits yet: Set
// gives them. It lets a caller make the cgroup while it still works out
// what the limits are.
func Make(path string) (Manager, error) {
	// With the devices hierarchy too: the limits may hold device rules.
	m, err := create(path, &lib.Resources{})
	if err != nil {
		return nil, err // not a nil *manager in a Manager
	}
	return m, nil
}

// create makes the cgroup's directories for a manager of res; on failure
// nothing is left behind.
func create(path string, res *lib.Resources) (*manager, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	m, err := newManager(path, res)
	if err != nil {
		return nil, fmt.Errorf("creating cgroup %s: %w", path, err)
	}
	if err := m.lib.Apply(-1); err != nil {
		_ = m.lib.Destroy()
		return nil, fmt.Errorf("creating cgroup %s: %w", path, err)
	}
	return m, nil
}

// Load returns a Manager for the existing cgroup at path. It returns an
// error wrapping ErrNotExist if there is none.
func Load(path string) (Manager, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	m, err := newManager(path, &lib.Resources{SkipDevices: true})
	if err != nil {
		return nil, fmt.Errorf("loading cgroup %s: %w", path, err)
	}
	if _, err := os.Stat(m.procs); err != nil {
		return nil, fmt.Errorf("loading cgroup %s: %w", path, ErrNotExist)
	}
	return m, nil
}

// IsV2 reports whether the host uses the unified (v2) hierarchy only.
func IsV2() bool { return lib.IsCgroup2UnifiedMode() }

func checkPath(path string) error {
	if !filepath.IsAbs(path) || filepath.Clean(path) != path || path == "/" ||
		strings.Contains(path, "/../") || strings.HasSuffix(path, "/..") {
		return fmt.Errorf("cgroup path %q: want a clean absolute path below the root: %w", path, ErrInvalidPath)
	}
	return nil
}

func newManager(path string, res *lib.Resources) (*manager, error) {
	cg := &lib.Cgroup{Path: path, Resources: res}
	m := &manager{path: path}
	if lib.IsCgroup2UnifiedMode() {
		dir := filepath.Join(unifiedRoot, path)
		l, err := fs2.NewManager(cg, dir)
		if err != nil {
			return nil, err
		}
		m.v2, m.lib = true, l
		m.freezer, m.procs = dir, dir
		m.stats = newStatsReaderV2(dir)
		return m, nil
	}
	l, err := fs.NewManager(cg, v1Paths(path))
	if err != nil {
		return nil, err
	}
	m.lib = l
	paths := l.GetPaths()
	m.freezer = paths["freezer"]
	for _, c := range []string{"freezer", "pids", "memory", "cpu", "devices"} {
		if p := paths[c]; p != "" {
			m.procs = p
			break
		}
	}
	if m.procs == "" {
		return nil, fmt.Errorf("no cgroup v1 hierarchy for freezer, pids, memory, cpu or devices: %w", ErrUnsupported)
	}
	m.stats = newStatsReaderV1(paths)
	return m, nil
}

func (m *manager) Path() string { return m.path }

func (m *manager) Version() int {
	if m.v2 {
		return 2
	}
	return 1
}

func (m *manager) Apply(pid int) error {
	if err := m.lib.Apply(pid); err != nil {
		return fmt.Errorf("adding process %d to cgroup %s: %w", pid, m.path, err)
	}
	return nil
}

// Set writes r; resources equal to those this manager's last Set wrote are
// there already, and are not written again.
func (m *manager) Set(r *specs.LinuxResources) error {
	js, jerr := json.Marshal(r)
	if jerr == nil && m.set != nil && bytes.Equal(js, m.set) {
		return nil
	}
	m.set = nil
	res, err := toResources(r, m.v2)
	if err == nil {
		err = m.lib.Set(res)
	}
	if err != nil {
		return fmt.Errorf("setting resources of cgroup %s: %w", m.path, err)
	}
	if jerr == nil {
		m.set = js
	}
	return nil
}

func (m *manager) Freeze() error {
	if m.freezer == "" {
		return fmt.Errorf("freezing cgroup %s: no freezer: %w", m.path, ErrUnsupported)
	}
	if err := m.lib.Freeze(lib.Frozen); err != nil {
		return fmt.Errorf("freezing cgroup %s: %w", m.path, err)
	}
	return nil
}

func (m *manager) Thaw() error {
	if m.freezer == "" {
		return fmt.Errorf("thawing cgroup %s: no freezer: %w", m.path, ErrUnsupported)
	}
	if err := m.lib.Freeze(lib.Thawed); err != nil {
		return fmt.Errorf("thawing cgroup %s: %w", m.path, err)
	}
	return nil
}

func (m *manager) Frozen() (bool, error) {
	if m.freezer == "" {
		return false, nil
	}
	st, err := m.lib.GetFreezerState()
	if err != nil {
		return false, fmt.Errorf("reading freezer state of cgroup %s: %w", m.path, err)
	}
	return st == lib.Frozen, nil
}

func (m *manager) Procs() ([]int, error) {
	pids, err := lib.GetPids(m.procs)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("listing processes of cgroup %s: %w", m.path, err)
	}
	return pids, nil
}

func (m *manager) Destroy() error {
	m.Close()
	if err := m.Kill(killSignal); err != nil {
		return fmt.Errorf("destroying cgroup %s: %w", m.path, err)
	}
	if err := m.lib.Destroy(); err != nil {
		return fmt.Errorf("removing cgroup %s: %w", m.path, err)
	}
	return nil
}

func (m *manager) OOMKillCount() (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.stats.oomKills()
	if err != nil {
		return 0, fmt.Errorf("reading OOM kills of cgroup %s: %w", m.path, err)
	}
	return n, nil
}

func (m *manager) Stats() (*Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := new(Stats)
	if err := m.stats.read(s); err != nil {
		return nil, fmt.Errorf("reading stats of cgroup %s: %w", m.path, err)
	}
	return s, nil
}

// Close implements Manager.
func (m *manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats.Close()
}

// v1Subsystems are the hierarchies runc's fs driver makes a cgroup in, when
// mounted, in its order.
var v1Subsystems = []string{"cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb",
	"net_cls", "net_prio", "perf_event", "freezer", "rdma", "name=systemd", "misc", ""}

// v1Paths is the directory of cgroup path in each hierarchy, as runc's fs
// driver finds them, from one read of mountinfo: the driver reads it once
// per subsystem, which costs a supervisor most of a millisecond. It
// returns nil, for the driver to look itself, where it finds no cgroup v1
// hierarchy.
func v1Paths(path string) map[string]string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	type mount struct {
		point string
		names []string
	}
	var mounts []mount
	for line := range strings.Lines(string(b)) {
		left, right, ok := strings.Cut(line, " - ")
		f, r := strings.Fields(left), strings.Fields(right)
		if !ok || len(f) < 5 || len(r) < 3 {
			continue
		}
		point := unescapeMountinfo(f[4])
		switch r[0] {
		case "cgroup":
			mounts = append(mounts, mount{point, strings.Split(r[2], ",")})
		case "cgroup2":
			mounts = append(mounts, mount{point, []string{""}})
		}
	}
	if !slices.ContainsFunc(mounts, func(m mount) bool { return m.names[0] != "" }) {
		return nil
	}
	root := filepath.Dir(mounts[0].point)
	if slices.ContainsFunc(mounts, func(m mount) bool { return filepath.Dir(m.point) == unifiedRoot }) {
		root = unifiedRoot
	}
	paths := map[string]string{}
	for _, name := range v1Subsystems {
		for _, m := range mounts {
			if strings.HasPrefix(m.point, root) && slices.Contains(m.names, name) {
				paths[name] = filepath.Join(root, filepath.Base(m.point), path)
				break
			}
		}
	}
	if paths["devices"] == "" {
		return nil // the driver's own error, for the devices hierarchy is required
	}
	return paths
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

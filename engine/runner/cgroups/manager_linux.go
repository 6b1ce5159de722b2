package cgroups

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	l, err := fs.NewManager(cg, nil)
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

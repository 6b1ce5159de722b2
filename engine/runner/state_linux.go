package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Container statuses, as the runtime spec names them.
const (
	StatusCreating = "creating"
	StatusCreated  = "created"
	StatusRunning  = "running"
	StatusStopped  = "stopped"
	StatusPaused   = "paused"
)

// State is a container's state in runc's JSON shape (`berth runtime
// state`), which OCI tools read.
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// WarmCodecs builds the JSON codecs of a container's config and state,
// which encoding/json builds on their first use in a process (about a
// millisecond for the config): a supervisor has them built while it waits
// for its container.
func WarmCodecs() {
	_, _ = json.Marshal(&specs.Spec{})
	_, _ = json.Marshal(&record{})
}

// record is what the runner keeps on disk about a container.
type record struct {
	State
	// PidStart is the init's start time, which tells it from a process
	// that got its pid later.
	PidStart   uint64 `json:"pid_start"`
	CgroupPath string `json:"cgroup_path"`
	Started    bool   `json:"started,omitempty"`
}

// Files in a container's state directory.
const (
	stateFile  = "state.json"
	configFile = "config.json"
	fifoFile   = "exec.fifo"
)

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// procStart reads a process's start time (field 22 of /proc/<pid>/stat).
func procStart(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return strconv.ParseUint(string(f[19]), 10, 64)
}

// alive reports whether the recorded init still runs (and is not a zombie).
func (r *record) alive() bool {
	if r.Pid <= 0 {
		return false
	}
	st, err := procStart(r.Pid)
	if err != nil || st != r.PidStart {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(r.Pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// pidfd opens a pidfd of the recorded init, checking it is still the same
// process.
func (r *record) pidfd() (int, error) {
	if r.Pid <= 0 {
		return -1, fmt.Errorf("container %s: %w", r.ID, ErrNotRunning)
	}
	fd, err := unix.PidfdOpen(r.Pid, 0)
	if err != nil {
		return -1, fmt.Errorf("container %s: %w", r.ID, ErrNotRunning)
	}
	if !r.alive() {
		unix.Close(fd)
		return -1, fmt.Errorf("container %s: %w", r.ID, ErrNotRunning)
	}
	return fd, nil
}

// loadSpec reads the config saved beside the state.
func loadSpec(dir string) (*specs.Spec, error) {
	var s specs.Spec
	if err := readJSON(filepath.Join(dir, configFile), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

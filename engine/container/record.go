// Package container keeps the engine's record of each container under the
// berth root: its configuration and its state, one directory per container,
// written atomically and guarded by a per-container file lock, with names
// kept unique across every berth process at once.
package container

import (
	"time"
)

// Status is a container's state, with docker's names.
type Status string

// The states a container goes through.
const (
	Created    Status = "created"
	Running    Status = "running"
	Paused     Status = "paused"
	Restarting Status = "restarting"
	Removing   Status = "removing"
	Exited     Status = "exited"
	Dead       Status = "dead"
)

// Record is everything the engine keeps about one container.
type Record struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Image is the reference the user gave; ImageID the image it resolved to.
	Image   string `json:"image"`
	ImageID string `json:"image_id"`
	Config  Config `json:"config"`
	State   State  `json:"state"`
	// RestartCount counts restarts made by the restart policy.
	RestartCount int `json:"restart_count,omitempty"`
	// Rootfs is where the container's root filesystem is mounted, and
	// Snapshot the snapshot key behind it.
	Rootfs   string `json:"rootfs,omitempty"`
	Snapshot string `json:"snapshot,omitempty"`
	// Network holds what the network set-up handed out: addresses, ports.
	Network []Endpoint `json:"network,omitempty"`
}

// Config is what `run` and `create` asked for.
type Config struct {
	Cmd        []string          `json:"cmd,omitempty"`
	Entrypoint []string          `json:"entrypoint,omitempty"`
	Env        []string          `json:"env,omitempty"`
	WorkingDir string            `json:"working_dir,omitempty"`
	User       string            `json:"user,omitempty"`
	Hostname   string            `json:"hostname,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Tty        bool              `json:"tty,omitempty"`
	OpenStdin  bool              `json:"open_stdin,omitempty"`
	StopSignal string            `json:"stop_signal,omitempty"`
	// StopTimeout is seconds between the stop signal and SIGKILL; nil means 10.
	StopTimeout *int          `json:"stop_timeout,omitempty"`
	Init        bool          `json:"init,omitempty"`
	AutoRemove  bool          `json:"auto_remove,omitempty"`
	ReadOnly    bool          `json:"read_only,omitempty"`
	Privileged  bool          `json:"privileged,omitempty"`
	CapAdd      []string      `json:"cap_add,omitempty"`
	CapDrop     []string      `json:"cap_drop,omitempty"`
	SecurityOpt []string      `json:"security_opt,omitempty"`
	Restart     RestartPolicy `json:"restart,omitempty"`
	Resources   Resources     `json:"resources,omitempty"`
	Mounts      []Mount       `json:"mounts,omitempty"`
	NetworkMode string        `json:"network_mode,omitempty"`
	Aliases     []string      `json:"aliases,omitempty"`
	// Networks are the user-defined networks joined beside NetworkMode's,
	// by `network connect`.
	Networks    []NetworkRef `json:"networks,omitempty"`
	Ports       []string     `json:"ports,omitempty"`
	PublishAll  bool         `json:"publish_all,omitempty"`
	Healthcheck *Healthcheck `json:"healthcheck,omitempty"`
	// ExtraHosts are --add-host's NAME:IP entries for /etc/hosts.
	ExtraHosts []string `json:"extra_hosts,omitempty"`
	// DNS, DNSSearch and DNSOptions replace the host's resolv.conf lines.
	DNS        []string          `json:"dns,omitempty"`
	DNSSearch  []string          `json:"dns_search,omitempty"`
	DNSOptions []string          `json:"dns_options,omitempty"`
	Sysctls    map[string]string `json:"sysctls,omitempty"`
	Ulimits    []Ulimit          `json:"ulimits,omitempty"`
	// GroupAdd are supplementary groups, by name or number.
	GroupAdd []string `json:"group_add,omitempty"`
	// ShmSize is /dev/shm's size in bytes; 0 is docker's 64 MiB.
	ShmSize int64 `json:"shm_size,omitempty"`
}

// Ulimit is one --ulimit: an OCI rlimit type with its limits.
type Ulimit struct {
	Type string `json:"type"`
	Soft uint64 `json:"soft"`
	Hard uint64 `json:"hard"`
}

// RestartPolicy is docker's --restart: no, always, unless-stopped, on-failure[:N].
type RestartPolicy struct {
	Name       string `json:"name,omitempty"`
	MaxRetries int    `json:"max_retries,omitempty"`
}

// Resources are the container's limits.
type Resources struct {
	Memory     int64   `json:"memory,omitempty"`
	CPUs       float64 `json:"cpus,omitempty"`
	CpusetCpus string  `json:"cpuset_cpus,omitempty"`
	PidsLimit  int64   `json:"pids_limit,omitempty"`
}

// Mount is a bind mount, a named volume or a tmpfs.
type Mount struct {
	Type     string   `json:"type"` // bind, volume, tmpfs
	Source   string   `json:"source,omitempty"`
	Target   string   `json:"target"`
	ReadOnly bool     `json:"read_only,omitempty"`
	Options  []string `json:"options,omitempty"`
}

// Healthcheck is the image's HEALTHCHECK or the --health-* flags.
type Healthcheck struct {
	Test        []string      `json:"test,omitempty"`
	Interval    time.Duration `json:"interval,omitempty"`
	Timeout     time.Duration `json:"timeout,omitempty"`
	StartPeriod time.Duration `json:"start_period,omitempty"`
	Retries     int           `json:"retries,omitempty"`
}

// NetworkRef is a further network a container is on, with its names there.
type NetworkRef struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
}

// Endpoint is the container's place on one network.
type Endpoint struct {
	Network string `json:"network"`
	// Ifname is the interface inside the container: eth0 on the first
	// network, eth1 and on for the others.
	Ifname   string   `json:"ifname,omitempty"`
	IP       string   `json:"ip,omitempty"`
	Gateway  string   `json:"gateway,omitempty"`
	MAC      string   `json:"mac,omitempty"`
	HostVeth string   `json:"host_veth,omitempty"`
	Ports    []string `json:"ports,omitempty"`
}

// State is what the container is doing now, and how its last run ended.
type State struct {
	Status Status `json:"status"`
	Pid    int    `json:"pid,omitempty"`
	// PidStart is the process's start time in clock ticks since boot: with
	// Pid it names the process for good, even once the pid is reused.
	PidStart uint64 `json:"pid_start,omitempty"`
	// SupervisorPid is the berth process that holds the container's stdio.
	SupervisorPid int       `json:"supervisor_pid,omitempty"`
	StartedAt     time.Time `json:"started_at,omitempty"`
	FinishedAt    time.Time `json:"finished_at,omitempty"`
	ExitCode      int       `json:"exit_code"`
	OOMKilled     bool      `json:"oom_killed,omitempty"`
	Error         string    `json:"error,omitempty"`
	// Health is starting, healthy or unhealthy when a healthcheck is set.
	Health        string `json:"health,omitempty"`
	FailingStreak int    `json:"failing_streak,omitempty"`
	// HealthLog keeps the last five health check results.
	HealthLog []HealthResult `json:"health_log,omitempty"`
	// StoppedByUser marks a stop the restart policy must not undo.
	StoppedByUser bool `json:"stopped_by_user,omitempty"`
}

// HealthResult is one health check run.
type HealthResult struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	ExitCode int       `json:"exit_code"`
	Output   string    `json:"output"`
}

// ShortID is the 12-character ID docker prints.
func (r *Record) ShortID() string {
	if len(r.ID) > 12 {
		return r.ID[:12]
	}
	return r.ID
}

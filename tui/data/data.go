// Package data holds the plain values the workbench shows: rows of
// containers, images, layers and events, samples of stats and lines of logs.
// The engine adapter fills them; the panes only read them.
package data

import "time"

// ContainerRow is one container as the Containers pane lists it.
type ContainerRow struct {
	ID        string
	Name      string
	Image     string
	Status    string // created, running, paused, restarting, exited, dead
	Health    string // "", starting, healthy, unhealthy
	ExitCode  int
	Created   time.Time
	StartedAt time.Time // zero when never started
	Ports     []string  // "0.0.0.0:8080->80/tcp"
	IP        string
	CPU       float64 // percent of one core, from the latest sample
	Mem       uint64  // bytes in use, from the latest sample
	MemLimit  uint64  // bytes; 0 when unlimited
}

// Running reports whether the container's process is alive.
func (c ContainerRow) Running() bool { return c.Status == "running" || c.Status == "paused" }

// ImageRow is one image as the Images pane lists it.
type ImageRow struct {
	ID         string
	Tags       []string
	Size       uint64 // bytes of all layers
	SharedSize uint64 // bytes of layers other images also use
	UniqueSize uint64 // bytes of layers only this image uses
	Layers     int
	Created    time.Time
	Dangling   bool
	Containers int // containers using the image
}

// StatsSample is one reading of a container's resource use.
type StatsSample struct {
	ID       string
	Time     time.Time
	CPU      float64 // percent of one core
	CPULimit float64 // percent; 0 when unlimited
	Mem      uint64
	MemLimit uint64 // 0 when unlimited
	// HostMem is the host's total memory: what a container without a
	// limit can use, and the limit docker stats shows for it.
	HostMem   uint64
	NetRx     uint64 // cumulative bytes
	NetTx     uint64
	BlkRead   uint64 // cumulative bytes
	BlkWrite  uint64
	Pids      uint64
	PidsMax   uint64 // 0 when unlimited
	Throttled uint64 // cumulative periods throttled
	OOMKills  uint64 // cumulative
}

// EventRow is one entry of the engine's event journal.
type EventRow struct {
	Time   time.Time
	Type   string // container, image, network, volume
	Action string // create, start, die, ...
	ID     string
	Name   string
	Attrs  map[string]string
}

// Stream names a log line's stream.
type Stream string

// The streams of a container's output.
const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

// LogLine is one line of a container's output.
type LogLine struct {
	ContainerID string
	Name        string
	Time        time.Time
	Stream      Stream
	Text        string
}

// LogOptions says which logs to stream.
type LogOptions struct {
	Follow bool
	Tail   int // lines of history; negative for all
}

// LayerRow is one layer of an image as the Layers pane lists it.
type LayerRow struct {
	Digest  string
	Command string // the history entry that made it
	Size    uint64
	Tree    *FileNode // the layer's own changes
	Image   *FileNode // the image's tree up to and including this layer
}

// Change marks what a layer did to a path.
type Change int

// The changes a layer makes to a path.
const (
	Unchanged Change = iota
	Added
	Modified
	Removed
)

// FileNode is a node of a layer's file tree.
type FileNode struct {
	Name     string
	Size     uint64 // for a directory, the sum of its children
	Dir      bool
	Mode     string // "drwxr-xr-x"
	Change   Change
	Children []*FileNode
}

// LayerAnalysis is an image's layers with dive's efficiency figures.
type LayerAnalysis struct {
	ImageID    string
	Ref        string
	Layers     []LayerRow
	Efficiency float64 // 0..1
	Wasted     uint64  // bytes
	// Files wasted, largest first: paths that a later layer overwrote or
	// removed.
	WastedFiles []WastedFile
}

// WastedFile is a path whose bytes are stored more than once.
type WastedFile struct {
	Path   string
	Count  int
	Wasted uint64
}

// NamespaceInfo is what the Namespaces pane explains for one container.
type NamespaceInfo struct {
	ContainerID string
	Name        string
	Namespaces  []Namespace
	Processes   []Process
	Mounts      []Mount
	Cgroup      Cgroup
	Network     Network
}

// Namespace is one namespace kind with the container's and the host's
// identities, as in /proc/PID/ns ("net:[4026532281]").
type Namespace struct {
	Kind      string // mnt, uts, ipc, pid, net, user, cgroup, time
	Container string
	Host      string
}

// Process is a process of the container, with its pid in both namespaces.
type Process struct {
	HostPID      int
	ContainerPID int
	User         string
	Command      string
}

// Mount is one mount of the container.
type Mount struct {
	Target  string
	Source  string
	Type    string
	Options string
	Layers  []string // for the overlay rootfs: lowerdirs, top first
}

// Cgroup is the container's cgroup with limits and current use.
type Cgroup struct {
	Path      string
	CPUQuota  float64 // cores; 0 when unlimited
	CPUUsage  float64 // percent of one core
	MemLimit  uint64
	MemUsage  uint64
	PidsLimit uint64
	PidsCount uint64
}

// Network is the container's network identity.
type Network struct {
	HostVeth      string
	ContainerVeth string
	Bridge        string
	IP            string
	Gateway       string
	Ports         []string
	// Traffic counts what came through each published port.
	Traffic []PortTraffic
}

// PortTraffic is one published port's counters from berth's nftables
// rules: the rule sees the first packet of each connection, later ones
// follow the connection tracker.
type PortTraffic struct {
	Port        string // "8080->80/tcp"
	Connections uint64
	Bytes       uint64 // bytes of the connections' first packets
}

// RunSpec is what the run form asks for. Lists hold docker's flag syntax
// ("8080:80", "KEY=value", "data:/var/lib/data"); the engine parses them as
// it parses `berth run`'s flags.
type RunSpec struct {
	Image   string
	Name    string
	Ports   []string
	Env     []string
	Volumes []string
	Memory  string // "256m"; empty for no limit
	CPUs    string // "1.5"; empty for no limit
	Command []string
}

// DevEvent is one thing the dev loop reports: the service up, a reload (with
// its stages), a line of build output or of the container's logs, or a
// problem.
type DevEvent struct {
	Time time.Time
	Kind DevKind
	// N numbers reloads; Action and Paths say what a reload did and how many
	// changed paths it covered.
	N      int
	Action string
	Paths  int
	Stages []DevStage
	Total  time.Duration
	// Text is the line (build, log, up) or the error of a failed reload.
	Text string
}

// DevKind says what a DevEvent reports.
type DevKind int

// The kinds of dev events.
const (
	DevUp DevKind = iota
	DevReload
	DevFailed
	DevBuild
	DevLog
	DevWarn
)

// DevStage is one timed stage of a reload.
type DevStage struct {
	Name     string
	Duration time.Duration
}

// CommitSpec is what the commit form asks for: the new image's name (empty
// for an unnamed image), and the message and author its history records.
type CommitSpec struct {
	Ref     string
	Message string
	Author  string
}

// The archive formats an image is saved in.
const (
	FormatDockerArchive = "docker-archive"
	FormatOCIArchive    = "oci-archive"
)

// SaveSpec is what the save form asks for: the file to write and its
// format, FormatDockerArchive or FormatOCIArchive.
type SaveSpec struct {
	Path   string
	Format string
}

package runner

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine/runner/seccomp"
)

// DefaultCaps are the capabilities docker grants a container by default.
var DefaultCaps = []string{
	"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_MKNOD",
	"CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
}

// MaskedPaths are the paths docker hides from a container: /dev/null over
// files, an empty read-only tmpfs over directories.
var MaskedPaths = []string{
	"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap",
}

// ReadonlyPaths are the paths docker makes read-only in a container.
var ReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}

// DefaultPath is the PATH a container gets when its image sets none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// DefaultSpec returns the config berth writes for every container before
// the image and the run options adjust it: docker's defaults for mounts,
// namespaces, capabilities, masked and read-only paths, device rules and the
// seccomp profile. no_new_privs is off, as in docker, since setuid programs
// in images rely on it.
func DefaultSpec() *specs.Spec {
	caps := append([]string(nil), DefaultCaps...)
	return &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs"},
		Process: &specs.Process{
			Args: []string{"sh"},
			Env:  []string{"PATH=" + DefaultPath},
			Cwd:  "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Permitted: caps, Effective: caps,
			},
		},
		Hostname: "berth",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro", "nosuid", "noexec", "nodev"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}, {Type: specs.UTSNamespace},
				{Type: specs.IPCNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.CgroupNamespace},
			},
			Resources:     &specs.LinuxResources{Devices: DefaultDeviceRules()},
			MaskedPaths:   append([]string(nil), MaskedPaths...),
			ReadonlyPaths: append([]string(nil), ReadonlyPaths...),
			Seccomp:       seccomp.Default(caps),
		},
	}
}

// DefaultDeviceRules are docker's device cgroup rules: everything denied but
// mknod, the standard character devices, terminals and /dev/net/tun.
func DefaultDeviceRules() []specs.LinuxDeviceCgroup {
	// A missing major or minor means any, which every runtime reads alike.
	dev := func(major int64, minor *int64) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &major, Minor: minor, Access: "rwm"}
	}
	n := func(v int64) *int64 { return &v }
	return []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Access: "m"},
		{Allow: true, Type: "b", Access: "m"},
		dev(1, n(3)), dev(1, n(8)), dev(1, n(7)), dev(5, n(0)), dev(1, n(5)), dev(1, n(9)), dev(136, nil), dev(5, n(2)), dev(10, n(200)),
	}
}

// device is a node every container gets in its /dev.
type device struct {
	path         string
	major, minor uint32
	mode         uint32
}

// defaultDevices are the nodes made in every container's /dev, as runc
// does whatever the config lists.
var defaultDevices = []device{
	{"/dev/null", 1, 3, 0o666}, {"/dev/zero", 1, 5, 0o666}, {"/dev/full", 1, 7, 0o666},
	{"/dev/random", 1, 8, 0o666}, {"/dev/urandom", 1, 9, 0o666}, {"/dev/tty", 5, 0, 0o666},
}

// InitAnnotation, set to "true" in a config, makes the container's init
// stay on as its pid 1 (what `docker run --init` asks for) instead of
// becoming the workload: see shim in nsenter/init.c.
const InitAnnotation = "org.berth.init"

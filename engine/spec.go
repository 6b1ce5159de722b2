package engine

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/container"
)

// cpuPeriod is the CFS period `--cpus` is turned into a quota over, as docker does.
const cpuPeriod = 100000

// allCaps is every capability, in the order of their numbers.
var allCaps = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"}

// SpecFiles are the host files a container gets bind-mounted over its own:
// /etc/hosts, /etc/hostname, /etc/resolv.conf. Empty ones are left out.
type SpecFiles struct {
	Hosts, Hostname, ResolvConf string
}

// ApplyRecord turns base, the runner's hardened default config, into the
// config of one container: its process, mounts, limits and security options
// as the record asks. rootfs is the mounted root filesystem, volumes the
// directory holding named volumes.
func ApplyRecord(base *specs.Spec, rec *container.Record, rootfs, volumesDir string, files SpecFiles) (*specs.Spec, error) {
	s := base
	c := rec.Config
	if s.Process == nil {
		s.Process = &specs.Process{}
	}
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
	s.Root = &specs.Root{Path: rootfs, Readonly: c.ReadOnly}
	s.Hostname = c.Hostname
	p := s.Process
	p.Args = Argv(c)
	p.Env = c.Env
	p.Cwd = c.WorkingDir
	p.Terminal = c.Tty
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	user, home, err := ResolveUser(rootfs, c.User)
	if err != nil {
		return nil, err
	}
	if len(c.GroupAdd) > 0 {
		gids, err := ResolveGroups(rootfs, c.GroupAdd)
		if err != nil {
			return nil, err
		}
		user.AdditionalGids = append(user.AdditionalGids, gids...)
	}
	p.User = user
	if home != "" && !hasEnv(p.Env, "HOME") {
		p.Env = append(p.Env, "HOME="+home)
	}
	for _, u := range c.Ulimits {
		p.Rlimits = slices.DeleteFunc(p.Rlimits, func(r specs.POSIXRlimit) bool { return r.Type == u.Type })
		p.Rlimits = append(p.Rlimits, specs.POSIXRlimit{Type: u.Type, Soft: u.Soft, Hard: u.Hard})
	}
	if len(c.Sysctls) > 0 {
		s.Linux.Sysctl = maps.Clone(c.Sysctls)
	}
	if c.ShmSize > 0 {
		for i, m := range s.Mounts {
			if m.Destination == "/dev/shm" && m.Type == "tmpfs" {
				opts := slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return strings.HasPrefix(o, "size=") })
				s.Mounts[i].Options = append(opts, fmt.Sprintf("size=%dk", (c.ShmSize+1023)/1024))
			}
		}
	}
	s.Linux.CgroupsPath = CgroupPath(rec.ID)
	if err := applyResources(s, c.Resources); err != nil {
		return nil, err
	}
	if err := applySecurity(s, c); err != nil {
		return nil, err
	}
	applyNetworkMode(s, c.NetworkMode)
	mounts, err := containerMounts(c.Mounts, volumesDir)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct{ src, dst string }{{files.Hosts, "/etc/hosts"}, {files.Hostname, "/etc/hostname"}, {files.ResolvConf, "/etc/resolv.conf"}} {
		if f.src != "" {
			mounts = append(mounts, specs.Mount{Destination: f.dst, Type: "bind", Source: f.src, Options: []string{"rbind", "rprivate"}})
		}
	}
	s.Mounts = mergeMounts(s.Mounts, mounts)
	return s, nil
}

func applyResources(s *specs.Spec, r container.Resources) error {
	if s.Linux.Resources == nil {
		s.Linux.Resources = &specs.LinuxResources{}
	}
	lr := s.Linux.Resources
	if r.Memory < 0 {
		return fmt.Errorf("invalid memory limit %d", r.Memory)
	}
	if r.Memory > 0 {
		if r.Memory < 6<<20 {
			return fmt.Errorf("minimum memory limit allowed is 6MB, got %d bytes", r.Memory)
		}
		m := r.Memory
		lr.Memory = &specs.LinuxMemory{Limit: &m}
	}
	if r.CPUs > 0 {
		quota, period := int64(r.CPUs*cpuPeriod), uint64(cpuPeriod)
		if lr.CPU == nil {
			lr.CPU = &specs.LinuxCPU{}
		}
		lr.CPU.Quota, lr.CPU.Period = &quota, &period
	}
	if r.CpusetCpus != "" {
		if lr.CPU == nil {
			lr.CPU = &specs.LinuxCPU{}
		}
		lr.CPU.Cpus = r.CpusetCpus
	}
	if r.PidsLimit != 0 {
		n := r.PidsLimit
		lr.Pids = &specs.LinuxPids{Limit: &n}
	}
	return nil
}

// applySecurity applies --privileged, --cap-add/--cap-drop and --security-opt.
func applySecurity(s *specs.Spec, c container.Config) error {
	p := s.Process
	if p.Capabilities == nil {
		p.Capabilities = &specs.LinuxCapabilities{}
	}
	caps := p.Capabilities.Bounding
	if c.Privileged {
		caps = heldCaps()
		s.Linux.Seccomp = nil
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
		s.Linux.Resources.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
	}
	var err error
	if caps, err = adjustCaps(caps, c.CapAdd, c.CapDrop); err != nil {
		return err
	}
	p.Capabilities.Bounding, p.Capabilities.Permitted, p.Capabilities.Effective = caps, caps, caps
	p.Capabilities.Inheritable, p.Capabilities.Ambient = nil, nil
	for _, o := range c.SecurityOpt {
		k, v, _ := strings.Cut(o, "=")
		if !strings.Contains(o, "=") {
			k, v, _ = strings.Cut(o, ":")
		}
		switch k {
		case "no-new-privileges":
			p.NoNewPrivileges = v == "" || v == "true"
		case "seccomp":
			if v != "unconfined" {
				return fmt.Errorf("invalid --security-opt %q: only seccomp=unconfined is supported", o)
			}
			s.Linux.Seccomp = nil
		case "apparmor", "label":
			// Not on this host's kernel configuration; accepted as docker does where absent.
		default:
			return fmt.Errorf("invalid --security-opt %q", o)
		}
	}
	return nil
}

// heldCaps is what --privileged gives: every capability that berth itself
// holds in its bounding set. A container cannot be given one its runtime
// lacks (a host may withhold some, CAP_SYS_RESOURCE in some sandboxes), and
// asking for it would fail the container's start.
func heldCaps() []string {
	var held []string
	for i, c := range allCaps {
		if ok, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(i), 0, 0, 0); err != nil || ok == 1 {
			held = append(held, c)
		}
	}
	return held
}

// adjustCaps applies --cap-add and --cap-drop (names with or without CAP_,
// and ALL) to a capability set.
func adjustCaps(caps, add, drop []string) ([]string, error) {
	set := map[string]bool{}
	for _, c := range caps {
		set[c] = true
	}
	norm := func(c string) (string, error) {
		c = strings.ToUpper(c)
		if c == "ALL" {
			return c, nil
		}
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		for _, k := range allCaps {
			if k == c {
				return c, nil
			}
		}
		return "", fmt.Errorf("unknown capability %q", c)
	}
	for _, d := range drop {
		n, err := norm(d)
		if err != nil {
			return nil, err
		}
		if n == "ALL" {
			set = map[string]bool{}
			continue
		}
		delete(set, n)
	}
	for _, a := range add {
		n, err := norm(a)
		if err != nil {
			return nil, err
		}
		if n == "ALL" {
			for _, k := range allCaps {
				set[k] = true
			}
			continue
		}
		set[n] = true
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out, nil
}

// applyNetworkMode gives the container a network namespace of its own unless
// it shares the host's.
func applyNetworkMode(s *specs.Spec, mode string) {
	var ns []specs.LinuxNamespace
	for _, n := range s.Linux.Namespaces {
		if n.Type != specs.NetworkNamespace {
			ns = append(ns, n)
		}
	}
	if mode != "host" {
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	}
	s.Linux.Namespaces = ns
}

// containerMounts turns the record's volumes, binds and tmpfs mounts into
// OCI mounts.
func containerMounts(ms []container.Mount, volumesDir string) ([]specs.Mount, error) {
	var out []specs.Mount
	for _, m := range ms {
		opts := []string{"rbind"}
		var src, typ string
		switch m.Type {
		case "bind":
			src, typ = m.Source, "bind"
		case "volume":
			src, typ = filepath.Join(volumesDir, m.Source, "_data"), "bind"
		case "tmpfs":
			typ, src, opts = "tmpfs", "tmpfs", []string{"nosuid", "nodev", "noexec"}
		default:
			return nil, fmt.Errorf("mount %s: unknown type %q", m.Target, m.Type)
		}
		prop := "rprivate"
		for _, o := range m.Options {
			switch o {
			case "private", "rprivate", "shared", "rshared", "slave", "rslave":
				prop = o
			case "anonymous", "nocopy":
			default:
				opts = append(opts, o)
			}
		}
		if typ == "bind" {
			opts = append(opts, prop)
		}
		if m.ReadOnly {
			opts = append(opts, "ro")
		} else {
			opts = append(opts, "rw")
		}
		out = append(out, specs.Mount{Destination: m.Target, Type: typ, Source: src, Options: opts})
	}
	return out, nil
}

// mergeMounts lets the container's mounts replace the defaults at the same
// destination (a tmpfs at /dev/shm, say) and adds the rest after them.
func mergeMounts(defaults, own []specs.Mount) []specs.Mount {
	taken := map[string]bool{}
	for _, m := range own {
		taken[filepath.Clean(m.Destination)] = true
	}
	var out []specs.Mount
	for _, m := range defaults {
		if !taken[filepath.Clean(m.Destination)] {
			out = append(out, m)
		}
	}
	return append(out, own...)
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}

package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsFlags maps namespace types to their clone flags.
var nsFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace: unix.CLONE_NEWPID, specs.MountNamespace: unix.CLONE_NEWNS,
	specs.UTSNamespace: unix.CLONE_NEWUTS, specs.IPCNamespace: unix.CLONE_NEWIPC,
	specs.NetworkNamespace: unix.CLONE_NEWNET, specs.CgroupNamespace: unix.CLONE_NEWCGROUP,
	specs.UserNamespace: unix.CLONE_NEWUSER, specs.TimeNamespace: unix.CLONE_NEWTIME,
}

// nsFiles names the /proc/<pid>/ns entry of each namespace type.
var nsFiles = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace: "pid", specs.MountNamespace: "mnt", specs.UTSNamespace: "uts",
	specs.IPCNamespace: "ipc", specs.NetworkNamespace: "net", specs.CgroupNamespace: "cgroup",
	specs.UserNamespace: "user", specs.TimeNamespace: "time",
}

// rlimitTypes maps the config's rlimit names to their resource numbers.
var rlimitTypes = map[string]int{
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK,
}

// Validate checks that spec can be run on this machine, rootfs being the
// resolved root filesystem. Each error names the config field at fault and
// wraps ErrInvalidConfig.
func Validate(spec *specs.Spec, rootfs string) error {
	if !strings.HasPrefix(spec.Version, "1.") {
		return invalid("ociVersion", "%q is not a runtime-spec 1.x version", spec.Version)
	}
	if spec.Root == nil || spec.Root.Path == "" {
		return invalid("root.path", "missing")
	}
	if fi, err := os.Stat(rootfs); err != nil {
		return invalid("root.path", "%v", err)
	} else if !fi.IsDir() {
		return invalid("root.path", "%s is not a directory", rootfs)
	}
	if spec.Linux == nil {
		return invalid("linux", "missing")
	}
	if err := validateProcess(spec.Process, "process"); err != nil {
		return err
	}
	if _, err := namespaceFlags(spec.Linux.Namespaces); err != nil {
		return err
	}
	if spec.Hostname != "" && !hasNamespace(spec, specs.UTSNamespace) {
		return invalid("hostname", "needs a UTS namespace of the container's own")
	}
	for i, m := range spec.Mounts {
		if !filepath.IsAbs(m.Destination) {
			return invalid(fmt.Sprintf("mounts[%d].destination", i), "%q is not absolute", m.Destination)
		}
	}
	for k := range spec.Linux.Sysctl {
		if !sysctlAllowed(k, spec) {
			return invalid("linux.sysctl", "%q is not namespaced, or its namespace is the host's", k)
		}
	}
	return nil
}

// validateProcess checks a process's fields; field prefixes error names.
func validateProcess(p *specs.Process, field string) error {
	if p == nil {
		return invalid(field, "missing")
	}
	if len(p.Args) == 0 || p.Args[0] == "" {
		return invalid(field+".args", "no command")
	}
	if !filepath.IsAbs(p.Cwd) {
		return invalid(field+".cwd", "%q is not absolute", p.Cwd)
	}
	if c := p.Capabilities; c != nil {
		for name, set := range map[string][]string{"bounding": c.Bounding, "effective": c.Effective,
			"permitted": c.Permitted, "inheritable": c.Inheritable, "ambient": c.Ambient} {
			if _, err := capSet(field+".capabilities."+name, set); err != nil {
				return err
			}
		}
	}
	return checkRlimits(p.Rlimits, field+".rlimits")
}

// checkRlimits refuses rlimits the process cannot be given: without
// CAP_SYS_RESOURCE no limit may be raised above the current hard limit.
func checkRlimits(rl []specs.POSIXRlimit, field string) error {
	canRaise := hasCap(unix.CAP_SYS_RESOURCE)
	for _, r := range rl {
		res, ok := rlimitTypes[r.Type]
		if !ok {
			return invalid(field, "unknown rlimit %q", r.Type)
		}
		if r.Soft > r.Hard {
			return invalid(field, "%s soft limit %d is above its hard limit %d", r.Type, r.Soft, r.Hard)
		}
		var cur unix.Rlimit
		if err := unix.Getrlimit(res, &cur); err != nil {
			return fmt.Errorf("%s: reading %s: %w", field, r.Type, err)
		}
		if r.Hard > cur.Max && !canRaise {
			return invalid(field, "%s hard limit %d is above this machine's %d, and berth lacks CAP_SYS_RESOURCE to raise it", r.Type, r.Hard, cur.Max)
		}
	}
	return nil
}

// namespaceFlags returns the clone flags of the namespaces to create, and
// refuses unknown types, duplicates and joins this runner cannot make.
func namespaceFlags(nss []specs.LinuxNamespace) (uintptr, error) {
	var flags uintptr
	seen := map[specs.LinuxNamespaceType]bool{}
	for i, n := range nss {
		field := fmt.Sprintf("linux.namespaces[%d]", i)
		f, ok := nsFlags[n.Type]
		if !ok {
			return 0, invalid(field+".type", "unknown namespace %q", n.Type)
		}
		if seen[n.Type] {
			return 0, invalid(field+".type", "namespace %q listed twice", n.Type)
		}
		seen[n.Type] = true
		switch n.Type {
		case specs.UserNamespace, specs.TimeNamespace:
			return 0, invalid(field+".type", "%s namespaces are not supported yet", n.Type)
		}
		if n.Path != "" {
			switch n.Type {
			case specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace:
				if _, err := os.Stat(n.Path); err != nil {
					return 0, invalid(field+".path", "%v", err)
				}
			default:
				return 0, invalid(field+".path", "joining an existing %s namespace at create is not supported", n.Type)
			}
			continue
		}
		flags |= f
	}
	if !seen[specs.MountNamespace] {
		return 0, invalid("linux.namespaces", "a mount namespace is required")
	}
	return flags, nil
}

func hasNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	for _, n := range s.Linux.Namespaces {
		if n.Type == t && n.Path == "" {
			return true
		}
	}
	return false
}

// sysctlAllowed reports whether sysctl k belongs to a namespace the
// container has of its own, as runc checks.
func sysctlAllowed(k string, s *specs.Spec) bool {
	switch {
	case k == "kernel.hostname" || k == "kernel.domainname":
		return hasNamespace(s, specs.UTSNamespace)
	case strings.HasPrefix(k, "net."):
		return notHosts(s, specs.NetworkNamespace)
	case strings.HasPrefix(k, "fs.mqueue.") || strings.HasPrefix(k, "kernel.msg") ||
		strings.HasPrefix(k, "kernel.sem") || strings.HasPrefix(k, "kernel.shm"):
		return notHosts(s, specs.IPCNamespace)
	}
	return false
}

// notHosts reports whether the container gets a namespace of type t that
// is not berth's own: a new one, or one it joins by path (berth makes a
// container's network namespace beforehand) that is another.
func notHosts(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	for _, n := range s.Linux.Namespaces {
		if n.Type != t {
			continue
		}
		if n.Path == "" {
			return true
		}
		own, ok := berthsNamespace(n.Path, t)
		return ok && !own
	}
	return false
}

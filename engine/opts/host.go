package opts

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine/container"
)

// HostGateway is --add-host's stand-in for the address of the host on the
// container's first network, as docker names it.
const HostGateway = "host-gateway"

// ParseExtraHost reads an --add-host value, NAME:IP or NAME=IP (IP may be
// an IPv6 address or host-gateway), into NAME:IP.
func ParseExtraHost(s string) (string, error) {
	name, ip, ok := strings.Cut(s, "=")
	if !ok {
		name, ip, ok = strings.Cut(s, ":")
	}
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return "", fmt.Errorf("invalid --add-host %q: want NAME:IP", s)
	}
	ip = strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")
	if ip != HostGateway {
		if _, err := netip.ParseAddr(ip); err != nil {
			return "", fmt.Errorf("invalid --add-host %q: %q is not an IP address", s, ip)
		}
	}
	return name + ":" + ip, nil
}

// ParseDNS checks a --dns value: an IP address.
func ParseDNS(s string) (string, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", fmt.Errorf("invalid --dns %q: not an IP address", s)
	}
	return a.String(), nil
}

// namespacedSysctls are the sysctls a container's own namespaces hold
// (besides net.*, fs.mqueue.* and kernel.shm*/msg*): the only ones --sysctl
// may set, as docker allows.
var namespacedSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
	"kernel.domainname": true,
}

// ParseSysctls reads --sysctl KEY=VALUE values. Keys outside the container's
// namespaces are refused: setting them would change the host.
func ParseSysctls(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid --sysctl %q: want KEY=VALUE", v)
		}
		k = strings.ReplaceAll(k, "/", ".")
		if !namespacedSysctls[k] && !strings.HasPrefix(k, "net.") && !strings.HasPrefix(k, "fs.mqueue.") {
			return nil, fmt.Errorf("invalid --sysctl %q: %s is not namespaced, so a container may not set it", v, k)
		}
		out[k] = val
	}
	return out, nil
}

// ulimitNames are --ulimit's names, as docker spells them.
var ulimitNames = map[string]string{
	"as": "RLIMIT_AS", "core": "RLIMIT_CORE", "cpu": "RLIMIT_CPU", "data": "RLIMIT_DATA", "fsize": "RLIMIT_FSIZE",
	"locks": "RLIMIT_LOCKS", "memlock": "RLIMIT_MEMLOCK", "msgqueue": "RLIMIT_MSGQUEUE", "nice": "RLIMIT_NICE",
	"nofile": "RLIMIT_NOFILE", "nproc": "RLIMIT_NPROC", "rss": "RLIMIT_RSS", "rtprio": "RLIMIT_RTPRIO",
	"rttime": "RLIMIT_RTTIME", "sigpending": "RLIMIT_SIGPENDING", "stack": "RLIMIT_STACK",
}

// ParseUlimit reads an --ulimit value, NAME=SOFT[:HARD] (-1 or unlimited
// for no limit), into an rlimit.
func ParseUlimit(s string) (container.Ulimit, error) {
	name, limits, ok := strings.Cut(s, "=")
	typ, known := ulimitNames[name]
	if !ok || !known {
		return container.Ulimit{}, fmt.Errorf("invalid --ulimit %q: want NAME=SOFT[:HARD] with NAME one of core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack, as", s)
	}
	softText, hardText, hasHard := strings.Cut(limits, ":")
	if !hasHard {
		hardText = softText
	}
	soft, err1 := parseLimit(softText)
	hard, err2 := parseLimit(hardText)
	if err1 != nil || err2 != nil {
		return container.Ulimit{}, fmt.Errorf("invalid --ulimit %q: limits are numbers, -1 or unlimited", s)
	}
	if soft > hard {
		return container.Ulimit{}, fmt.Errorf("invalid --ulimit %q: soft limit %s is above hard limit %s", s, softText, hardText)
	}
	return container.Ulimit{Type: typ, Soft: soft, Hard: hard}, nil
}

func parseLimit(s string) (uint64, error) {
	if s == "-1" || s == "unlimited" {
		return math.MaxUint64, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// ParseExpose reads an --expose value, PORT[/PROTO] or a range
// START-END[/PROTO], into the ports it names, each PORT/PROTO.
func ParseExpose(s string) ([]string, error) {
	ports, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return nil, fmt.Errorf("invalid --expose %q: protocol %q is not tcp, udp or sctp", s, proto)
	}
	first, last, isRange := strings.Cut(ports, "-")
	if !isRange {
		last = first
	}
	lo, err1 := strconv.ParseUint(first, 10, 16)
	hi, err2 := strconv.ParseUint(last, 10, 16)
	if err1 != nil || err2 != nil || lo == 0 || hi < lo {
		return nil, fmt.Errorf("invalid --expose %q: want PORT[/PROTO] or START-END[/PROTO] with ports 1-65535", s)
	}
	var out []string
	for p := lo; p <= hi; p++ {
		out = append(out, fmt.Sprintf("%d/%s", p, proto))
	}
	return out, nil
}

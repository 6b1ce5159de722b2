// Package netsetup gives containers networks and published ports: bridge
// networks and their state, address leases, veth pairs (netlink), NAT and
// published ports in berth's own nftables table, and the name-resolution
// files containers get.
package netsetup

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// PortMapping publishes one container port on the host. HostPort 0 means a
// free host port is chosen when the container starts.
type PortMapping struct {
	HostIP        netip.Addr // zero value: every address
	HostPort      uint16
	ContainerPort uint16
	Protocol      string // "tcp" or "udp"
}

// ParsePorts parses -p values of the forms containerPort, hostPort:containerPort
// and hostIP:hostPort:containerPort (hostPort may be empty), each optionally
// followed by /tcp or /udp, where any port may be a range lo-hi.
func ParsePorts(specs []string) ([]PortMapping, error) {
	var out []PortMapping
	for _, s := range specs {
		m, err := parsePort(s)
		if err != nil {
			return nil, fmt.Errorf("parse port %q: %w", s, err)
		}
		out = append(out, m...)
	}
	return out, nil
}

func parsePort(s string) ([]PortMapping, error) {
	proto := "tcp"
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		proto = s[i+1:]
		s = s[:i]
		if proto != "tcp" && proto != "udp" {
			return nil, fmt.Errorf("%w: protocol %q", ErrBadPort, proto)
		}
	}
	var hostIP, hostPart, ctrPart string
	if i := strings.LastIndexByte(s, ':'); i < 0 {
		ctrPart = s
	} else {
		ctrPart = s[i+1:]
		rest := s[:i]
		if j := strings.LastIndexByte(rest, ':'); j < 0 {
			hostPart = rest
		} else {
			hostIP, hostPart = strings.Trim(rest[:j], "[]"), rest[j+1:]
		}
	}
	var ip netip.Addr
	if hostIP != "" {
		var err error
		if ip, err = netip.ParseAddr(hostIP); err != nil {
			return nil, fmt.Errorf("%w: host address %q", ErrBadPort, hostIP)
		}
	}
	clo, chi, err := portRange(ctrPart)
	if err != nil {
		return nil, err
	}
	hlo, hhi := uint16(0), uint16(0)
	if hostPart != "" {
		if hlo, hhi, err = portRange(hostPart); err != nil {
			return nil, err
		}
		if hhi-hlo != chi-clo {
			return nil, fmt.Errorf("%w: host range %q and container range %q differ in size", ErrBadPort, hostPart, ctrPart)
		}
	}
	var out []PortMapping
	for p := uint32(clo); p <= uint32(chi); p++ {
		m := PortMapping{HostIP: ip, ContainerPort: uint16(p), Protocol: proto}
		if hostPart != "" {
			m.HostPort = hlo + uint16(p-uint32(clo))
		}
		out = append(out, m)
	}
	return out, nil
}

func portRange(s string) (lo, hi uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = port(a); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = port(b); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("%w: range %q is reversed", ErrBadPort, s)
	}
	return lo, hi, nil
}

func port(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%w: port %q is not in 1-65535", ErrBadPort, s)
	}
	return uint16(n), nil
}

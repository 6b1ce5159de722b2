package netsetup

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"strings"
)

// fallbackResolvers are what docker gives a container when the host's only
// resolvers are on its loopback, which the container cannot reach.
var fallbackResolvers = []string{"8.8.8.8", "8.8.4.4"}

// ResolvConf turns the host's resolv.conf into a container's: nameservers
// on loopback dropped (the container's loopback is its own), docker's
// public fallback when none is left; search and options lines kept.
func ResolvConf(host []byte) []byte {
	return ResolvConfWith(host, nil, nil, nil)
}

// ResolvConfWith is ResolvConf with --dns, --dns-search and --dns-option:
// each, when given, replaces the host's lines of its kind.
func ResolvConfWith(host []byte, servers, search, options []string) []byte {
	var out bytes.Buffer
	if len(servers) > 0 || len(search) > 0 || len(options) > 0 {
		var kept []byte
		sc := bufio.NewScanner(bytes.NewReader(host))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) > 0 && ((f[0] == "nameserver" && len(servers) > 0) || ((f[0] == "search" || f[0] == "domain") && len(search) > 0) || (f[0] == "options" && len(options) > 0)) {
				continue
			}
			kept = append(kept, sc.Text()+"\n"...)
		}
		for _, s := range servers {
			fmt.Fprintf(&out, "nameserver %s\n", s)
		}
		if len(search) > 0 {
			fmt.Fprintf(&out, "search %s\n", strings.Join(search, " "))
		}
		if len(options) > 0 {
			fmt.Fprintf(&out, "options %s\n", strings.Join(options, " "))
		}
		host = kept
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(host))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			if a, err := netip.ParseAddr(f[1]); err == nil && a.IsLoopback() {
				continue
			}
			n++
		}
		out.WriteString(line + "\n")
	}
	if n == 0 && len(servers) == 0 {
		for _, s := range fallbackResolvers {
			fmt.Fprintf(&out, "nameserver %s\n", s)
		}
	}
	return out.Bytes()
}

// HostEntry is one line of a container's /etc/hosts.
type HostEntry struct {
	Addr  netip.Addr
	Names []string
}

// Hosts writes a container's /etc/hosts: localhost, then the given entries
// (its own address and name first, then its network peers).
func Hosts(entries []HostEntry) []byte {
	var b bytes.Buffer
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
	for _, e := range entries {
		if e.Addr.IsValid() && len(e.Names) > 0 {
			fmt.Fprintf(&b, "%s\t%s\n", e.Addr, strings.Join(e.Names, " "))
		}
	}
	return b.Bytes()
}

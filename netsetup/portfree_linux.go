package netsetup

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CheckHostPort reports ErrPortInUse, naming the port and where it can be
// found the process holding it, when m's host port cannot be bound.
func CheckHostPort(m PortMapping) error {
	addr := ""
	if m.HostIP.IsValid() {
		addr = m.HostIP.String()
	}
	hp := net.JoinHostPort(addr, strconv.Itoa(int(m.HostPort)))
	var err error
	if m.Protocol == "udp" {
		var c net.PacketConn
		if c, err = net.ListenPacket("udp", hp); err == nil {
			return c.Close()
		}
	} else {
		var l net.Listener
		if l, err = net.Listen("tcp", hp); err == nil {
			return l.Close()
		}
	}
	who := portHolder(m.Protocol, m.HostPort)
	if who != "" {
		return fmt.Errorf("publish %s/%s: %w (held by %s)", hp, m.Protocol, ErrPortInUse, who)
	}
	return fmt.Errorf("publish %s/%s: %w: %v", hp, m.Protocol, ErrPortInUse, err)
}

// portHolder finds "comm (pid N)" for a socket bound to port, or "".
func portHolder(proto string, port uint16) string {
	inodes := map[string]bool{}
	for _, f := range []string{proto, proto + "6"} {
		fh, err := os.Open("/proc/net/" + f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Scan()
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 10 {
				continue
			}
			_, p, ok := strings.Cut(fs[1], ":")
			if n, err := strconv.ParseUint(p, 16, 16); ok && err == nil && uint16(n) == port {
				inodes[fs[9]] = true
			}
		}
		fh.Close()
	}
	if len(inodes) == 0 {
		return ""
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		l, err := os.Readlink(fd)
		if err != nil || !strings.HasPrefix(l, "socket:[") || !inodes[strings.Trim(l[7:], "[]")] {
			continue
		}
		pid := strings.Split(fd, "/")[2]
		comm, _ := os.ReadFile("/proc/" + pid + "/comm")
		return fmt.Sprintf("%s (pid %s)", strings.TrimSpace(string(comm)), pid)
	}
	return ""
}

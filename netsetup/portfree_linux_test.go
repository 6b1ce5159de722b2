package netsetup

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestCheckHostPortNamesHolder(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := uint16(l.Addr().(*net.TCPAddr).Port)
	m := PortMapping{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: p, ContainerPort: 80, Protocol: "tcp"}
	err = CheckHostPort(m)
	if !errors.Is(err, ErrPortInUse) {
		t.Fatalf("got %v, want ErrPortInUse", err)
	}
	pid := "pid " + strconv.Itoa(os.Getpid())
	if !strings.Contains(err.Error(), strconv.Itoa(int(p))) || !strings.Contains(err.Error(), pid) {
		t.Fatalf("error %q does not name port %d and %s", err, p, pid)
	}
	l.Close()
	if err := CheckHostPort(m); err != nil {
		t.Fatalf("free port refused: %v", err)
	}
}

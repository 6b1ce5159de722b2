package netsetup

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParsePorts(t *testing.T) {
	got, err := ParsePorts([]string{"80", "8080:80/udp", "127.0.0.1:9000-9001:90-91", ":53/udp"})
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	want := []PortMapping{
		{ContainerPort: 80, Protocol: "tcp"},
		{HostPort: 8080, ContainerPort: 80, Protocol: "udp"},
		{HostIP: lo, HostPort: 9000, ContainerPort: 90, Protocol: "tcp"},
		{HostIP: lo, HostPort: 9001, ContainerPort: 91, Protocol: "tcp"},
		{ContainerPort: 53, Protocol: "udp"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParsePortsBad(t *testing.T) {
	for _, s := range []string{"0", "65536", "x", "80/sctp", "1-2:80", "90-80", "nope:1:2", ""} {
		if _, err := ParsePorts([]string{s}); !errors.Is(err, ErrBadPort) {
			t.Errorf("%q: got %v, want ErrBadPort", s, err)
		}
	}
}

func TestExposedToMappings(t *testing.T) {
	got, err := ExposedToMappings([]string{"53/udp", "80/tcp"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != (PortMapping{ContainerPort: 53, Protocol: "udp"}) || got[1] != (PortMapping{ContainerPort: 80, Protocol: "tcp"}) {
		t.Fatalf("got %+v", got)
	}
	if _, err := ExposedToMappings([]string{"8080:80"}); !errors.Is(err, ErrBadPort) {
		t.Fatalf("host part accepted: %v", err)
	}
}

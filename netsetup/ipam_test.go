package netsetup

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

func pool(t *testing.T, subnet, gw string) *Pool {
	t.Helper()
	p, err := NewPool(filepath.Join(t.TempDir(), "leases.json"), netip.MustParsePrefix(subnet), netip.MustParseAddr(gw))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAllocateSkipsReservedAndIsStable(t *testing.T) {
	p := pool(t, "10.88.0.0/29", "10.88.0.1")
	var got []string
	for i := 0; i < 5; i++ {
		a, err := p.Allocate(fmt.Sprint("c", i))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.String())
	}
	// .0 is the network, .1 the gateway, .7 the broadcast: five hosts left.
	if fmt.Sprint(got) != "[10.88.0.2 10.88.0.3 10.88.0.4 10.88.0.5 10.88.0.6]" {
		t.Fatalf("allocated %v", got)
	}
	if a, _ := p.Allocate("c2"); a.String() != "10.88.0.4" {
		t.Fatalf("a container asking again got %s, want its own 10.88.0.4", a)
	}
	if _, err := p.Allocate("c5"); !errors.Is(err, ErrPoolExhausted) {
		t.Fatalf("a full pool: %v", err)
	}
	if l, _ := p.Leases(); len(l) != 5 {
		t.Fatalf("a failed allocation changed the leases: %v", l)
	}
	p.Release("c1")
	p.Release("c1")
	if a, _ := p.Allocate("c9"); a.String() != "10.88.0.3" {
		t.Fatalf("a released address was not reused: %s", a)
	}
}

func TestEmptyLeaseFileHoldsNoLease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leases.json")
	p, err := NewPool(path, netip.MustParsePrefix("10.98.0.0/24"), netip.MustParseAddr("10.98.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	// What a power loss may leave of a file renamed over the old one
	// before its data reached the disk.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := p.Allocate("c1")
	if err != nil || a != netip.MustParseAddr("10.98.0.2") {
		t.Fatalf("allocate after an empty file: %v, %v", a, err)
	}
	if l, err := p.Leases(); err != nil || len(l) != 1 {
		t.Fatalf("leases %v, %v; want c1's alone", l, err)
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Allocate("c2"); err == nil {
		t.Fatal("a damaged lease file was taken for an empty one")
	}
}

func TestReleaseDead(t *testing.T) {
	p := pool(t, "10.88.0.0/24", "10.88.0.1")
	for _, id := range []string{"live", "dead1", "dead2"} {
		p.Allocate(id)
	}
	freed, err := p.ReleaseDead(func(id string) bool { return id == "live" })
	if err != nil || fmt.Sprint(freed) != "[dead1 dead2]" {
		t.Fatalf("freed %v, %v", freed, err)
	}
	if l, _ := p.Leases(); len(l) != 1 {
		t.Fatalf("leases left %v", l)
	}
}

func TestBadSubnets(t *testing.T) {
	dir := t.TempDir()
	for _, c := range [][2]string{{"10.0.0.0/31", "10.0.0.1"}, {"10.0.0.0/24", "10.0.1.1"}, {"10.0.0.0/24", "10.0.0.0"}, {"10.0.0.0/24", "10.0.0.255"}, {"fd00::/64", "fd00::1"}} {
		if _, err := NewPool(filepath.Join(dir, "l"), netip.MustParsePrefix(c[0]), netip.MustParseAddr(c[1])); !errors.Is(err, ErrBadSubnet) {
			t.Errorf("subnet %s gateway %s: %v", c[0], c[1], err)
		}
	}
}

// TestConcurrentProcessesNeverShareAnAddress allocates from four processes
// at once.
func TestConcurrentProcessesNeverShareAnAddress(t *testing.T) {
	if path := os.Getenv("BERTH_IPAM_CHILD"); path != "" {
		p, _ := NewPool(path, netip.MustParsePrefix("10.99.0.0/16"), netip.MustParseAddr("10.99.0.1"))
		for i := 0; i < 50; i++ {
			if _, err := p.Allocate(os.Getenv("BERTH_IPAM_ID") + "-" + strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	path := filepath.Join(t.TempDir(), "leases.json")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcessesNeverShareAnAddress$")
			cmd.Env = append(os.Environ(), "BERTH_IPAM_CHILD="+path, "BERTH_IPAM_ID=p"+strconv.Itoa(i))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("child %d: %v\n%s", i, err, out)
			}
		}(i)
	}
	wg.Wait()
	p, _ := NewPool(path, netip.MustParsePrefix("10.99.0.0/16"), netip.MustParseAddr("10.99.0.1"))
	l, err := p.Leases()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[netip.Addr]string{}
	for id, a := range l {
		if other, ok := seen[a]; ok {
			t.Fatalf("%s given to %s and %s", a, other, id)
		}
		seen[a] = id
	}
	if len(l) != 200 {
		t.Fatalf("%d leases, want 200", len(l))
	}
}

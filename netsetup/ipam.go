package netsetup

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/atomicfile"
)

// Pool hands out a network's addresses to containers. Its leases live in one
// file, changed under an exclusive file lock and replaced atomically, so that
// concurrent starts in any number of berth processes never get the same
// address, and a process killed at any point loses no lease already granted.
// The file is not synced to disk: a lease is held by a running container,
// and a power loss ends them all (reconciling frees what they held).
type Pool struct {
	path    string
	subnet  netip.Prefix
	gateway netip.Addr
}

// leases is the pool file: container ID to address.
type leases map[string]netip.Addr

// NewPool returns the pool of subnet, with the gateway's address reserved,
// keeping its leases in path.
func NewPool(path string, subnet netip.Prefix, gateway netip.Addr) (*Pool, error) {
	subnet = subnet.Masked()
	if !subnet.Addr().Is4() || subnet.Bits() > 30 {
		return nil, fmt.Errorf("%w %s: give an IPv4 subnet of /30 or larger", ErrBadSubnet, subnet)
	}
	if !subnet.Contains(gateway) || gateway == subnet.Addr() || gateway == broadcast(subnet) {
		return nil, fmt.Errorf("%w: gateway %s is not a host address of %s", ErrBadSubnet, gateway, subnet)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return &Pool{path: path, subnet: subnet, gateway: gateway}, nil
}

// Allocate leases an address to the container, the same one again if it
// holds one already.
func (p *Pool) Allocate(containerID string) (netip.Addr, error) {
	var got netip.Addr
	err := p.update(func(l leases) error {
		if a, ok := l[containerID]; ok {
			got = a
			return nil
		}
		taken := map[netip.Addr]bool{p.gateway: true}
		for _, a := range l {
			taken[a] = true
		}
		last := broadcast(p.subnet)
		for a := p.subnet.Addr().Next(); a.IsValid() && a.Less(last); a = a.Next() {
			if !taken[a] {
				l[containerID], got = a, a
				return nil
			}
		}
		return fmt.Errorf("%w %s", ErrPoolExhausted, p.subnet)
	})
	return got, err
}

// Release gives the container's address back; releasing twice is no error.
func (p *Pool) Release(containerID string) error {
	return p.update(func(l leases) error {
		delete(l, containerID)
		return nil
	})
}

// ReleaseDead gives back the addresses of containers alive says are gone,
// and returns their IDs: the leases a killed engine could not release.
func (p *Pool) ReleaseDead(alive func(containerID string) bool) ([]string, error) {
	var freed []string
	err := p.update(func(l leases) error {
		for id := range l {
			if !alive(id) {
				delete(l, id)
				freed = append(freed, id)
			}
		}
		return nil
	})
	sort.Strings(freed)
	return freed, err
}

// Leases returns the current leases.
func (p *Pool) Leases() (map[string]netip.Addr, error) {
	l, err := p.read()
	return l, err
}

func (p *Pool) read() (leases, error) {
	b, err := os.ReadFile(p.path)
	if errors.Is(err, os.ErrNotExist) {
		return leases{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading address leases: %w", err)
	}
	l := leases{}
	if len(b) == 0 {
		// Left empty by a power loss on a file system that does not
		// order a rename after the data it names: no container survived
		// to hold a lease.
		return l, nil
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("reading address leases %s: %w", p.path, err)
	}
	return l, nil
}

// update changes the leases under the pool's lock and writes them back
// atomically; when fn fails nothing is written.
func (p *Pool) update(fn func(leases) error) error {
	lf, err := os.OpenFile(p.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close()
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	l, err := p.read()
	if err != nil {
		return err
	}
	if err := fn(l); err != nil {
		return err
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return atomicfile.Replace(p.path, b, 0o600)
}

// broadcast is the last address of an IPv4 prefix.
func broadcast(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	bits := p.Bits()
	for i := 0; i < 4; i++ {
		for b := 0; b < 8; b++ {
			if i*8+b >= bits {
				a[i] |= 1 << (7 - b)
			}
		}
	}
	return netip.AddrFrom4(a)
}

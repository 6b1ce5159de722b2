package netsetup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultNetwork is the network containers join unless told otherwise, on
// the bridge DefaultBridge.
const (
	DefaultNetwork = "berth"
	DefaultBridge  = "berth0"
)

var (
	// ErrNetworkNotFound reports a network name that does not exist.
	ErrNetworkNotFound = errors.New("network not found")
	// ErrNetworkExists reports a network name already taken.
	ErrNetworkExists = errors.New("network already exists")
	// ErrNetworkInUse reports a network that containers are still on.
	ErrNetworkInUse = errors.New("network has active endpoints")
)

// Network is a bridge network: its bridge, subnet and gateway.
type Network struct {
	Name    string            `json:"Name"`
	ID      string            `json:"Id"`
	Bridge  string            `json:"Bridge"`
	Subnet  netip.Prefix      `json:"Subnet"`
	Gateway netip.Addr        `json:"Gateway"`
	Created time.Time         `json:"Created"`
	Labels  map[string]string `json:"Labels,omitempty"`
}

// Store keeps networks under dir: one directory per network holding
// network.json and the address leases.
type Store struct {
	dir string
}

// OpenStore opens the network store at dir.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening networks: %w", err)
	}
	return &Store{dir: dir}, nil
}

// validName is checked with its length apart: a counted repetition in the
// regexp would compile to a large program, in every berth process.
var validNameChars = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func validName(name string) bool { return len(name) <= 64 && validNameChars.MatchString(name) }

// lock serialises changes to the store.
func (s *Store) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(s.dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// Get returns the network called name; the default network is made on
// first use.
func (s *Store) Get(name string) (*Network, error) {
	if name == DefaultNetwork {
		return s.ensureDefault()
	}
	return s.read(name)
}

func (s *Store) read(name string) (*Network, error) {
	if !validName(name) {
		return nil, fmt.Errorf("network %s: %w", name, ErrNetworkNotFound)
	}
	b, err := os.ReadFile(filepath.Join(s.dir, name, "network.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("network %s: %w", name, ErrNetworkNotFound)
	}
	if err != nil {
		return nil, err
	}
	var n Network
	if err := json.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	return &n, nil
}

func (s *Store) ensureDefault() (*Network, error) {
	if n, err := s.read(DefaultNetwork); err == nil {
		return n, nil
	}
	n, err := s.Create(DefaultNetwork, "", "", nil)
	if errors.Is(err, ErrNetworkExists) {
		return s.read(DefaultNetwork)
	}
	return n, err
}

// Create makes a network. An empty subnet picks a free /16 in 172.18–31 or
// a /24 in 10.89 that overlaps neither the host's routes nor another
// network; a given one is checked the same way. An empty gateway is the
// subnet's first address.
func (s *Store) Create(name, subnet, gateway string, labels map[string]string) (*Network, error) {
	if !validName(name) {
		return nil, fmt.Errorf("network name %q: must be letters, digits, '_', '.' or '-'", name)
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := s.read(name); err == nil {
		return nil, fmt.Errorf("network with name %s: %w", name, ErrNetworkExists)
	}
	used, err := s.usedPrefixes()
	if err != nil {
		return nil, err
	}
	var p netip.Prefix
	if subnet == "" {
		if p, err = pickSubnet(used); err != nil {
			return nil, err
		}
	} else {
		if p, err = netip.ParsePrefix(subnet); err != nil || !p.Addr().Is4() || p.Bits() > 30 {
			return nil, fmt.Errorf("--subnet %q: want an IPv4 prefix of /30 or wider: %w", subnet, ErrBadSubnet)
		}
		p = p.Masked()
		for _, u := range used {
			if u.Overlaps(p) {
				return nil, fmt.Errorf("--subnet %s overlaps %s, already in use: %w", p, u, ErrBadSubnet)
			}
		}
	}
	gw := p.Addr().Next()
	if gateway != "" {
		if gw, err = netip.ParseAddr(gateway); err != nil || !p.Contains(gw) {
			return nil, fmt.Errorf("--gateway %q: not an address in %s: %w", gateway, p, ErrBadSubnet)
		}
	}
	sum := sha256.Sum256([]byte(name + p.String() + time.Now().String()))
	n := &Network{Name: name, ID: hex.EncodeToString(sum[:]), Subnet: p, Gateway: gw, Created: time.Now().UTC(), Labels: labels}
	n.Bridge = "br-" + n.ID[:12]
	if name == DefaultNetwork {
		n.Bridge = s.defaultBridge()
	}
	dir := filepath.Join(s.dir, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(n, "", "  ")
	tmp := filepath.Join(dir, ".network.json")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "network.json")); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return n, nil
}

// defaultBridge names the default network's bridge: berth0 for the
// default root, one of its own for any other root (tests, a second
// installation), so that two roots never share a bridge.
func (s *Store) defaultBridge() string {
	if s.dir == "/var/lib/berth/networks" {
		return DefaultBridge
	}
	sum := sha256.Sum256([]byte(s.dir))
	return "berth" + hex.EncodeToString(sum[:])[:9]
}

// usedPrefixes are the host's routes and the networks' subnets.
func (s *Store) usedPrefixes() ([]netip.Prefix, error) {
	used, err := hostRoutes()
	if err != nil {
		return nil, err
	}
	ns, err := s.List()
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		used = append(used, n.Subnet)
	}
	return used, nil
}

func pickSubnet(used []netip.Prefix) (netip.Prefix, error) {
	var candidates []netip.Prefix
	for i := 17; i <= 31; i++ {
		candidates = append(candidates, netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(i), 0, 0}), 16))
	}
	for i := 0; i < 256; i++ {
		candidates = append(candidates, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 89, byte(i), 0}), 24))
	}
next:
	for _, c := range candidates {
		for _, u := range used {
			if u.Bits() > 0 && u.Overlaps(c) {
				continue next
			}
		}
		return c, nil
	}
	return netip.Prefix{}, fmt.Errorf("no free subnet left: %w", ErrBadSubnet)
}

// List returns every network, by name.
func (s *Store) List() ([]*Network, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []*Network
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if n, err := s.read(e.Name()); err == nil {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Pool is the network's address pool.
func (s *Store) Pool(n *Network) (*Pool, error) {
	return NewPool(filepath.Join(s.dir, n.Name, "leases.json"), n.Subnet, n.Gateway)
}

// Remove deletes a network that no container is on: its bridge, rules and
// state. The default network cannot be removed.
func (s *Store) Remove(name string) error {
	if name == DefaultNetwork {
		return fmt.Errorf("%s is the default network and cannot be removed", name)
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	n, err := s.read(name)
	if err != nil {
		return err
	}
	pool, err := s.Pool(n)
	if err != nil {
		return err
	}
	leases, err := pool.Leases()
	if err != nil {
		return err
	}
	if len(leases) > 0 {
		var ids []string
		for id := range leases {
			ids = append(ids, id[:min(12, len(id))])
		}
		sort.Strings(ids)
		return fmt.Errorf("error while removing network: network %s id %.12s: %w (containers %s)", name, n.ID, ErrNetworkInUse, strings.Join(ids, ", "))
	}
	if err := DisableNAT(n.Bridge); err != nil {
		return err
	}
	if err := DeleteBridge(n.Bridge); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(s.dir, name))
}

// Destroy removes every network, the default one too, with its bridge and
// its rules, whatever leases remain: what `system reset` does once the
// containers are gone.
func (s *Store) Destroy() error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	ns, err := s.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range ns {
		if pool, err := s.Pool(n); err == nil {
			leases, _ := pool.Leases()
			for id := range leases {
				errs = append(errs, Unpublish(id))
			}
		}
		errs = append(errs, DisableNAT(n.Bridge), DeleteBridge(n.Bridge), os.RemoveAll(filepath.Join(s.dir, n.Name)))
	}
	return errors.Join(errs...)
}

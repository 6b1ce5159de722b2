package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/opts"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/netsetup"
)

// NetworksDir holds the networks' state, under the root.
const NetworksDir = "networks"

// Networker connects containers to their networks: the default bridge
// network or a user-defined one, a veth each, an address lease, NAT and
// published ports, and /etc/hosts with the container's peers.
type Networker struct {
	Networks   *netsetup.Store
	Containers *container.Store
}

var _ supervisor.Networker = (*Networker)(nil)

// NewNetworker returns the networker keeping state under root.
func NewNetworker(root string, containers *container.Store) (*Networker, error) {
	netsetup.Gone = func(id string) bool { return !supervisedAnywhere(id) }
	s, err := netsetup.OpenStore(filepath.Join(root, NetworksDir))
	if err != nil {
		return nil, err
	}
	return &Networker{Networks: s, Containers: containers}, nil
}

// supervisedAnywhere says whether some process on the host supervises the
// container: a berth supervisor of any root, found by its command line.
func supervisedAnywhere(id string) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return true // cannot tell: keep the rules
	}
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if slices.Contains(args, SuperviseVerb) && slices.Contains(args, id) {
			return true
		}
	}
	return false
}

// networkName is the network a container's mode names, or "" for none or
// host.
func networkName(mode string) (string, error) {
	switch {
	case mode == "" || mode == "bridge" || mode == "default":
		return netsetup.DefaultNetwork, nil
	case mode == "none" || mode == "host":
		return "", nil
	case strings.HasPrefix(mode, "container:"):
		return "", fmt.Errorf("--network %s: sharing another container's network is not supported yet", mode)
	}
	return mode, nil
}

// hostVeth names the host side of a container's veth pair on its first
// network; extraVeth on a network joined later, told apart by the network's
// ID (interface names hold 15 bytes).
func hostVeth(id string) string { return "vb" + id[:min(11, len(id))] }

func extraVeth(id string, nw *netsetup.Network) string {
	return "vb" + id[:min(7, len(id))] + nw.ID[:min(4, len(nw.ID))]
}

// joined lists the networks a container is on, its first one (from its
// network mode) first, with its aliases on each.
func joined(rec *container.Record) ([]container.NetworkRef, error) {
	name, err := networkName(rec.Config.NetworkMode)
	if err != nil {
		return nil, err
	}
	var refs []container.NetworkRef
	if name != "" {
		refs = append(refs, container.NetworkRef{Name: name, Aliases: rec.Config.Aliases})
	}
	for _, r := range rec.Config.Networks {
		if r.Name != name {
			refs = append(refs, r)
		}
	}
	return refs, nil
}

// Namespace implements supervisor.Networker: every container but one on
// the host's network gets a namespace of its own.
func (n *Networker) Namespace(rec *container.Record) (*os.File, error) {
	if rec.Config.NetworkMode == "host" {
		return nil, nil
	}
	if _, err := networkName(rec.Config.NetworkMode); err != nil {
		return nil, err
	}
	return netsetup.NewNamespace()
}

// Attach implements supervisor.Networker: the namespace at nsPath joins
// each of the container's networks; published ports go to its address on
// the first.
func (n *Networker) Attach(ctx context.Context, rec *container.Record, nsPath string) (eps []container.Endpoint, err error) {
	refs, err := joined(rec)
	if err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		if rec.Config.NetworkMode == "none" {
			return nil, netsetup.LoopbackUp(nsPath)
		}
		return nil, nil
	}
	maps, err := n.portMappings(rec)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			n.leave(rec.ID, eps, true)
			eps = nil
		}
	}()
	for i, ref := range refs {
		ep, err := n.join(rec.ID, ref.Name, nsPath, fmt.Sprintf("eth%d", i))
		if err != nil {
			return eps, err
		}
		eps = append(eps, ep)
	}
	if err := netsetup.Publish(rec.ID, netip.MustParseAddr(eps[0].IP), maps); err != nil {
		return eps, err
	}
	for _, m := range maps {
		eps[0].Ports = append(eps[0].Ports, portString(m))
	}
	rec.Network = eps
	n.refreshHosts(rec, nil)
	return eps, nil
}

// join connects the network namespace at nsPath to network name as ifname:
// the bridge and its NAT, an address lease, a veth pair. eth0 gets the
// default route. On failure nothing of it is left.
func (n *Networker) join(id, name, nsPath, ifname string) (ep container.Endpoint, err error) {
	nw, err := n.Networks.Get(name)
	if err != nil {
		return ep, err
	}
	if err := netsetup.EnsureBridge(nw.Bridge, netip.PrefixFrom(nw.Gateway, nw.Subnet.Bits()), 1500); err != nil {
		return ep, err
	}
	if err := netsetup.EnableNAT(nw.Bridge, nw.Subnet); err != nil {
		return ep, err
	}
	pool, err := n.Networks.Pool(nw)
	if err != nil {
		return ep, err
	}
	addr, err := pool.Allocate(id)
	if err != nil {
		return ep, fmt.Errorf("network %s: %w", name, err)
	}
	veth := hostVeth(id)
	if ifname != "eth0" {
		veth = extraVeth(id, nw)
	}
	_ = netsetup.Detach(veth) // a leftover of a supervisor that died
	if err := netsetup.Attach(netsetup.Endpoint{Bridge: nw.Bridge, HostVeth: veth, NetNS: nsPath,
		Addr: netip.PrefixFrom(addr, nw.Subnet.Bits()), Gateway: nw.Gateway, MTU: 1500,
		Ifname: ifname, DefaultRoute: ifname == "eth0"}); err != nil {
		_ = pool.Release(id)
		return ep, err
	}
	return container.Endpoint{Network: name, Ifname: ifname, IP: addr.String(), Gateway: nw.Gateway.String(),
		MAC: netsetup.MAC(addr).String(), HostVeth: veth}, nil
}

// leave undoes join for each endpoint, and removes the container's port
// rules. dropLinks deletes the veth pairs too; without it they go with the
// container's network namespace, which the kernel frees on its own once the
// container's last process has ended: deleting a link waits for an RCU
// grace period (10-20 ms here) that the end of every container would wait
// for.
func (n *Networker) leave(id string, eps []container.Endpoint, dropLinks bool) error {
	var errs []error
	// A container that ended normally and published no port has no rule to
	// look for (the lookup reads all of berth's table); after a failure
	// (dropLinks) the rules are looked for anyway.
	if dropLinks || slices.ContainsFunc(eps, func(ep container.Endpoint) bool { return len(ep.Ports) > 0 }) {
		errs = append(errs, netsetup.Unpublish(id))
	}
	for _, ep := range eps {
		if dropLinks {
			errs = append(errs, netsetup.Detach(ep.HostVeth))
		}
		if nw, err := n.Networks.Get(ep.Network); err == nil {
			if pool, err := n.Networks.Pool(nw); err == nil {
				errs = append(errs, pool.Release(id))
			}
		}
	}
	return errors.Join(errs...)
}

// portString is docker's "0.0.0.0:8080->80/tcp".
func portString(m netsetup.PortMapping) string {
	ip := "0.0.0.0"
	if m.HostIP.IsValid() {
		ip = m.HostIP.String()
	}
	return fmt.Sprintf("%s:%d->%d/%s", ip, m.HostPort, m.ContainerPort, m.Protocol)
}

// portMappings turns -p and -P into mappings, choosing free host ports for
// those without one and checking the others are free.
func (n *Networker) portMappings(rec *container.Record) ([]netsetup.PortMapping, error) {
	maps, err := netsetup.ParsePorts(rec.Config.Ports)
	if err != nil {
		return nil, err
	}
	for i := range maps {
		m := &maps[i]
		if m.HostPort == 0 {
			p, err := freePort(m.Protocol)
			if err != nil {
				return nil, err
			}
			m.HostPort = p
			continue
		}
		if err := netsetup.CheckHostPort(*m); err != nil {
			return nil, err
		}
	}
	return maps, nil
}

// freePort asks the kernel for an unused port.
func freePort(proto string) (uint16, error) {
	if proto == "udp" {
		c, err := net.ListenPacket("udp4", ":0")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	l, err := net.Listen("tcp4", ":0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port), nil
}

// Detach implements supervisor.Networker. It runs once the container's
// init has been reaped, and with it every process of its PID namespace: its
// network namespace is going, and takes the veths with it.
func (n *Networker) Detach(ctx context.Context, rec *container.Record) error {
	return n.detach(rec, false)
}

// Release is Detach for a container whose supervisor died: its init may
// not have been reaped yet, so its namespace, and the veths with it, would
// linger; they are deleted here.
func (n *Networker) Release(ctx context.Context, rec *container.Record) error {
	return n.detach(rec, true)
}

// detach leaves every network the container is on. The stored record is
// read again: `network connect` may have added endpoints since the
// container started.
func (n *Networker) detach(rec *container.Record, dropLinks bool) error {
	eps := rec.Network
	if cur, err := n.Containers.Get(rec.ID); err == nil && len(cur.Network) > 0 {
		eps = cur.Network
	}
	if len(eps) == 0 {
		return nil
	}
	err := n.leave(rec.ID, eps, dropLinks)
	rec.Network = nil
	// Its own hosts are written again at its next start; its peers' list
	// it only on user-defined networks.
	if onUserNetwork(eps) {
		n.refreshHosts(rec, eps)
	}
	return err
}

// Connect joins container ref to network name, as `network connect` does:
// a running container gets the new interface at once, any container keeps
// the network for its next starts.
func (n *Networker) Connect(ctx context.Context, ref, name string, aliases []string) (*container.Record, error) {
	nw, err := n.Networks.Get(name)
	if err != nil {
		return nil, err
	}
	id, err := n.Containers.Resolve(ref)
	if err != nil {
		return nil, err
	}
	rec, err := n.Containers.Update(id, func(r *container.Record) error {
		if r.Config.NetworkMode == "host" {
			return fmt.Errorf("container %s shares the host's network, so it cannot join network %s", r.Name, nw.Name)
		}
		refs, err := joined(r)
		if err != nil {
			return err
		}
		for _, j := range refs {
			if j.Name == nw.Name {
				return fmt.Errorf("container %s is already connected to network %s", r.Name, nw.Name)
			}
		}
		if r.State.Status == container.Running || r.State.Status == container.Paused {
			if !processAlive(r) {
				return fmt.Errorf("container %s: its process is gone", r.Name)
			}
			ep, err := n.join(r.ID, nw.Name, "/proc/"+strconv.Itoa(r.State.Pid)+"/ns/net", nextIfname(r.Network))
			if err != nil {
				return err
			}
			r.Network = append(r.Network, ep)
		}
		if r.Config.NetworkMode == "none" {
			// Its only network so far: the first, with the default route.
			r.Config.NetworkMode, r.Config.Aliases = nw.Name, aliases
		} else {
			r.Config.Networks = append(r.Config.Networks, container.NetworkRef{Name: nw.Name, Aliases: aliases})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n.refreshHosts(rec, []container.Endpoint{{Network: nw.Name}})
	return rec, nil
}

// Disconnect takes container ref off network name: its interface there goes
// at once if it runs, and the network is no longer joined at its next
// start. Leaving its first network also removes its published ports.
func (n *Networker) Disconnect(ctx context.Context, ref, name string) (*container.Record, error) {
	nw, err := n.Networks.Get(name)
	if err != nil {
		return nil, err
	}
	id, err := n.Containers.Resolve(ref)
	if err != nil {
		return nil, err
	}
	var left []container.Endpoint
	rec, err := n.Containers.Update(id, func(r *container.Record) error {
		refs, err := joined(r)
		if err != nil {
			return err
		}
		on := false
		for _, j := range refs {
			on = on || j.Name == nw.Name
		}
		if !on {
			return fmt.Errorf("container %s is not connected to network %s", r.Name, nw.Name)
		}
		if first, _ := networkName(r.Config.NetworkMode); first == nw.Name {
			// The next network joined becomes the first; with none left,
			// the container keeps only its loopback.
			r.Config.NetworkMode, r.Config.Aliases = "none", nil
			if len(r.Config.Networks) > 0 {
				r.Config.NetworkMode, r.Config.Aliases = r.Config.Networks[0].Name, r.Config.Networks[0].Aliases
				r.Config.Networks = r.Config.Networks[1:]
			}
		} else {
			r.Config.Networks = slices.DeleteFunc(r.Config.Networks, func(j container.NetworkRef) bool { return j.Name == nw.Name })
		}
		var kept []container.Endpoint
		for i, ep := range r.Network {
			if ep.Network != nw.Name {
				kept = append(kept, ep)
				continue
			}
			left = append(left, ep)
			if i == 0 {
				if err := netsetup.Unpublish(r.ID); err != nil {
					return err
				}
			}
		}
		r.Network = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ep := range left {
		errs = append(errs, netsetup.Detach(ep.HostVeth))
		if pool, err := n.Networks.Pool(nw); err == nil {
			errs = append(errs, pool.Release(rec.ID))
		}
	}
	n.refreshHosts(rec, []container.Endpoint{{Network: nw.Name}})
	return rec, errors.Join(errs...)
}

// nextIfname is the first ethN no endpoint uses.
func nextIfname(eps []container.Endpoint) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("eth%d", i)
		if !slices.ContainsFunc(eps, func(ep container.Endpoint) bool { return ep.Ifname == name || (ep.Ifname == "" && i == 0) }) {
			return name
		}
	}
}

// processAlive says whether the record's process still runs: its pid names
// the same process as when it started.
func processAlive(r *container.Record) bool {
	if r.State.Pid <= 0 {
		return false
	}
	start, err := supervisor.ProcStartTime(r.State.Pid)
	return err == nil && start == r.State.PidStart
}

// Files writes a container's /etc/hostname, /etc/hosts and
// /etc/resolv.conf into dir, before it is created; Attach fills in its
// address later, writing the same files in place.
func (n *Networker) Files(rec *container.Record, dir string) (SpecFiles, error) {
	sf := SpecFiles{Hostname: filepath.Join(dir, "hostname"), Hosts: filepath.Join(dir, "hosts")}
	if err := os.WriteFile(sf.Hostname, []byte(hostname(rec)+"\n"), 0o644); err != nil {
		return sf, err
	}
	hosts := netsetup.Hosts(extraHosts(rec.Config, n.gateway(rec)))
	write := writeInPlace
	if refs, _ := joined(rec); len(refs) > 0 {
		// The attach, which runs alongside, writes this container's hosts
		// with its peers (refreshHosts): here they are only made if
		// missing, so as never to undo the attach's.
		write = writeIfMissing
	}
	if err := write(sf.Hosts, hosts); err != nil {
		return sf, err
	}
	if c := rec.Config; c.NetworkMode != "none" {
		host, _ := os.ReadFile("/etc/resolv.conf")
		sf.ResolvConf = filepath.Join(dir, "resolv.conf")
		if err := os.WriteFile(sf.ResolvConf, netsetup.ResolvConfWith(host, c.DNS, c.DNSSearch, c.DNSOptions), 0o644); err != nil {
			return sf, err
		}
	}
	return sf, nil
}

// gateway is the host's address on the container's first network: its
// endpoint's gateway once attached, else the network's; for host and none
// networking, the default network's, as docker's host-gateway is.
func (n *Networker) gateway(rec *container.Record) netip.Addr {
	if len(rec.Network) > 0 {
		if a, err := netip.ParseAddr(rec.Network[0].Gateway); err == nil {
			return a
		}
	}
	name, _ := networkName(rec.Config.NetworkMode)
	if name == "" {
		name = netsetup.DefaultNetwork
	}
	if nw, err := n.Networks.Get(name); err == nil {
		return nw.Gateway
	}
	return netip.Addr{}
}

// extraHosts are the --add-host entries, host-gateway replaced by gw.
func extraHosts(c container.Config, gw netip.Addr) []netsetup.HostEntry {
	var out []netsetup.HostEntry
	for _, h := range c.ExtraHosts {
		name, ip, _ := strings.Cut(h, ":")
		a := gw
		if ip != opts.HostGateway {
			a, _ = netip.ParseAddr(ip)
		}
		out = append(out, netsetup.HostEntry{Addr: a, Names: []string{name}})
	}
	return out
}

func hostname(rec *container.Record) string {
	if rec.Config.Hostname != "" {
		return rec.Config.Hostname
	}
	return rec.ID[:12]
}

// writeInPlace rewrites a file without replacing it: containers see it
// through a bind mount of its inode.
func writeInPlace(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}

// writeIfMissing makes a file with b in it unless the file exists: a
// whole file appears at once, or none.
func writeIfMissing(path string, b []byte) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	err := os.Link(tmp, path)
	if errors.Is(err, fs.ErrExist) {
		err = nil
	}
	return errors.Join(err, os.Remove(tmp))
}

// refreshHosts rewrites /etc/hosts of every running container: each gets
// its own entry and, on each user-defined network it shares with others,
// their names and aliases there, as docker's embedded DNS would answer
// them. changed is the container whose endpoints just changed, from was; it
// counts as running with the endpoints it holds.
func (n *Networker) refreshHosts(changed *container.Record, was []container.Endpoint) {
	if !onUserNetwork(changed.Network) && !onUserNetwork(was) {
		// Only there do containers list each other: the changed one's
		// own hosts are all that change, and no record need be read.
		n.writeHosts(changed, nil)
		return
	}
	recs, err := n.Containers.List()
	if err != nil {
		return
	}
	var members []*container.Record
	for _, r := range recs {
		if r.ID == changed.ID {
			r = changed
		} else if r.State.Status != container.Running {
			continue
		}
		if len(r.Network) > 0 {
			members = append(members, r)
		}
	}
	if len(changed.Network) == 0 {
		n.writeHosts(changed, nil)
	}
	for _, me := range members {
		n.writeHosts(me, members)
	}
}

// onUserNetwork says whether any of the endpoints is on a user-defined
// network.
func onUserNetwork(eps []container.Endpoint) bool {
	return slices.ContainsFunc(eps, func(ep container.Endpoint) bool { return ep.Network != netsetup.DefaultNetwork })
}

// writeHosts writes a container's /etc/hosts: its own entry, its peers
// among members on the user-defined networks it shares with them, and its
// --add-host entries.
func (n *Networker) writeHosts(me *container.Record, members []*container.Record) {
	var entries []netsetup.HostEntry
	if len(me.Network) > 0 {
		own, err := netip.ParseAddr(me.Network[0].IP)
		if err != nil {
			return
		}
		entries = append(entries, netsetup.HostEntry{Addr: own, Names: []string{hostname(me)}})
	}
	for _, mine := range me.Network {
		if mine.Network == netsetup.DefaultNetwork {
			continue
		}
		for _, p := range members {
			if p.ID == me.ID {
				continue
			}
			for _, theirs := range p.Network {
				if a, err := netip.ParseAddr(theirs.IP); err == nil && theirs.Network == mine.Network {
					entries = append(entries, netsetup.HostEntry{Addr: a, Names: append([]string{p.Name}, aliasesOn(p, theirs.Network)...)})
				}
			}
		}
	}
	entries = append(entries, extraHosts(me.Config, n.gateway(me))...)
	_ = writeInPlace(filepath.Join(n.Containers.Dir(me.ID), "hosts"), netsetup.Hosts(entries))
}

// aliasesOn is the container's --network-alias or --alias names on network.
func aliasesOn(r *container.Record, network string) []string {
	refs, _ := joined(r)
	for _, j := range refs {
		if j.Name == network {
			return j.Aliases
		}
	}
	return nil
}

// Reconcile removes the veths, leases and port rules of containers that no
// longer run.
func (n *Networker) Reconcile(alive func(id string) bool) error {
	nws, err := n.Networks.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, nw := range nws {
		pool, err := n.Networks.Pool(nw)
		if err != nil {
			continue
		}
		dead, err := pool.ReleaseDead(alive)
		errs = append(errs, err)
		for _, id := range dead {
			errs = append(errs, netsetup.Unpublish(id), netsetup.Detach(hostVeth(id)), netsetup.Detach(extraVeth(id, nw)))
		}
	}
	return errors.Join(errs...)
}

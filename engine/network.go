package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine/container"
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
	s, err := netsetup.OpenStore(filepath.Join(root, NetworksDir))
	if err != nil {
		return nil, err
	}
	return &Networker{Networks: s, Containers: containers}, nil
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

// hostVeth names the host side of a container's veth pair.
func hostVeth(id string) string { return "vb" + id[:min(11, len(id))] }

// Attach implements supervisor.Networker.
func (n *Networker) Attach(ctx context.Context, rec *container.Record, pid int) (eps []container.Endpoint, err error) {
	nsPath := "/proc/" + strconv.Itoa(pid) + "/ns/net"
	name, err := networkName(rec.Config.NetworkMode)
	if err != nil {
		return nil, err
	}
	if name == "" {
		if rec.Config.NetworkMode == "none" {
			return nil, netsetup.LoopbackUp(nsPath)
		}
		return nil, nil
	}
	nw, err := n.Networks.Get(name)
	if err != nil {
		return nil, err
	}
	maps, err := n.portMappings(rec)
	if err != nil {
		return nil, err
	}
	if err := netsetup.EnsureBridge(nw.Bridge, netip.PrefixFrom(nw.Gateway, nw.Subnet.Bits()), 1500); err != nil {
		return nil, err
	}
	if err := netsetup.EnableNAT(nw.Bridge, nw.Subnet); err != nil {
		return nil, err
	}
	pool, err := n.Networks.Pool(nw)
	if err != nil {
		return nil, err
	}
	addr, err := pool.Allocate(rec.ID)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	veth := hostVeth(rec.ID)
	defer func() {
		if err != nil {
			_ = netsetup.Unpublish(rec.ID)
			_ = netsetup.Detach(veth)
			_ = pool.Release(rec.ID)
		}
	}()
	_ = netsetup.Detach(veth) // a leftover of a supervisor that died
	if err := netsetup.Attach(netsetup.Endpoint{Bridge: nw.Bridge, HostVeth: veth, NetNS: nsPath,
		Addr: netip.PrefixFrom(addr, nw.Subnet.Bits()), Gateway: nw.Gateway, MTU: 1500}); err != nil {
		return nil, err
	}
	if err := netsetup.Publish(rec.ID, addr, maps); err != nil {
		return nil, err
	}
	ep := container.Endpoint{Network: name, IP: addr.String(), Gateway: nw.Gateway.String(),
		MAC: netsetup.MAC(addr).String(), HostVeth: veth}
	for _, m := range maps {
		ep.Ports = append(ep.Ports, portString(m))
	}
	rec.Network = []container.Endpoint{ep}
	n.refreshHosts(nw, rec)
	return []container.Endpoint{ep}, nil
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

// Detach implements supervisor.Networker.
func (n *Networker) Detach(ctx context.Context, rec *container.Record) error {
	name, err := networkName(rec.Config.NetworkMode)
	if err != nil || name == "" {
		return nil
	}
	err = errors.Join(netsetup.Unpublish(rec.ID), netsetup.Detach(hostVeth(rec.ID)))
	if nw, gerr := n.Networks.Get(name); gerr == nil {
		if pool, perr := n.Networks.Pool(nw); perr == nil {
			err = errors.Join(err, pool.Release(rec.ID))
		}
		rec.Network = nil
		n.refreshHosts(nw, rec)
	}
	return err
}

// Files writes a container's /etc/hostname, /etc/hosts and
// /etc/resolv.conf into dir, before it is created; Attach fills in its
// address later, writing the same files in place.
func (n *Networker) Files(rec *container.Record, dir string) (SpecFiles, error) {
	sf := SpecFiles{Hostname: filepath.Join(dir, "hostname"), Hosts: filepath.Join(dir, "hosts")}
	if err := os.WriteFile(sf.Hostname, []byte(hostname(rec)+"\n"), 0o644); err != nil {
		return sf, err
	}
	if err := writeInPlace(sf.Hosts, netsetup.Hosts(nil)); err != nil {
		return sf, err
	}
	if rec.Config.NetworkMode != "none" {
		host, _ := os.ReadFile("/etc/resolv.conf")
		sf.ResolvConf = filepath.Join(dir, "resolv.conf")
		if err := os.WriteFile(sf.ResolvConf, netsetup.ResolvConf(host), 0o644); err != nil {
			return sf, err
		}
	}
	return sf, nil
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

// refreshHosts rewrites /etc/hosts of every running container on network
// nw: each gets its own entry, and on user-defined networks its peers by
// name and alias, as docker's embedded DNS would answer them.
func (n *Networker) refreshHosts(nw *netsetup.Network, changed *container.Record) {
	recs, err := n.Containers.List()
	if err != nil {
		return
	}
	type member struct {
		rec  *container.Record
		addr netip.Addr
	}
	var members []member
	for _, r := range recs {
		if r.ID == changed.ID {
			r = changed
		} else if r.State.Status != container.Running {
			continue
		}
		for _, ep := range r.Network {
			if ep.Network == nw.Name {
				if a, err := netip.ParseAddr(ep.IP); err == nil {
					members = append(members, member{r, a})
				}
			}
		}
	}
	for _, me := range members {
		entries := []netsetup.HostEntry{{Addr: me.addr, Names: []string{hostname(me.rec)}}}
		if nw.Name != netsetup.DefaultNetwork {
			for _, p := range members {
				if p.rec.ID != me.rec.ID {
					names := append([]string{p.rec.Name}, p.rec.Config.Aliases...)
					entries = append(entries, netsetup.HostEntry{Addr: p.addr, Names: names})
				}
			}
		}
		_ = writeInPlace(filepath.Join(n.Containers.Dir(me.rec.ID), "hosts"), netsetup.Hosts(entries))
	}
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
			errs = append(errs, netsetup.Unpublish(id), netsetup.Detach(hostVeth(id)))
		}
	}
	return errors.Join(errs...)
}

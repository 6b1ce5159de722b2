package netsetup

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// EnsureBridge makes the bridge name with the gateway address (its prefix
// length the subnet's) and brings it up; an existing bridge is kept and
// given the address if it lacks it.
func EnsureBridge(name string, gateway netip.Prefix, mtu int) error {
	link, err := netlink.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	switch {
	case errors.As(err, &notFound):
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name, MTU: mtu}}
		if err := netlink.LinkAdd(br); err != nil {
			return fmt.Errorf("creating bridge %s: %w", name, err)
		}
		if link, err = netlink.LinkByName(name); err != nil {
			return fmt.Errorf("creating bridge %s: %w", name, err)
		}
	case err != nil:
		return fmt.Errorf("finding bridge %s: %w", name, err)
	}
	if _, ok := link.(*netlink.Bridge); !ok {
		return fmt.Errorf("%s exists and is not a bridge", name)
	}
	addr := &netlink.Addr{IPNet: prefixNet(gateway)}
	if err := netlink.AddrReplace(link, addr); err != nil {
		return fmt.Errorf("giving bridge %s the address %s: %w", name, gateway, err)
	}
	if link.Attrs().Flags&net.FlagUp != 0 {
		return nil
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("bringing bridge %s up: %w", name, err)
	}
	return nil
}

// Endpoint is one container's place on a bridge.
type Endpoint struct {
	Bridge   string
	HostVeth string       // the host side's name, on the bridge
	NetNS    string       // the container's network namespace (/proc/<pid>/ns/net)
	Addr     netip.Prefix // the container's address with the subnet's length
	Gateway  netip.Addr
	MTU      int
	// Ifname names the interface inside the namespace; eth0 when empty.
	Ifname string
	// DefaultRoute routes the namespace's traffic through Gateway: true for
	// a container's first network only.
	DefaultRoute bool
}

// MAC derives a stable address from an IPv4 address, as docker does:
// 02:42 followed by the address's four bytes.
func MAC(a netip.Addr) net.HardwareAddr {
	b := a.As4()
	return net.HardwareAddr{0x02, 0x42, b[0], b[1], b[2], b[3]}
}

// Attach connects the namespace to the bridge with a veth pair: the host
// side on the bridge, the other side moved into the namespace as eth0 (or
// ep.Ifname) with its address, MAC and, if asked, the default route;
// loopback up. When a step fails, what
// the earlier ones made is removed.
func Attach(ep Endpoint) (err error) {
	br, err := netlink.LinkByName(ep.Bridge)
	if err != nil {
		return fmt.Errorf("finding bridge %s: %w", ep.Bridge, err)
	}
	ns, err := netns.GetFromPath(ep.NetNS)
	if err != nil {
		return fmt.Errorf("opening network namespace %s: %w", ep.NetNS, err)
	}
	defer ns.Close()
	name := ep.Ifname
	if name == "" {
		name = "eth0"
	}
	// The peer is made inside the namespace, already named and addressed:
	// moving a link between namespaces afterwards waits for the kernel's
	// RCU grace period (10-18 ms here).
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: ep.HostVeth, MTU: ep.MTU, MasterIndex: br.Attrs().Index},
		PeerName: name, PeerNamespace: netlink.NsFd(int(ns)), PeerHardwareAddr: MAC(ep.Addr.Addr()), PeerMTU: uint32(ep.MTU)}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("creating veth %s: %w", ep.HostVeth, err)
	}
	defer func() {
		if err != nil {
			netlink.LinkDel(veth) // takes the peer with it, wherever it is
		}
	}()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("entering %s: %w", ep.NetNS, err)
	}
	defer h.Close()
	if err := configureInside(h, name, ep); err != nil {
		return err
	}
	if err := netlink.LinkSetUp(veth); err != nil {
		return fmt.Errorf("bringing %s up: %w", ep.HostVeth, err)
	}
	return nil
}

// configureInside gives the interface its address and brings it up.
func configureInside(h *netlink.Handle, name string, ep Endpoint) error {
	link, err := h.LinkByName(name)
	if err != nil {
		return err
	}
	if err := h.AddrAdd(link, &netlink.Addr{IPNet: prefixNet(ep.Addr)}); err != nil {
		return fmt.Errorf("giving %s %s: %w", name, ep.Addr, err)
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("bringing %s up: %w", name, err)
	}
	if lo, err := h.LinkByName("lo"); err == nil {
		if err := h.LinkSetUp(lo); err != nil {
			return fmt.Errorf("bringing lo up: %w", err)
		}
	}
	if !ep.DefaultRoute {
		return nil
	}
	route := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.IP(ep.Gateway.AsSlice()), Scope: unix.RT_SCOPE_UNIVERSE}
	if err := h.RouteAdd(route); err != nil {
		return fmt.Errorf("adding the default route via %s: %w", ep.Gateway, err)
	}
	return nil
}

// Detach removes the container's veth pair; one already gone is no error.
func Detach(hostVeth string) error {
	link, err := netlink.LinkByName(hostVeth)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return netlink.LinkDel(link)
}

func prefixNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}

// DeleteBridge removes a bridge; one already gone is no error.
func DeleteBridge(name string) error {
	link, err := netlink.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return netlink.LinkDel(link)
}

// hostRoutes lists the IPv4 destinations the host routes, the default
// route left out.
func hostRoutes() ([]netip.Prefix, error) {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("listing routes: %w", err)
	}
	var out []netip.Prefix
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		ones, _ := r.Dst.Mask.Size()
		if a, ok := netip.AddrFromSlice(r.Dst.IP.To4()); ok && ones > 0 {
			out = append(out, netip.PrefixFrom(a, ones).Masked())
		}
	}
	return out, nil
}

// LoopbackUp brings lo up in the network namespace at path, for
// containers with no network but their own loopback.
func LoopbackUp(path string) error {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("opening network namespace %s: %w", path, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return err
	}
	return h.LinkSetUp(lo)
}

// NewNamespace makes a network namespace and returns it open; it lives as
// long as the file or a process in it. A container's is made, and wired to
// its networks, while the container is still being set up, and its init
// joins it: the network is then ready before the init is.
func NewNamespace() (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	made := make(chan result, 1)
	go func() {
		// A thread enters the new namespace and goes back: the
		// goroutine may run on the main thread, which must stay in
		// berth's own. If it cannot go back it stays locked, and ends
		// with the goroutine.
		runtime.LockOSThread()
		own, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			made <- result{nil, err}
			return
		}
		defer own.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			made <- result{nil, fmt.Errorf("making a network namespace: %w", err)}
			return
		}
		f, err := os.Open("/proc/thread-self/ns/net")
		if unix.Setns(int(own.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		made <- result{f, err}
	}()
	r := <-made
	return r.f, r.err
}

package netsetup

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// TableName is berth's own nftables table (family ip). berth never touches
// any other table, so docker's and podman's rules stay as they are.
const TableName = "berth"

var table = &nftables.Table{Name: TableName, Family: nftables.TableFamilyIPv4}

// Chains of berth's table.
var (
	chainPrerouting  = &nftables.Chain{Name: "prerouting", Table: table, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest}
	chainOutput      = &nftables.Chain{Name: "output", Table: table, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest}
	chainPostrouting = &nftables.Chain{Name: "postrouting", Table: table, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource}
	chainForward     = &nftables.Chain{Name: "forward", Table: table, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter}
)

// Gone, when set, says whether a container that holds published ports no
// longer runs under any berth root on this host, so that its rules can be
// taken back; the engine sets it.
var Gone func(container string) bool

// Mapping is a published port as berth's table holds it.
type Mapping struct {
	PortMapping
	// Container is the container the traffic goes to, at Addr.
	Container string
	Addr      netip.Addr
	// Packets and Bytes count the connections' first packets through the
	// DNAT rule (later ones follow conntrack), from other hosts and from
	// this one.
	Packets, Bytes uint64
}

// ensureTable makes berth's table and chains if they are missing. It looks
// first: every nftables commit waits for the kernel's RCU grace period (about
// 10 ms here), so the common case, all there already, commits nothing.
func ensureTable(c *nftables.Conn) error {
	if chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4); err == nil {
		have := map[string]bool{}
		for _, ch := range chains {
			if ch.Table.Name == TableName {
				have[ch.Name] = true
			}
		}
		if have[chainPrerouting.Name] && have[chainOutput.Name] && have[chainPostrouting.Name] && have[chainForward.Name] {
			return nil
		}
	}
	c.AddTable(table)
	for _, ch := range []*nftables.Chain{chainPrerouting, chainOutput, chainPostrouting, chainForward} {
		c.AddChain(ch)
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: creating table %s: %w", TableName, err)
	}
	return nil
}

func ifname(name string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}

// EnableNAT sets up a bridge network's outbound masquerade, the forwarding
// it needs and the hairpin that lets the host reach published ports on
// 127.0.0.1 (route_localnet on the bridge, masquerade of loopback sources
// leaving through it). It is idempotent.
func EnableNAT(bridge string, subnet netip.Prefix) error {
	for _, kv := range [][2]string{{"/proc/sys/net/ipv4/ip_forward", "1"},
		{"/proc/sys/net/ipv4/conf/" + bridge + "/route_localnet", "1"}} {
		if err := os.WriteFile(kv[0], []byte(kv[1]), 0o644); err != nil {
			return fmt.Errorf("setting %s: %w", kv[0], err)
		}
	}
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	// The network's rules, looked for first: found, the table and its
	// chains (made with them) are there too, and one dump is all a
	// container's start costs.
	tag := []byte("net:" + bridge)
	has := func(rules []*nftables.Rule) bool {
		return slices.ContainsFunc(rules, func(r *nftables.Rule) bool { return string(r.UserData) == string(tag) })
	}
	if rules, err := c.GetRules(table, chainPostrouting); err == nil && has(rules) {
		return nil
	}
	if err := ensureTable(c); err != nil {
		return err
	}
	rules, err := c.GetRules(table, chainPostrouting)
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	if has(rules) {
		return nil // set up meanwhile
	}
	addr := subnet.Masked().Addr().As4()
	bits := net4Mask(subnet.Bits())
	// ip saddr SUBNET oifname != BRIDGE masquerade
	c.AddRule(&nftables.Rule{Table: table, Chain: chainPostrouting, UserData: tag, Exprs: []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: bits, Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: addr[:]},
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: ifname(bridge)},
		&expr.Masq{},
	}})
	// oifname BRIDGE ip saddr 127.0.0.0/8 masquerade
	c.AddRule(&nftables.Rule{Table: table, Chain: chainPostrouting, UserData: tag, Exprs: []expr.Any{
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ifname(bridge)},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{127}},
		&expr.Masq{},
	}})
	// iifname BRIDGE accept; oifname BRIDGE accept (for hosts whose other
	// forward chains accept too).
	for _, key := range []expr.MetaKey{expr.MetaKeyIIFNAME, expr.MetaKeyOIFNAME} {
		c.AddRule(&nftables.Rule{Table: table, Chain: chainForward, UserData: tag, Exprs: []expr.Any{
			&expr.Meta{Key: key, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ifname(bridge)},
			&expr.Verdict{Kind: expr.VerdictAccept},
		}})
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: masquerade for %s: %w", bridge, err)
	}
	return nil
}

// DisableNAT removes a bridge network's rules.
func DisableNAT(bridge string) error {
	return delRules("net:"+bridge, false)
}

func net4Mask(bits int) []byte {
	m := uint32(0xffffffff) << (32 - bits)
	if bits == 0 {
		m = 0
	}
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, m)
	return b
}

// mappingTag is the user data that names a mapping's rules.
func mappingTag(container string, m PortMapping) string {
	return fmt.Sprintf("port:%s:%s:%d:%s", container, m.Protocol, m.HostPort, m.HostIP)
}

// Publish adds the DNAT rules that send m's host port to addr:m.ContainerPort,
// for traffic from other hosts (prerouting) and from this one (output).
// A host port berth already maps for another container is refused.
func Publish(container string, addr netip.Addr, ms []PortMapping) (err error) {
	if len(ms) == 0 {
		return nil
	}
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	if err := ensureTable(c); err != nil {
		return err
	}
	taken, err := Mappings()
	if err != nil {
		return err
	}
	for _, m := range ms {
		for _, t := range taken {
			if t.Protocol == m.Protocol && t.HostPort == m.HostPort &&
				(!t.HostIP.IsValid() || !m.HostIP.IsValid() || t.HostIP == m.HostIP) {
				if Gone != nil && Gone(t.Container) {
					// Left by a container of a berth root that vanished
					// (its files deleted, its processes killed).
					if err := Unpublish(t.Container); err != nil {
						return err
					}
					continue
				}
				return fmt.Errorf("publish %d/%s: %w (held by berth container %.12s)", m.HostPort, m.Protocol, ErrPortInUse, t.Container)
			}
		}
		tag := []byte(mappingTag(container, m))
		for _, ch := range []*nftables.Chain{chainPrerouting, chainOutput} {
			c.AddRule(&nftables.Rule{Table: table, Chain: ch, UserData: tag, Exprs: dnatExprs(addr, m)})
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: publishing ports of %.12s: %w", container, err)
	}
	return nil
}

// dnatExprs: [ip daddr HOSTIP | fib daddr type local] meta l4proto P
// th dport HOSTPORT counter dnat to ADDR:PORT.
func dnatExprs(addr netip.Addr, m PortMapping) []expr.Any {
	var e []expr.Any
	if m.HostIP.IsValid() && !m.HostIP.IsUnspecified() {
		ip := m.HostIP.As4()
		e = append(e,
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ip[:]})
	} else {
		local := make([]byte, 4)
		binary.NativeEndian.PutUint32(local, unix.RTN_LOCAL)
		e = append(e,
			&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: local})
	}
	proto := byte(unix.IPPROTO_TCP)
	if m.Protocol == "udp" {
		proto = unix.IPPROTO_UDP
	}
	hp, cp := make([]byte, 2), make([]byte, 2)
	binary.BigEndian.PutUint16(hp, m.HostPort)
	binary.BigEndian.PutUint16(cp, m.ContainerPort)
	a := addr.As4()
	return append(e,
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: hp},
		&expr.Counter{},
		&expr.Immediate{Register: 1, Data: a[:]},
		&expr.Immediate{Register: 2, Data: cp},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
	)
}

// Unpublish removes every port rule of the container.
func Unpublish(container string) error {
	return delRules("port:"+container+":", true)
}

// delRules deletes the rules of berth's table whose user data is tag (or
// starts with it).
func delRules(tag string, prefix bool) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	if !tableExists(c) {
		return nil
	}
	n := 0
	for _, ch := range []*nftables.Chain{chainPrerouting, chainOutput, chainPostrouting, chainForward} {
		rules, err := c.GetRules(table, ch)
		if err != nil {
			continue
		}
		for _, r := range rules {
			u := string(r.UserData)
			if u == tag || (prefix && strings.HasPrefix(u, tag)) {
				if err := c.DelRule(r); err != nil {
					return err
				}
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: removing rules %s: %w", tag, err)
	}
	return nil
}

func tableExists(c *nftables.Conn) bool {
	ts, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return false
	}
	for _, t := range ts {
		if t.Name == TableName {
			return true
		}
	}
	return false
}

// Mappings lists the ports berth publishes, with their traffic counters
// (from the prerouting and output rules together).
func Mappings() ([]Mapping, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	if !tableExists(c) {
		return nil, nil
	}
	byTag := map[string]*Mapping{}
	var order []string
	for _, ch := range []*nftables.Chain{chainPrerouting, chainOutput} {
		rules, err := c.GetRules(table, ch)
		if err != nil {
			return nil, fmt.Errorf("nftables: listing %s: %w", ch.Name, err)
		}
		for _, r := range rules {
			tag := string(r.UserData)
			m, ok := byTag[tag]
			if !ok {
				var err error
				if m, err = parseRule(tag, r); err != nil {
					continue
				}
				byTag[tag] = m
				order = append(order, tag)
			}
			for _, e := range r.Exprs {
				if ct, ok := e.(*expr.Counter); ok {
					m.Packets += ct.Packets
					m.Bytes += ct.Bytes
				}
			}
		}
	}
	out := make([]Mapping, 0, len(order))
	for _, t := range order {
		out = append(out, *byTag[t])
	}
	return out, nil
}

// parseRule reads a mapping back from a rule's tag and expressions.
func parseRule(tag string, r *nftables.Rule) (*Mapping, error) {
	parts := strings.SplitN(tag, ":", 5)
	if len(parts) != 5 || parts[0] != "port" {
		return nil, fmt.Errorf("not a port rule")
	}
	m := &Mapping{Container: parts[1]}
	m.Protocol = parts[2]
	var hp int
	fmt.Sscan(parts[3], &hp)
	m.HostPort = uint16(hp)
	if parts[4] != "invalid IP" && parts[4] != "" {
		m.HostIP, _ = netip.ParseAddr(parts[4])
	}
	var imm []*expr.Immediate
	for _, e := range r.Exprs {
		if i, ok := e.(*expr.Immediate); ok {
			imm = append(imm, i)
		}
	}
	if len(imm) == 2 && len(imm[0].Data) == 4 && len(imm[1].Data) == 2 {
		m.Addr = netip.AddrFrom4([4]byte(imm[0].Data))
		m.ContainerPort = binary.BigEndian.Uint16(imm[1].Data)
	}
	return m, nil
}

// Transfer moves every port published for container from to container to at
// addr, in one nftables transaction: a new connection reaches either the old
// container or the new one, never a port that nobody maps. Connections
// already made keep going to the old one (conntrack holds their NAT).
// It returns the mappings moved.
func Transfer(from, to string, addr netip.Addr) ([]PortMapping, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	if !tableExists(c) {
		return nil, nil
	}
	var moved []PortMapping
	seen := map[string]bool{}
	for _, ch := range []*nftables.Chain{chainPrerouting, chainOutput} {
		rules, err := c.GetRules(table, ch)
		if err != nil {
			return nil, fmt.Errorf("nftables: listing %s: %w", ch.Name, err)
		}
		for _, r := range rules {
			tag := string(r.UserData)
			if !strings.HasPrefix(tag, "port:"+from+":") {
				continue
			}
			m, err := parseRule(tag, r)
			if err != nil {
				continue
			}
			if err := c.DelRule(r); err != nil {
				return nil, err
			}
			c.AddRule(&nftables.Rule{Table: table, Chain: ch, UserData: []byte(mappingTag(to, m.PortMapping)),
				Exprs: dnatExprs(addr, m.PortMapping)})
			if !seen[tag] {
				seen[tag] = true
				moved = append(moved, m.PortMapping)
			}
		}
	}
	if len(moved) == 0 {
		return nil, nil
	}
	if err := c.Flush(); err != nil {
		return nil, fmt.Errorf("nftables: moving the ports of %.12s to %.12s: %w", from, to, err)
	}
	return moved, nil
}

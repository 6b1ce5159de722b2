// Package namespaces is the workbench's Namespaces pane, for learning: for
// one container, each namespace's identity beside the host's, its
// processes with both pids, its mounts with the overlay layers behind the
// rootfs, its cgroup limits and use, and its network; each item carries a
// one-line explanation of what it is.
package namespaces

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berth-dev/berth/tui/common"
	"github.com/berth-dev/berth/tui/data"
)

// explain says in one line what each namespace kind isolates.
var explain = map[string]string{
	"mnt":    "its own mount table: / is the image's rootfs, not the host's",
	"uts":    "its own hostname and domain name",
	"ipc":    "its own System V IPC and POSIX message queues",
	"pid":    "its own process numbers: its first process is pid 1",
	"net":    "its own interfaces, addresses, routes and firewall",
	"user":   "its own user and group ids, mapped onto the host's",
	"cgroup": "its own view of the cgroup tree, rooted at its cgroup",
	"time":   "its own monotonic and boot clocks",
}

// Pane is the Namespaces pane.
type Pane struct {
	c      *common.Common
	target common.Target
	info   *data.NamespaceInfo
	top    int
	w, h   int
}

var _ common.Pane = (*Pane)(nil)
var _ common.Opener = (*Pane)(nil)

// New returns an empty Namespaces pane.
func New(c *common.Common) *Pane { return &Pane{c: c} }

// Name implements common.Pane.
func (p *Pane) Name() string { return "namespaces" }

// Title implements common.Pane.
func (p *Pane) Title() string { return "Namespaces" }

// Init implements common.Pane.
func (p *Pane) Init() tea.Cmd { return nil }

// Capturing implements common.Pane.
func (p *Pane) Capturing() bool { return false }

// SetSize implements common.Pane.
func (p *Pane) SetSize(w, h int) { p.w, p.h = w, h }

// Keys implements common.Pane.
func (p *Pane) Keys() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// Open implements common.Opener.
func (p *Pane) Open(ts []common.Target) tea.Cmd {
	if len(ts) > 0 {
		p.target = ts[0]
	}
	p.info, p.top = nil, 0
	return nil
}

// Update implements common.Pane.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.NamespacesMsg:
		n := data.NamespaceInfo(msg)
		p.info = &n
	case tea.KeyPressMsg:
		km := p.c.Keys
		last := max(0, len(p.lines())-p.h)
		switch {
		case key.Matches(msg, km.Up):
			p.top = max(0, p.top-1)
		case key.Matches(msg, km.Down):
			p.top = min(last, p.top+1)
		case key.Matches(msg, km.PageUp):
			p.top = max(0, p.top-p.h)
		case key.Matches(msg, km.PageDown):
			p.top = min(last, p.top+p.h)
		case key.Matches(msg, km.Top):
			p.top = 0
		case key.Matches(msg, km.Bottom):
			p.top = last
		}
	}
	return nil
}

// View implements common.Pane.
func (p *Pane) View() string {
	ls := p.lines()
	top := min(p.top, max(0, len(ls)-p.h))
	return common.Block(ls[top:], p.w, p.h)
}

func (p *Pane) lines() []string {
	st := &p.c.Styles
	if p.info == nil {
		msg := "  choose a container in the Containers pane and press n"
		if p.target.ID != "" {
			msg = "  reading the namespaces of " + p.target.Name + "…"
		}
		return []string{st.Muted.Render(msg)}
	}
	n := p.info
	var out []string
	section := func(title, why string) {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.Title.Render(title)+"  "+st.Explain.Render(why))
	}
	item := func(text, why string) {
		out = append(out, "  "+text)
		if why != "" {
			out = append(out, "    "+st.Explain.Render(why))
		}
	}
	out = append(out, st.Muted.Render(fmt.Sprintf("%s  %s", n.Name, common.ShortID(n.ContainerID))))
	section("Namespaces", "the kernel's walls around the container; same id as the host = shared")
	for _, ns := range n.Namespaces {
		own, why := st.Good.Render("own   "), explain[ns.Kind]
		if ns.Container == ns.Host {
			own, why = st.Warn.Render("shared"), "not isolated: the container shares the host's "+ns.Kind+" namespace"
		}
		item(fmt.Sprintf("%-6s %s  %s  host %s", ns.Kind, own, st.Accent.Render(ns.Container), st.Muted.Render(ns.Host)), why)
	}
	section("Processes", "each has one pid inside the container and another on the host")
	out = append(out, st.TableHeader.Render(fmt.Sprintf("  %8s %8s  %-8s %s", "HOST PID", "PID", "USER", "COMMAND")))
	for _, pr := range n.Processes {
		out = append(out, fmt.Sprintf("  %8d %8d  %-8s %s", pr.HostPID, pr.ContainerPID, pr.User, pr.Command))
	}
	section("Mounts", "what the container sees at each path, and where it comes from")
	for _, m := range n.Mounts {
		item(fmt.Sprintf("%-18s %s %s", m.Target, st.Info.Render(m.Type), st.Muted.Render(m.Source)), mountWhy(m))
		for i, l := range m.Layers {
			role := "lower"
			if i == 0 {
				role = "upper"
			}
			out = append(out, "      "+st.Secondary.Render(role)+" "+st.Muted.Render(l))
		}
	}
	cg := n.Cgroup
	section("Cgroup", "the limits the kernel enforces and what is used now")
	item("path   "+cg.Path, "")
	item("cpu    "+usage(fmt.Sprintf("%.1f%%", cg.CPUUsage), quota(cg.CPUQuota)), "CPU time, in percent of one core, against the quota")
	item("memory "+usage(common.HumanSize(cg.MemUsage), size(cg.MemLimit)), "memory charged to the cgroup; over the limit, the OOM killer acts")
	item("pids   "+usage(fmt.Sprint(cg.PidsCount), count(cg.PidsLimit)), "processes and threads; at the limit, fork fails")
	nw := n.Network
	section("Network", "a veth pair: one end in the container, one on the host's bridge")
	item(fmt.Sprintf("veth   %s ⇄ %s on %s", nw.ContainerVeth, nw.HostVeth, nw.Bridge), "packets leave the container's end and arrive at the host's")
	item(fmt.Sprintf("ip     %s via %s", nw.IP, nw.Gateway), "the container's address on the bridge; the gateway is the bridge")
	item("ports  "+strings.Join(nw.Ports, ", "), "host ports forwarded to the container by nftables DNAT rules")
	for i, t := range nw.Traffic {
		why := ""
		if i == len(nw.Traffic)-1 {
			why = "the DNAT rule counts each connection's first packet; the rest follow conntrack"
		}
		item(fmt.Sprintf("       %s: %d connections, %s in their first packets", t.Port, t.Connections, common.HumanSize(t.Bytes)), why)
	}
	return out
}

func mountWhy(m data.Mount) string {
	switch {
	case m.Type == "overlay":
		return "the rootfs: read-only image layers under one writable upper layer"
	case m.Type == "proc":
		return "the process list of the container's pid namespace"
	case m.Type == "sysfs":
		return "the kernel's view of devices, read-only"
	case m.Type == "tmpfs":
		return "memory-backed files, gone when the container stops"
	case m.Type == "bind":
		return "a host path or volume shown inside the container"
	case m.Type == "cgroup" || m.Type == "cgroup2":
		return "the container's own cgroup, read-only"
	}
	return ""
}

func usage(used, limit string) string { return used + " of " + limit }

func quota(cores float64) string {
	if cores == 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%.2f cores", cores)
}

func size(n uint64) string {
	if n == 0 {
		return "unlimited"
	}
	return common.HumanSize(n)
}

func count(n uint64) string {
	if n == 0 {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

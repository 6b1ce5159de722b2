package engineview

import (
	"context"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/layers/analyze"
	"github.com/berth-dev/berth/tui/data"
)

// Layers analyses an image as dive does: its layers with their own changes
// and the image's tree up to each, efficiency and wasted space.
func (b *Backend) Layers(ctx context.Context, imageID string) (data.LayerAnalysis, error) {
	img, err := b.store.Image(ctx, imageID)
	if err != nil {
		return data.LayerAnalysis{}, err
	}
	res, err := b.analyzer.Image(ctx, img)
	if err != nil {
		return data.LayerAnalysis{}, err
	}
	la := data.LayerAnalysis{ImageID: imageID, Ref: imageID, Efficiency: res.Efficiency, Wasted: res.WastedBytes}
	for i, l := range res.Layers {
		la.Layers = append(la.Layers, data.LayerRow{Digest: l.DiffID.String(), Command: l.Command, Size: l.Size,
			Tree: changeTree(res.Changes(i)), Image: imageTree(res.Tree(i))})
	}
	for _, w := range res.Inefficiencies {
		la.WastedFiles = append(la.WastedFiles, data.WastedFile{Path: w.Path, Count: w.Count, Wasted: uint64(w.Size)})
	}
	return la, nil
}

var changeKinds = map[analyze.ChangeKind]data.Change{analyze.Unmodified: data.Unchanged, analyze.Added: data.Added,
	analyze.Modified: data.Modified, analyze.Removed: data.Removed}

// imageTree turns the analysis's flat pre-order tree into nested nodes.
func imageTree(t *analyze.Tree) *data.FileNode {
	root := &data.FileNode{Name: "/", Dir: true, Mode: "drwxr-xr-x"}
	if t == nil {
		return root
	}
	var build func(parent *data.FileNode, kids []int)
	build = func(parent *data.FileNode, kids []int) {
		for _, i := range kids {
			n := &t.Nodes[i]
			fn := &data.FileNode{Name: n.Name(), Dir: n.IsDir(), Mode: n.Mode.String(), Change: changeKinds[n.Diff], Size: uint64(n.Total)}
			parent.Children = append(parent.Children, fn)
			if n.IsDir() {
				build(fn, t.Children(i))
			}
		}
	}
	build(root, t.Children(-1))
	for _, c := range root.Children {
		root.Size += c.Size
	}
	return root
}

// changeTree nests a layer's list of changes by path.
func changeTree(changes []analyze.Change) *data.FileNode {
	root := &data.FileNode{Name: "/", Dir: true, Mode: "drwxr-xr-x"}
	for _, c := range changes {
		insert(root, c.Entry.Path, &data.FileNode{Name: path.Base(c.Entry.Path), Dir: c.Entry.IsDir(),
			Mode: c.Entry.Mode.String(), Change: changeKinds[c.Kind], Size: uint64(c.Entry.Size)})
	}
	return root
}

// insert places node at p under root, making the directories on the way.
func insert(root *data.FileNode, p string, node *data.FileNode) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	cur := root
	for _, part := range parts[:len(parts)-1] {
		var next *data.FileNode
		for _, c := range cur.Children {
			if c.Name == part {
				next = c
				break
			}
		}
		if next == nil {
			next = &data.FileNode{Name: part, Dir: true, Mode: "drwxr-xr-x"}
			cur.Children = append(cur.Children, next)
		}
		cur.Size += node.Size
		cur = next
	}
	cur.Size += node.Size
	for _, c := range cur.Children {
		if c.Name == node.Name {
			c.Change, c.Mode = node.Change, node.Mode
			return
		}
	}
	cur.Children = append(cur.Children, node)
}

// Changes lists what a container changed against its image, as a tree.
func (b *Backend) Changes(ctx context.Context, id string) (*data.FileNode, error) {
	changes, err := b.e.Diff(ctx, id)
	if err != nil {
		return nil, err
	}
	root := &data.FileNode{Name: "/", Dir: true, Mode: "drwxr-xr-x"}
	kinds := map[byte]data.Change{'A': data.Added, 'C': data.Modified, 'D': data.Removed}
	for _, c := range changes {
		insert(root, c.Path, &data.FileNode{Name: path.Base(c.Path), Change: kinds[c.Kind]})
	}
	return root, nil
}

var nsKinds = []string{"mnt", "uts", "ipc", "pid", "net", "user", "cgroup", "time"}

// Namespaces shows, for a running container, each namespace beside the
// host's, its processes with both pids, its mounts and its cgroup.
func (b *Backend) Namespaces(ctx context.Context, id string) (data.NamespaceInfo, error) {
	rec, err := b.e.Containers.Get(id)
	if err != nil {
		return data.NamespaceInfo{}, err
	}
	info := data.NamespaceInfo{ContainerID: rec.ID, Name: rec.Name}
	pid := rec.State.Pid
	if pid <= 0 {
		return info, fmt.Errorf("container %s is not running: its namespaces exist only while it runs", rec.Name)
	}
	for _, k := range nsKinds {
		c, err1 := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + k)
		h, err2 := os.Readlink("/proc/self/ns/" + k)
		if err1 == nil && err2 == nil {
			info.Namespaces = append(info.Namespaces, data.Namespace{Kind: k, Container: c, Host: h})
		}
	}
	if pids, err := b.e.Processes(ctx, rec.ID); err == nil {
		for _, p := range pids {
			pi, err := engine.ReadProcess(p)
			if err != nil {
				continue
			}
			info.Processes = append(info.Processes, data.Process{HostPID: pi.PID, ContainerPID: pi.NSPID, User: strconv.Itoa(pi.UID), Command: pi.Cmd})
		}
	}
	if mi, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/mountinfo"); err == nil {
		info.Mounts = parseMountinfo(string(mi))
	}
	info.Cgroup.Path = engine.CgroupPath(rec.ID)
	b.mu.Lock()
	if s, ok := b.latest[rec.ID]; ok {
		info.Cgroup.CPUUsage, info.Cgroup.MemUsage, info.Cgroup.MemLimit = s.CPUPercent, s.MemUsage, s.MemLimit
		info.Cgroup.PidsCount, info.Cgroup.PidsLimit = s.Pids, s.PidsLimit
	}
	b.mu.Unlock()
	if r := rec.Config.Resources; r.CPUs > 0 {
		info.Cgroup.CPUQuota = r.CPUs
	}
	for _, ep := range rec.Network {
		info.Network = data.Network{HostVeth: ep.HostVeth, ContainerVeth: "eth0", IP: ep.IP, Gateway: ep.Gateway, Ports: ep.Ports}
		break
	}
	if len(info.Network.Ports) > 0 {
		info.Network.Traffic = portTraffic(rec.ID, info.Network.IP)
	}
	return info, nil
}

// parseMountinfo reads /proc/<pid>/mountinfo; an overlay's lowerdirs become
// its Layers, top first.
func parseMountinfo(s string) []data.Mount {
	var out []data.Mount
	for _, line := range strings.Split(s, "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 6 || len(g) < 3 {
			continue
		}
		m := data.Mount{Target: f[4], Options: f[5], Type: g[0], Source: g[1]}
		for _, o := range strings.Split(g[2], ",") {
			if lower, ok := strings.CutPrefix(o, "lowerdir="); ok {
				m.Layers = strings.Split(lower, ":")
			}
		}
		out = append(out, m)
	}
	return out
}

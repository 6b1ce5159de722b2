package datatest

import (
	"fmt"

	"github.com/berth-dev/berth/tui/data"
)

func dir(name string, kids ...*data.FileNode) *data.FileNode {
	n := &data.FileNode{Name: name, Dir: true, Mode: "drwxr-xr-x", Children: kids}
	for _, k := range kids {
		n.Size += k.Size
		if k.Change != data.Unchanged && n.Change == data.Unchanged {
			n.Change = data.Modified
		}
	}
	return n
}

func file(name string, size uint64, ch data.Change) *data.FileNode {
	return &data.FileNode{Name: name, Size: size, Mode: "-rw-r--r--", Change: ch}
}

// Analysis returns the analysis of a three-layer image: a base, an added
// application, and a layer that rewrites and removes files of the others.
func Analysis() data.LayerAnalysis {
	base := dir("", dir("bin", file("busybox", 1_100_000, data.Added), file("sh", 0, data.Added)),
		dir("etc", file("passwd", 340, data.Added), file("group", 200, data.Added)))
	app := dir("", dir("app", file("server", 8_400_000, data.Added), file("config.json", 1200, data.Added),
		dir("static", file("index.html", 4000, data.Added), file("app.js", 230_000, data.Added))),
		dir("etc", file("passwd", 380, data.Modified)))
	clean := dir("", dir("app", file("config.json", 1300, data.Modified), file("debug.log", 0, data.Removed)),
		dir("tmp", file("cache.bin", 2_000_000, data.Removed)))
	image := dir("", dir("app", file("server", 8_400_000, data.Unchanged), file("config.json", 1300, data.Modified),
		dir("static", file("index.html", 4000, data.Unchanged), file("app.js", 230_000, data.Unchanged))),
		dir("bin", file("busybox", 1_100_000, data.Unchanged), file("sh", 0, data.Unchanged)),
		dir("etc", file("passwd", 380, data.Unchanged), file("group", 200, data.Unchanged)))
	return data.LayerAnalysis{
		ImageID: "sha256:" + id('a', 1), Ref: "ghcr.io/berth-dev/api:2.3.1",
		Layers: []data.LayerRow{
			{Digest: "sha256:" + id('l', 0), Command: "ADD rootfs.tar.gz / # buildkit", Size: base.Size, Tree: base, Image: base},
			{Digest: "sha256:" + id('l', 1), Command: "COPY ./dist /app", Size: app.Size, Tree: app, Image: image},
			{Digest: "sha256:" + id('l', 2), Command: "RUN rm -rf /tmp/cache.bin /app/debug.log &&\n    sed -i s/x/y/ /app/config.json", Size: clean.Size, Tree: clean, Image: image},
		},
		Efficiency: 0.8123, Wasted: 2_001_580,
		WastedFiles: []data.WastedFile{{Path: "/tmp/cache.bin", Count: 2, Wasted: 2_000_000}, {Path: "/app/config.json", Count: 2, Wasted: 1200}, {Path: "/etc/passwd", Count: 2, Wasted: 340}},
	}
}

// Namespaces returns the namespaces view of a running container.
func Namespaces() data.NamespaceInfo {
	ns := func(kind string, c, h int) data.Namespace {
		return data.Namespace{Kind: kind, Container: kindID(kind, c), Host: kindID(kind, h)}
	}
	return data.NamespaceInfo{
		ContainerID: id('c', 0), Name: "web-0",
		Namespaces: []data.Namespace{ns("mnt", 4026532281, 4026531841), ns("uts", 4026532282, 4026531838),
			ns("ipc", 4026532283, 4026531839), ns("pid", 4026532284, 4026531836), ns("net", 4026532286, 4026531840),
			ns("user", 4026531837, 4026531837), ns("cgroup", 4026532287, 4026531835)},
		Processes: []data.Process{{HostPID: 41233, ContainerPID: 1, User: "root", Command: "nginx: master process nginx -g daemon off;"},
			{HostPID: 41260, ContainerPID: 29, User: "nginx", Command: "nginx: worker process"}},
		Mounts: []data.Mount{
			{Target: "/", Source: "overlay", Type: "overlay", Options: "rw",
				Layers: []string{"/var/lib/berth/snapshots/41/upper", "/var/lib/berth/snapshots/12/fs", "/var/lib/berth/snapshots/3/fs"}},
			{Target: "/proc", Source: "proc", Type: "proc"},
			{Target: "/dev", Source: "tmpfs", Type: "tmpfs"},
			{Target: "/sys/fs/cgroup", Source: "cgroup", Type: "cgroup2"},
			{Target: "/usr/share/nginx/html", Source: "/var/lib/berth/volumes/site/_data", Type: "bind"},
		},
		Cgroup: data.Cgroup{Path: "/berth/" + id('c', 0)[:12], CPUQuota: 0.5, CPUUsage: 12.5, MemLimit: 256 << 20, MemUsage: 41 << 20, PidsLimit: 512, PidsCount: 3},
		Network: data.Network{HostVeth: "veth3f2a1c", ContainerVeth: "eth0", Bridge: "berth0", IP: "10.88.0.2/16", Gateway: "10.88.0.1", Ports: []string{"0.0.0.0:8080->80/tcp"},
			Traffic: []data.PortTraffic{{Port: "8080->80/tcp", Connections: 42, Bytes: 2520}}},
	}
}

func kindID(kind string, n int) string { return fmt.Sprintf("%s:[%d]", kind, n) }

// Changes returns a container's own changes against its image.
func Changes() *data.FileNode {
	return dir("", dir("etc", file("hostname", 12, data.Added), file("resolv.conf", 80, data.Modified)),
		dir("var", dir("log", file("nginx.log", 48_000, data.Added))),
		dir("usr", dir("share", file("doc", 0, data.Removed))))
}

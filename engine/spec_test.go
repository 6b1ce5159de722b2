package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/layers/layertest"
)

func TestResolveUser(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(layertest.Passwd), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte(layertest.Group), 0o644)
	cases := map[string]string{
		"":             "0 0 [] /root",
		"berth":        "1000 1000 [10] /home/berth",
		"1000":         "1000 1000 [10] /home/berth",
		"berth:daemon": "1000 1 [] /home/berth",
		"4242":         "4242 0 [] /",
		"4242:4343":    "4242 4343 [] /",
		"nobody":       "65534 65534 [] /nonexistent",
	}
	for in, want := range cases {
		u, home, err := ResolveUser(root, in)
		got := strings.Join([]string{itoa(u.UID), itoa(u.GID), fmtGids(u.AdditionalGids), home}, " ")
		if err != nil || got != want {
			t.Errorf("ResolveUser(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"ghost", "berth:nogroupnamed"} {
		if _, _, err := ResolveUser(root, in); err == nil {
			t.Errorf("ResolveUser(%q) accepted", in)
		}
	}
}

// TestResolveUserStaysInsideRootfs plants /etc/passwd as a link to a file
// outside the rootfs: it must not be read.
func TestResolveUserStaysInsideRootfs(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "passwd"), []byte("evil:x:0:0::/:/bin/sh\n"), 0o644)
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(root, "etc/passwd"))
	if _, _, err := ResolveUser(root, "evil"); err == nil {
		t.Fatal("a passwd link leading outside the rootfs was followed")
	}
}

func baseSpec() *specs.Spec {
	caps := []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}
	return &specs.Spec{
		Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}},
		Mounts:  []specs.Mount{{Destination: "/proc", Type: "proc"}, {Destination: "/dev/shm", Type: "tmpfs"}},
		Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}},
			Seccomp:     &specs.LinuxSeccomp{DefaultAction: specs.ActErrno},
			MaskedPaths: []string{"/proc/kcore"},
			Resources:   &specs.LinuxResources{},
		},
	}
}

func TestApplyRecord(t *testing.T) {
	rootfs := layertest.Rootfs(t)
	rec := &container.Record{ID: strings.Repeat("a", 64), Config: container.Config{
		Cmd: []string{"sh"}, Env: []string{"A=1"}, User: "berth", Hostname: "box", Tty: true,
		CapAdd: []string{"sys_time"}, CapDrop: []string{"NET_RAW"}, SecurityOpt: []string{"no-new-privileges"},
		Resources:   container.Resources{Memory: 64 << 20, CPUs: 1.5, PidsLimit: 50},
		NetworkMode: "none",
		Mounts: []container.Mount{{Type: "volume", Source: "data", Target: "/data"}, {Type: "tmpfs", Target: "/dev/shm", Options: []string{"size=1000"}},
			{Type: "bind", Source: "/srv", Target: "/srv", ReadOnly: true}},
	}}
	s, err := ApplyRecord(baseSpec(), rec, rootfs, "/var/lib/berth/volumes", SpecFiles{Hosts: "/run/h"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Process.User.UID != 1000 || !slices.Contains(s.Process.Env, "HOME=/home/berth") || !s.Process.Terminal || !s.Process.NoNewPrivileges {
		t.Fatalf("process %+v", s.Process)
	}
	if got := strings.Join(s.Process.Capabilities.Effective, ","); got != "CAP_CHOWN,CAP_KILL,CAP_SYS_TIME" {
		t.Fatalf("caps %s", got)
	}
	r := s.Linux.Resources
	if *r.Memory.Limit != 64<<20 || *r.CPU.Quota != 150000 || *r.CPU.Period != 100000 || *r.Pids.Limit != 50 {
		t.Fatalf("resources %+v", r)
	}
	if s.Linux.CgroupsPath != "/berth/"+rec.ID || s.Hostname != "box" || s.Root.Path != rootfs {
		t.Fatalf("cgroup %s hostname %s root %+v", s.Linux.CgroupsPath, s.Hostname, s.Root)
	}
	var dests []string
	for _, m := range s.Mounts {
		dests = append(dests, m.Destination+":"+m.Type+":"+m.Source)
	}
	want := "/proc:proc:,/data:bind:/var/lib/berth/volumes/data/_data,/dev/shm:tmpfs:tmpfs,/srv:bind:/srv,/etc/hosts:bind:/run/h"
	if strings.Join(dests, ",") != want {
		t.Fatalf("mounts\n%s\nwant\n%s", strings.Join(dests, ","), want)
	}
	if n := s.Linux.Namespaces[len(s.Linux.Namespaces)-1]; n.Type != specs.NetworkNamespace {
		t.Fatalf("--network none needs its own netns: %+v", s.Linux.Namespaces)
	}
}

func TestApplyRecordPrivilegedAndErrors(t *testing.T) {
	rootfs := layertest.Rootfs(t)
	rec := &container.Record{ID: "x", Config: container.Config{Cmd: []string{"sh"}, Privileged: true, NetworkMode: "host"}}
	s, err := ApplyRecord(baseSpec(), rec, rootfs, "/v", SpecFiles{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Linux.Seccomp != nil || s.Linux.MaskedPaths != nil {
		t.Fatalf("privileged kept restrictions: %+v", s.Linux)
	}
	// Every capability this process holds, and none it lacks: a host may
	// withhold some, and asking for those would fail the start.
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var bnd uint64
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:\t"); ok {
			bnd, _ = strconv.ParseUint(v, 16, 64)
		}
	}
	var want []string
	for i, c := range allCaps {
		if bnd&(1<<i) != 0 {
			want = append(want, c)
		}
	}
	slices.Sort(want)
	if got := s.Process.Capabilities.Bounding; !slices.Equal(got, want) || !slices.Contains(got, "CAP_SYS_ADMIN") {
		t.Fatalf("privileged got %d capabilities %v, want the %d held (CapBnd %x)", len(got), got, len(want), bnd)
	}
	for _, n := range s.Linux.Namespaces {
		if n.Type == specs.NetworkNamespace {
			t.Fatal("--network host got its own netns")
		}
	}
	bad := []container.Config{
		{Cmd: []string{"sh"}, CapAdd: []string{"CAP_FLY"}},
		{Cmd: []string{"sh"}, SecurityOpt: []string{"seccomp=/etc/profile.json"}},
		{Cmd: []string{"sh"}, Resources: container.Resources{Memory: 1024}},
		{Cmd: []string{"sh"}, User: "ghost"},
	}
	for _, c := range bad {
		if _, err := ApplyRecord(baseSpec(), &container.Record{ID: "x", Config: c}, rootfs, "/v", SpecFiles{}); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

func fmtGids(g []uint32) string { return fmt.Sprint(g) }

package cgroups

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A process StartJoining starts, born inside where clone can place it and
// moving itself through the files returned everywhere else, is in the
// cgroup in every hierarchy, without Apply, and no thread of the caller is.
func TestStartJoining(t *testing.T) {
	// A device rule, so that the cgroup exists in the devices hierarchy too.
	m := newTestCgroup(t, &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The process waits for the list of files on its stdin.
	cmd := exec.Command("sh", "-c", `read files; for f in $files; do [ -e $f ] && echo 0 > $f; done; cat /proc/self/cgroup`)
	var out strings.Builder
	cmd.Stdin, cmd.Stdout = r, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	join, err := m.StartJoining(cmd.SysProcAttr, cmd.Start)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(w, strings.Join(join, " "))
	w.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if IsV2() != (len(join) == 0) {
		t.Errorf("files to join through on this host (v2 %v): %v", IsV2(), join)
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		// hierarchy-ID:controllers:path; hugetlb may live outside
		// /sys/fs/cgroup, where berth makes no cgroup.
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 || strings.Contains(f[1], "hugetlb") || strings.Contains(f[1], "rdma") ||
			strings.Contains(f[1], "net_") || strings.Contains(f[1], "perf_event") || strings.Contains(f[1], "misc") {
			continue
		}
		if f[2] != m.Path() {
			t.Errorf("born in %s, want %s (%s)", f[2], m.Path(), line)
		}
	}
	procs, err := m.Procs()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(procs, os.Getpid()) {
		t.Errorf("a thread of the test process is left in the cgroup: %v", procs)
	}
	self, _ := os.ReadFile("/proc/self/cgroup")
	if strings.Contains(string(self), m.Path()) {
		t.Errorf("the test process is in the cgroup:\n%s", self)
	}
}

package stats

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine/runner/cgroups"
)

// TestSamplerReadsARealCgroup puts a busy process into a new cgroup with a
// memory limit and samples it.
func TestSamplerReadsARealCgroup(t *testing.T) {
	path := fmt.Sprintf("/berth-test-stats-%d", os.Getpid())
	limit := int64(256 << 20)
	m, err := cgroups.New(path, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}})
	if err != nil {
		t.Fatalf("creating a cgroup (the tests run as root): %v", err)
	}
	defer m.Destroy()
	// Hold 8 MB of anonymous memory, then spin.
	busy := exec.Command("/bin/sh", "-c", "x=$(head -c 8000000 /dev/zero | tr '\\0' a); while :; do :; done")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	defer busy.Process.Kill()
	if err := m.Apply(busy.Process.Pid); err != nil {
		t.Fatal(err)
	}
	s := NewSampler()
	target := []Target{{ID: "c1", Name: "busy", Pid: busy.Process.Pid, CgroupPath: path}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := s.Stream(ctx, 300*time.Millisecond, func() []Target { return target })
	first, second := <-ch, <-ch
	if first[0].Err != nil || second[0].Err != nil {
		t.Fatalf("sampling: %v / %v", first[0].Err, second[0].Err)
	}
	got := second[0]
	if got.CPUPercent <= 0 || got.CPU.UsageNanos <= first[0].CPU.UsageNanos {
		t.Fatalf("a busy loop shows no CPU: %+v", got)
	}
	if got.MemLimit != uint64(limit) || got.MemUsage == 0 || got.Pids < 1 {
		t.Fatalf("memory %d/%d, pids %d", got.MemUsage, got.MemLimit, got.Pids)
	}
	// A container that went away reads as an error, not a crash, and is forgotten.
	gone := s.Sample([]Target{{ID: "c2", CgroupPath: "/berth-test-stats-missing"}})
	if gone[0].Err == nil {
		t.Fatal("a missing cgroup gave a sample")
	}
	if _, ok := s.managers["c1"]; ok {
		t.Fatal("the sampler kept the manager of a container no longer listed")
	}
}

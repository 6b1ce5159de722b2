package supervisor

import (
	"os"
	"os/exec"
	"testing"
)

func TestProcStartTimeTellsProcessesApart(t *testing.T) {
	self, err := ProcStartTime(os.Getpid())
	if err != nil || self == 0 {
		t.Fatalf("own start time %d, %v", self, err)
	}
	again, _ := ProcStartTime(os.Getpid())
	if again != self {
		t.Fatalf("start time changed: %d then %d", self, again)
	}
	cmd := exec.Command("/bin/sleep", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	child, err := ProcStartTime(cmd.Process.Pid)
	if err != nil || child < self {
		t.Fatalf("child start time %d (self %d), %v", child, self, err)
	}
	if _, err := ProcStartTime(1 << 30); err == nil {
		t.Fatal("a missing process has a start time")
	}
}

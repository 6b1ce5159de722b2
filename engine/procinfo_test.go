package engine

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestReadProcess(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Read it once it sleeps: right after exec it may hold no pages yet.
	var p ProcessInfo
	var err error
	for i := 0; i < 200; i++ {
		if p, err = ReadProcess(cmd.Process.Pid); err != nil || p.State == "S" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if p.PPID != os.Getpid() || p.NSPID != cmd.Process.Pid || p.UID != os.Getuid() || p.Cmd != "/bin/sleep 5" || p.Comm != "sleep" {
		t.Fatalf("read %+v", p)
	}
	if age := time.Since(p.Started); age < -2*time.Second || age > time.Minute {
		t.Fatalf("started %v ago", age)
	}
	if p.State != "S" || p.RSS <= 0 {
		t.Fatalf("state %q rss %d", p.State, p.RSS)
	}
	if _, err := ReadProcess(1 << 30); err == nil {
		t.Fatal("read a missing process")
	}
}

package netsetup

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// A new namespace is another than berth's, and making it leaves every
// thread of berth in its own.
func TestNewNamespace(t *testing.T) {
	var own unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &own); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		f, err := NewNamespace()
		if err != nil {
			t.Fatal(err)
		}
		var made unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &made); err != nil {
			t.Fatal(err)
		}
		if made.Ino == own.Ino && made.Dev == own.Dev {
			t.Fatal("the new namespace is berth's own")
		}
		f.Close()
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		var st unix.Stat_t
		if err := unix.Stat(fmt.Sprintf("/proc/self/task/%s/ns/net", task.Name()), &st); err != nil {
			continue // a thread that just ended
		}
		if st.Ino != own.Ino || st.Dev != own.Dev {
			t.Errorf("thread %s was left in another network namespace", task.Name())
		}
	}
}

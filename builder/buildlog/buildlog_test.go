package buildlog

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth-dev/berth/builder/progress"
)

func TestRecordWatchAndList(t *testing.T) {
	root := t.TempDir()
	l, err := Start(root, Meta{Context: "/src", Tags: []string{"app:1"}})
	if err != nil {
		t.Fatal(err)
	}
	in := make(chan progress.Event)
	out := l.Tee(in)
	go func() {
		in <- progress.Event{Kind: progress.StepStarted, Step: 1, Total: 2, Instruction: "FROM busybox"}
		in <- progress.Event{Kind: progress.CacheMiss, Step: 1, Reason: "file a.txt changed"}
		close(in)
	}()
	var passed int
	for range out {
		passed++
	}
	if passed != 2 {
		t.Fatalf("%d events passed on, want 2", passed)
	}
	evs, off, err := Read(root, l.ID(), 0)
	if err != nil || len(evs) != 2 || evs[1].Reason != "file a.txt changed" || evs[0].Instruction != "FROM busybox" {
		t.Fatalf("Read = %+v, %v", evs, err)
	}
	// A watcher reading again sees only what came since; half a line waits.
	f, _ := os.OpenFile(filepath.Join(root, Dir, l.ID(), "progress.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"Kind":4,"Step":1,"Err":"boom"}` + "\n" + `{"Kind":`)
	f.Close()
	evs, off2, _ := Read(root, l.ID(), off)
	if len(evs) != 1 || evs[0].Kind != progress.StepDone || evs[0].Err != "boom" || off2 <= off {
		t.Fatalf("second Read = %+v at %d", evs, off2)
	}
	if evs, _, _ := Read(root, l.ID(), off2); len(evs) != 0 {
		t.Fatalf("a half line was read: %+v", evs)
	}

	if m, _ := Get(root, l.ID()); m.Status != Running {
		t.Fatalf("status while running: %s", m.Status)
	}
	if err := l.Finish("", errors.New("step 2: exit code 1")); err != nil {
		t.Fatal(err)
	}
	ms, err := List(root)
	if err != nil || len(ms) != 1 || ms[0].Status != Failed || ms[0].Error != "step 2: exit code 1" || ms[0].Tags[0] != "app:1" {
		t.Fatalf("List = %+v, %v", ms, err)
	}
}

func TestKilledBuildIsFailedAndOldOnesGo(t *testing.T) {
	root := t.TempDir()
	l, err := Start(root, Meta{Context: "/src"})
	if err != nil {
		t.Fatal(err)
	}
	l.meta.Pid = 1 << 30 // no such process
	l.writeMeta()
	if m, _ := Get(root, l.ID()); m.Status != Failed {
		t.Fatalf("a build whose process is gone: %s", m.Status)
	}
	for i := 0; i < Keep+5; i++ {
		l, err := Start(root, Meta{Context: "/src"})
		if err != nil {
			t.Fatal(err)
		}
		l.Finish("sha256:x", nil)
		past := time.Now().Add(-time.Duration(Keep+5-i) * time.Minute)
		os.Chtimes(filepath.Join(root, Dir, l.ID()), past, past)
	}
	ents, _ := os.ReadDir(filepath.Join(root, Dir))
	if len(ents) > Keep+1 {
		t.Fatalf("%d builds kept, want at most %d", len(ents), Keep+1)
	}
}

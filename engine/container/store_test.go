package container

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestCreateGetByIDNamePrefix(t *testing.T) {
	s, err := Open(t.TempDir())
	must(t, err)
	rec := &Record{Name: "web", Image: "busybox", Created: time.Now()}
	must(t, s.Create(rec))
	for _, ref := range []string{rec.ID, "web", "/web", rec.ID[:12], rec.ID[:5]} {
		got, err := s.Get(ref)
		if err != nil || got.ID != rec.ID || got.Image != "busybox" {
			t.Fatalf("Get(%q) = %+v, %v", ref, got, err)
		}
	}
	if _, err := s.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown name: %v, want ErrNotFound", err)
	}
}

func TestNamesAreUniqueAndValid(t *testing.T) {
	s, _ := Open(t.TempDir())
	must(t, s.Create(&Record{Name: "db"}))
	err := s.Create(&Record{Name: "db"})
	if !errors.Is(err, ErrNameInUse) {
		t.Fatalf("second db: %v, want ErrNameInUse", err)
	}
	if err := s.Create(&Record{Name: "bad name!"}); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("bad name: %v", err)
	}
	recs, _ := s.List()
	if len(recs) != 1 {
		t.Fatalf("failed creates left records behind: %d", len(recs))
	}
	gen := &Record{}
	must(t, s.Create(gen))
	if !validName.MatchString(gen.Name) {
		t.Fatalf("generated name %q is not valid", gen.Name)
	}
}

func TestRenameAndRemove(t *testing.T) {
	// Names with letters past f: a hex-looking name could also match an ID prefix.
	s, _ := Open(t.TempDir())
	a := &Record{Name: "web"}
	must(t, s.Create(a))
	must(t, s.Create(&Record{Name: "worker"}))
	if err := s.Rename("web", "worker"); !errors.Is(err, ErrNameInUse) {
		t.Fatalf("rename onto a taken name: %v", err)
	}
	must(t, s.Rename("web", "proxy"))
	if _, err := s.Get("web"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old name still resolves: %v", err)
	}
	if got, _ := s.Get("proxy"); got == nil || got.ID != a.ID || got.Name != "proxy" {
		t.Fatalf("renamed record: %+v", got)
	}
	must(t, s.Remove(a.ID))
	if _, err := os.Stat(s.Dir(a.ID)); !os.IsNotExist(err) {
		t.Fatalf("directory left after remove: %v", err)
	}
	must(t, s.Create(&Record{Name: "proxy"})) // the name is free again
}

// A discarded container is gone from the store at once; its files go at
// purge or, when a purge never ran, at a CollectStale a minute on.
func TestDiscardThenPurge(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	a, b := &Record{Name: "first"}, &Record{Name: "second"}
	must(t, s.Create(a))
	must(t, s.Create(b))
	var before string
	purge, err := s.Discard(a.ID, func(dir string) error { before = dir; return nil })
	must(t, err)
	if _, err := s.Get(a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a discarded container is still found: %v", err)
	}
	if recs, _ := s.List(); len(recs) != 1 || recs[0].ID != b.ID {
		t.Fatalf("listed %d containers after a discard, want the other one", len(recs))
	}
	must(t, s.Create(&Record{Name: "first"})) // the name is free at once
	must(t, purge())
	if before != filepath.Join(dir, trashPrefix+a.ID) {
		t.Errorf("purge called its first step on %q, not the container's moved directory", before)
	}
	if _, err := os.Stat(filepath.Join(dir, trashPrefix+a.ID)); !os.IsNotExist(err) {
		t.Fatalf("purge left the files: %v", err)
	}
	_, err = s.Discard(b.ID, nil) // never purged
	must(t, err)
	trash := filepath.Join(dir, trashPrefix+b.ID)
	s.CollectStale()
	if _, err := os.Stat(trash); err != nil {
		t.Fatalf("CollectStale took a removal still under way: %v", err)
	}
	old := time.Now().Add(-staleTrash - time.Second)
	must(t, os.Chtimes(trash, old, old))
	s.CollectStale()
	if _, err := os.Stat(trash); !os.IsNotExist(err) {
		t.Fatalf("CollectStale left a stale removal's files: %v", err)
	}
}

// A self-removing container's record is not synced; the empty one a power
// loss may leave reads as no container, and goes with its name.
func TestEmptyRecordOfASelfRemovingContainer(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	gone, kept := &Record{Name: "gone", Config: Config{AutoRemove: true}}, &Record{Name: "kept"}
	must(t, s.Create(gone))
	must(t, s.Create(kept))
	if got, err := s.Get("gone"); err != nil || !got.Config.AutoRemove {
		t.Fatalf("the self-removing container's record: %+v, %v", got, err)
	}
	must(t, os.Truncate(filepath.Join(s.Dir(gone.ID), "container.json"), 0))
	if _, err := s.Get(gone.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an empty record reads as %v, want ErrNotFound", err)
	}
	if recs, err := s.List(); err != nil || len(recs) != 1 || recs[0].ID != kept.ID {
		t.Fatalf("list with an empty record: %d records, %v", len(recs), err)
	}
	s.CollectStale()
	if _, err := os.Stat(s.Dir(gone.ID)); !os.IsNotExist(err) {
		t.Fatalf("CollectStale left the emptied container: %v", err)
	}
	must(t, s.Create(&Record{Name: "gone"})) // its name is free again
}

func TestUpdateIsAtomicUnderLock(t *testing.T) {
	s, _ := Open(t.TempDir())
	rec := &Record{Name: "counter"}
	must(t, s.Create(rec))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Update(rec.ID, func(r *Record) error { r.RestartCount++; return nil })
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, _ := s.Get(rec.ID)
	if got.RestartCount != 20 {
		t.Fatalf("lost updates: count %d, want 20", got.RestartCount)
	}
	_, err := s.Update(rec.ID, func(r *Record) error { r.RestartCount = 99; return errors.New("no") })
	if err == nil {
		t.Fatal("fn's error was not returned")
	}
	if got, _ := s.Get(rec.ID); got.RestartCount != 20 {
		t.Fatal("a failed update was written")
	}
}

// TestTenProcessesRaceForOneName starts ten processes that all create a
// container with the same name: exactly one may win.
func TestTenProcessesRaceForOneName(t *testing.T) {
	if dir := os.Getenv("BERTH_CONTAINER_CHILD"); dir != "" {
		s, _ := Open(dir)
		if err := s.Create(&Record{Name: "racer"}); err != nil {
			if errors.Is(err, ErrNameInUse) {
				os.Exit(3)
			}
			os.Exit(4)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestTenProcessesRaceForOneName$")
			cmd.Env = append(os.Environ(), "BERTH_CONTAINER_CHILD="+dir)
			err := cmd.Run()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				codes[i] = ee.ExitCode()
			}
		}(i)
	}
	wg.Wait()
	wins := 0
	for i, c := range codes {
		switch c {
		case 0:
			wins++
		case 3:
		default:
			t.Fatalf("process %d exited %d", i, c)
		}
	}
	s, _ := Open(dir)
	recs, _ := s.List()
	if wins != 1 || len(recs) != 1 {
		t.Fatalf("%d processes won, %d records; want exactly one", wins, len(recs))
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "names" && len(e.Name()) != 64 {
			t.Fatalf("left behind: %s", filepath.Join(dir, e.Name())+" "+strconv.Itoa(len(ents)))
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A creation killed after it claimed its name leaves a staging directory;
// the next process removes it and frees the name.
func TestCollectStaleCreations(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := NewID()
	dead := 1 << 30
	stage := filepath.Join(s.dir, fmt.Sprintf("%s%s-%d", stagePrefix, id, dead))
	if err := os.Mkdir(stage, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.writeIn(stage, &Record{ID: id, Name: "halfway"}); err != nil {
		t.Fatal(err)
	}
	if err := s.claimName("halfway", id); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(s.dir, fmt.Sprintf("%s%s-%d", stagePrefix, NewID(), os.Getpid()))
	if err := os.Mkdir(live, 0o700); err != nil {
		t.Fatal(err)
	}
	s.CollectStale()
	if _, err := os.Stat(stage); !os.IsNotExist(err) {
		t.Errorf("the dead creation's staging directory is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live creation's staging directory was removed: %v", err)
	}
	if err := s.Create(&Record{Name: "halfway"}); err != nil {
		t.Errorf("the name stayed claimed: %v", err)
	}
}

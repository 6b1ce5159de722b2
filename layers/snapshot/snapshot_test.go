package snapshot_test

import (
	"os"
	"strings"
	"testing"

	"github.com/berth-dev/berth/layers/snapshot"
	"github.com/berth-dev/berth/layers/snapshot/snapshottest"
)

func TestOverlay(t *testing.T) {
	if !snapshot.OverlaySupported(t.TempDir()) {
		t.Skip("overlayfs cannot be mounted on this filesystem; the copy snapshotter covers it")
	}
	snapshottest.Suite(t, func(t *testing.T, dir string) snapshot.Snapshotter {
		sn, err := snapshot.NewOverlay(dir)
		if err != nil {
			t.Fatal(err)
		}
		return sn
	})
}

func TestCopy(t *testing.T) {
	snapshottest.Suite(t, func(t *testing.T, dir string) snapshot.Snapshotter {
		sn, err := snapshot.NewCopy(dir)
		if err != nil {
			t.Fatal(err)
		}
		return sn
	})
}

func TestNewPicksOverlayWhereItWorks(t *testing.T) {
	root := t.TempDir()
	sn, err := snapshot.New(root)
	if err != nil {
		t.Fatal(err)
	}
	want := "copy"
	if snapshot.OverlaySupported(root) {
		want = "overlay"
	}
	if sn.Name() != want {
		t.Fatalf("New chose %s, want %s", sn.Name(), want)
	}
}

// The test mount is never seen in berth's mount namespace, so that a process
// killed in the middle of it leaves none behind; nor is its directory left.
func TestOverlayCheckLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	snapshot.OverlaySupported(dir)
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mi), dir) {
		t.Errorf("a mount under %s is left:\n%s", dir, mi)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left in %s: %v", dir, ents)
	}
}

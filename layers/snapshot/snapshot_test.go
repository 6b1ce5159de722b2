package snapshot_test

import (
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

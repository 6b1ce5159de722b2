package layers

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/layers/layertest"
)

// TestFullDiskLeavesStoreAsItWas fills a small tmpfs: the import fails with
// ENOSPC naming what it was writing, and the store is as it was.
func TestFullDiskLeavesStoreAsItWas(t *testing.T) {
	root := t.TempDir()
	if err := unix.Mount("tmpfs", root, "tmpfs", 0, "size=512k"); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v): the full-disk case needs CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	ctx := context.Background()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	small, _ := random.Image(1024, 1)
	if _, err := s.Write(ctx, small, "small"); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s)
	_, err = s.Import(ctx, bytes.NewReader(layertest.Tar(t)), "big", nil)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("import onto a full disk: %v", err)
	}
	if errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "writing") {
		t.Errorf("a full disk reads as %q", err)
	}
	if after := snapshot(t, s); after != before {
		t.Errorf("a failed import changed the store:\nbefore\n%s\nafter\n%s", before, after)
	}
	if _, err := s.Image(ctx, "small"); err != nil {
		t.Fatal(err)
	}
}

package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// premakeEtc makes the bind targets the image lacks, inside the rootfs:
// never through a symlinked /etc, never over what is there.
func TestPremakeEtc(t *testing.T) {
	sf := SpecFiles{Hosts: "/x/hosts", Hostname: "/x/hostname"}
	rootfs := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(rootfs, "etc"), 0o755))
	must(os.WriteFile(filepath.Join(rootfs, "etc", "hostname"), []byte("image's\n"), 0o644))
	premakeEtc(rootfs, sf)
	if fi, err := os.Stat(filepath.Join(rootfs, "etc", "hosts")); err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o644 {
		t.Errorf("/etc/hosts: %v, %v", fi, err)
	}
	if b, _ := os.ReadFile(filepath.Join(rootfs, "etc", "hostname")); string(b) != "image's\n" {
		t.Errorf("the image's /etc/hostname was changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "etc", "resolv.conf")); !os.IsNotExist(err) {
		t.Errorf("/etc/resolv.conf made for a container without one: %v", err)
	}

	// An /etc that leads out of the rootfs is not followed.
	outside := t.TempDir()
	rootfs = t.TempDir()
	must(os.Symlink(outside, filepath.Join(rootfs, "etc")))
	premakeEtc(rootfs, sf)
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("files made through a symlinked /etc: %v", ents)
	}
}

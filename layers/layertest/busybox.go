// Package layertest makes the base images berth's tests run on: a root
// filesystem of Debian's static busybox with its applet links, as a directory
// or as a tar stream, generated at test time rather than checked in.
package layertest

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BusyboxPath is where Debian's busybox-static package installs the binary.
const BusyboxPath = "/bin/busybox"

// Passwd and Group are the account files written into every test rootfs, so
// that user and group names resolve the way they do in the busybox image.
const (
	Passwd = "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nberth:x:1000:1000:berth:/home/berth:/bin/sh\n"
	Group  = "root:x:0:\ndaemon:x:1:\nwheel:x:10:berth\nnogroup:x:65534:\nberth:x:1000:\n"
)

// RequireBusybox fails the test when the static busybox is missing: the test
// command (scripts/test) installs it, so its absence is a set-up error.
func RequireBusybox(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Fatalf("%s is missing: install Debian's busybox-static (scripts/test does)", BusyboxPath)
	}
}

// Applets lists the applet names the installed busybox provides.
func Applets(t testing.TB) []string {
	t.Helper()
	RequireBusybox(t)
	out, err := exec.Command(BusyboxPath, "--list").Output()
	if err != nil {
		t.Fatalf("busybox --list: %v", err)
	}
	return strings.Fields(string(out))
}

// Rootfs writes a busybox root filesystem into a new temporary directory and
// returns its path: /bin/busybox, a link per applet in /bin, /etc/passwd,
// /etc/group, and the empty directories an image usually has.
func Rootfs(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteRootfs(dir, Applets(t)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WriteRootfs writes the busybox rootfs into dir.
func WriteRootfs(dir string, applets []string) error {
	for _, d := range []string{"bin", "etc", "root", "tmp", "proc", "sys", "dev", "home/berth", "var", "usr/bin"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(dir, "tmp"), os.ModeSticky|0o777); err != nil {
		return err
	}
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), bin, 0o755); err != nil {
		return err
	}
	for _, a := range applets {
		if a == "busybox" {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte(Passwd), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "etc/group"), []byte(Group), 0o644)
}

// Tar returns the busybox rootfs as an uncompressed tar stream, in the form
// `berth import` takes.
func Tar(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTar(&buf, Applets(t)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// WriteTar writes the busybox rootfs as a tar stream to w.
func WriteTar(w io.Writer, applets []string) error {
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	dirs := []string{"bin/", "etc/", "root/", "tmp/", "proc/", "sys/", "dev/", "home/", "home/berth/", "var/", "usr/", "usr/bin/"}
	for _, d := range dirs {
		mode := int64(0o755)
		if d == "tmp/" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: mode}); err != nil {
			return err
		}
	}
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"bin/busybox", 0o755, bin},
		{"etc/passwd", 0o644, []byte(Passwd)},
		{"etc/group", 0o644, []byte(Group)},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	for _, a := range applets {
		if a == "busybox" {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777}); err != nil {
			return err
		}
	}
	return tw.Close()
}

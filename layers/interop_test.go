package layers

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/berth-dev/berth/layers/layertest"
)

// podman runs podman on a throw-away store under the test's temporary
// directory, never the host's.
func podman(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		t.Fatal("podman is missing: the test command (scripts/test) installs it")
	}
	base := []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"}
	cmd := exec.Command("podman", append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("podman %v: %v: %s", args, err, stderr.String())
	}
	return out
}

func skopeo(t *testing.T, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Fatal("skopeo is missing: the test command (scripts/test) installs it")
	}
	out, err := exec.Command("skopeo", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo %v: %v: %s", args, err, out)
	}
	return out
}

func cleanupPodman(t *testing.T, dir string) {
	t.Cleanup(func() {
		exec.Command("podman", "--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
			"--storage-driver", "vfs", "system", "reset", "--force").Run()
	})
}

func TestInteropSaveToPodmanAndSkopeo(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	importBusybox(t, s, "localhost/berth/busybox:v1", "CMD sh")
	img, _ := s.Image(ctx, "localhost/berth/busybox:v1")
	m, _ := img.Manifest()
	cfg, _ := img.ConfigFile()
	var layerDigests, diffIDs []string
	for _, l := range m.Layers {
		layerDigests = append(layerDigests, l.Digest.String())
	}
	for _, d := range cfg.RootFS.DiffIDs {
		diffIDs = append(diffIDs, d.String())
	}
	dir := shortTempDir(t)
	for _, format := range []string{FormatDockerArchive, FormatOCIArchive} {
		archive := filepath.Join(dir, format+".tar")
		f, err := os.Create(archive)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, f, format, "localhost/berth/busybox:v1"); err != nil {
			t.Fatal(err)
		}
		f.Close()

		var ins struct{ Layers []string }
		if err := json.Unmarshal(skopeo(t, "inspect", format+":"+archive), &ins); err != nil {
			t.Fatal(err)
		}
		// containers/image reads a docker archive's layers uncompressed, so
		// there the digests are the diff IDs.
		wantLayers := layerDigests
		if format == FormatDockerArchive {
			wantLayers = diffIDs
		}
		if !slices.Equal(ins.Layers, wantLayers) {
			t.Errorf("skopeo sees layers %v in the %s, berth stored %v", ins.Layers, format, wantLayers)
		}

		pdir := filepath.Join(dir, "podman-"+format)
		cleanupPodman(t, pdir)
		podman(t, pdir, "load", "-i", archive)
		var got []string
		out := podman(t, pdir, "image", "inspect", "--format", "{{json .RootFS.Layers}}", "localhost/berth/busybox:v1")
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("podman image inspect: %v: %s", err, out)
		}
		if !slices.Equal(got, diffIDs) {
			t.Errorf("podman loaded the %s with layers %v, berth has %v", format, got, diffIDs)
		}
		out = podman(t, pdir, "image", "inspect", "--format", "{{json .Config.Cmd}}", "localhost/berth/busybox:v1")
		if !bytes.Contains(out, []byte(`"sh"`)) {
			t.Errorf("podman sees Cmd %s", out)
		}
	}
}

func TestInteropLoadFromPodmanAndSkopeo(t *testing.T) {
	ctx := context.Background()
	dir := shortTempDir(t)
	rootfs := filepath.Join(dir, "rootfs.tar")
	if err := os.WriteFile(rootfs, layertest.Tar(t), 0o644); err != nil {
		t.Fatal(err)
	}
	want := tarFiles(t, bytes.NewReader(layertest.Tar(t)))
	pdir := filepath.Join(dir, "podman")
	cleanupPodman(t, pdir)
	podman(t, pdir, "import", rootfs, "localhost/podman/busybox:v1")
	dockerArchive := filepath.Join(dir, "podman-docker.tar")
	podman(t, pdir, "save", "--format", "docker-archive", "-o", dockerArchive, "localhost/podman/busybox:v1")
	ociArchive := filepath.Join(dir, "skopeo-oci.tar")
	skopeo(t, "copy", "docker-archive:"+dockerArchive, "oci-archive:"+ociArchive+":localhost/skopeo/busybox:v2")
	zstdArchive := filepath.Join(dir, "skopeo-zstd.tar")
	skopeo(t, "copy", "--dest-compress-format", "zstd", "docker-archive:"+dockerArchive, "oci-archive:"+zstdArchive+":localhost/skopeo/busybox:zstd")

	for archive, ref := range map[string]string{dockerArchive: "localhost/podman/busybox:v1", ociArchive: "localhost/skopeo/busybox:v2", zstdArchive: "localhost/skopeo/busybox:zstd"} {
		s := newStore(t)
		f, err := os.Open(archive)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := s.Load(ctx, f)
		f.Close()
		if err != nil {
			t.Fatalf("loading %s: %v", filepath.Base(archive), err)
		}
		if !slices.Equal(lines, []string{"Loaded image: " + ref}) {
			t.Errorf("loading %s said %q", filepath.Base(archive), lines)
		}
		img, err := s.Image(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		ls, _ := img.Layers()
		if len(ls) != 1 {
			t.Fatalf("%s: %d layers", ref, len(ls))
		}
		rc, err := ls[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		got := tarFiles(t, rc)
		rc.Close()
		if !slices.Equal(got, want) {
			t.Errorf("%s holds %d files, the rootfs %d; first difference: %s", ref, len(got), len(want), firstDiff(got, want))
		}
	}
}

// tarFiles lists a tar's entries as "name type mode size link".
func tarFiles(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n := filepath.Clean("/" + h.Name)
		if n == "/" {
			continue
		}
		out = append(out, fmt.Sprintf("%s %c %o %d %s", n, h.Typeflag, h.Mode&0o7777, h.Size, h.Linkname))
	}
	sort.Strings(out)
	return out
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " vs " + b[i]
		}
	}
	return "one is longer"
}

// shortTempDir is a temporary directory with a short path: podman refuses
// a runroot longer than 50 characters.
func shortTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "bp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

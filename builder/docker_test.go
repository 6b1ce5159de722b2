package builder

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth-dev/berth/layers/layertest"
)

func docker(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

func dockerImage(t *testing.T, name string) v1.Image {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image.tar")
	docker(t, nil, "save", "-o", path, name)
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// The same Dockerfiles built by docker's classic builder give the same
// config and files as berth's builds.
func TestDifferentialDocker(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker is not installed")
	}
	ensureDockerd(t)
	tag := fmt.Sprintf("berth-test-%d", os.Getpid())
	busyboxTar := filepath.Join(t.TempDir(), "busybox.tar")
	if err := os.WriteFile(busyboxTar, layertest.Tar(t), 0o644); err != nil {
		t.Fatal(err)
	}
	base := tag + "-busybox"
	docker(t, nil, "import", busyboxTar, base)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", base, tag+"-0", tag+"-1").Run() })

	e := newEnv(t)
	e.store.images["busybox"] = dockerImage(t, base)
	writeDifferentialContext(t, e)
	for i, df := range differentialDockerfiles {
		// The classic builder has no --chmod; both sides build without it.
		df = regexp.MustCompile(`--chmod=\S+ `).ReplaceAllString(df, "")
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			e.write(map[string]string{"Dockerfile": strings.Replace(df, "FROM busybox", "FROM "+base, 1)})
			name := fmt.Sprintf("%s-%d", tag, i)
			docker(t, []string{"DOCKER_BUILDKIT=0"}, "build", "-q", "-t", name, e.ctxDir)
			e.store.images[base] = e.store.images["busybox"]
			compareImages(t, e, strings.Replace(df, "FROM busybox", "FROM "+base, 1), dockerImage(t, name))
		})
	}
}

// ensureDockerd starts Debian's dockerd for the test when docker is
// installed but its daemon is not running, and stops it when the test
// ends; it waits (up to 30 s) until the daemon answers.
func ensureDockerd(t *testing.T) {
	t.Helper()
	if exec.Command("docker", "info").Run() == nil {
		return
	}
	bin, err := exec.LookPath("dockerd")
	if err != nil {
		t.Skip("docker is installed without its daemon (dockerd)")
	}
	d := exec.Command(bin)
	d.Stdout, d.Stderr = io.Discard, io.Discard
	if err := d.Start(); err != nil {
		t.Fatalf("starting dockerd: %v", err)
	}
	t.Cleanup(func() {
		d.Process.Signal(os.Interrupt)
		d.Wait()
	})
	for i := 0; exec.Command("docker", "info").Run() != nil; i++ {
		if i == 60 {
			t.Fatal("dockerd did not answer within 30 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

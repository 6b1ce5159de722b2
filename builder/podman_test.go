package builder

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth-dev/berth/layers/layertest"
)

// podman runs podman with a throw-away store under dir.
func podman(t *testing.T, dir string, args ...string) string {
	t.Helper()
	base := []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), "--storage-driver", "vfs"}
	cmd := exec.Command("podman", append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// podmanImage saves a podman image and reads it back.
func podmanImage(t *testing.T, dir, name string) v1.Image {
	t.Helper()
	path := filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(name)+".tar")
	podman(t, dir, "save", "--format", "docker-archive", "-o", path, name)
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// The same Dockerfile and context built by berth and by podman build give
// the same image config and the same files (times aside).
func TestDifferentialPodman(t *testing.T) {
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed")
	}
	dir := t.TempDir()
	busyboxTar := filepath.Join(dir, "busybox.tar")
	if err := os.WriteFile(busyboxTar, layertest.Tar(t), 0o644); err != nil {
		t.Fatal(err)
	}
	podman(t, dir, "import", busyboxTar, "busybox")

	e := newEnv(t)
	e.store.images["busybox"] = podmanImage(t, dir, "localhost/busybox:latest")
	writeDifferentialContext(t, e)
	for i, df := range differentialDockerfiles {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			e.write(map[string]string{"Dockerfile": df})
			name := fmt.Sprintf("out%d", i)
			podman(t, dir, "build", "--format", "docker", "-t", name, e.ctxDir)
			compareImages(t, e, df, podmanImage(t, dir, "localhost/"+name+":latest"))
		})
	}
}

// compareImages builds df with berth and compares it with podman's image.
func compareImages(t *testing.T, e *env, df string, want v1.Image) {
	res, _ := e.mustBuild(df)

	got, exp := config(t, res.Image).Config, config(t, want).Config
	delete(exp.Labels, "io.buildah.version") // buildah signs its builds; berth does not
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"Env", got.Env, exp.Env}, {"Cmd", got.Cmd, exp.Cmd}, {"Entrypoint", got.Entrypoint, exp.Entrypoint},
		{"WorkingDir", got.WorkingDir, exp.WorkingDir}, {"User", got.User, exp.User},
		{"ExposedPorts", got.ExposedPorts, exp.ExposedPorts}, {"Volumes", got.Volumes, exp.Volumes},
		{"Labels", got.Labels, exp.Labels}, {"StopSignal", got.StopSignal, exp.StopSignal},
		{"Healthcheck", got.Healthcheck, exp.Healthcheck}, {"Shell", got.Shell, exp.Shell},
		{"OnBuild", got.OnBuild, exp.OnBuild},
	} {
		if !reflect.DeepEqual(f.got, f.want) && !(isEmpty(f.got) && isEmpty(f.want)) {
			t.Errorf("config %s: berth %#v, podman %#v", f.name, f.got, f.want)
		}
	}

	gf, wf := files(t, res.Image), files(t, want)
	for p, w := range wf {
		g, ok := gf[p]
		if !ok {
			t.Errorf("%s: podman has it, berth does not", p)
			continue
		}
		if g.hdr.Typeflag != w.hdr.Typeflag || g.hdr.Mode&0o7777 != w.hdr.Mode&0o7777 || g.hdr.Uid != w.hdr.Uid ||
			g.hdr.Gid != w.hdr.Gid || g.content != w.content || g.hdr.Linkname != w.hdr.Linkname {
			t.Errorf("%s differs:\n berth  type %c mode %o owner %d:%d link %q %q\n podman type %c mode %o owner %d:%d link %q %q",
				p, g.hdr.Typeflag, g.hdr.Mode, g.hdr.Uid, g.hdr.Gid, g.hdr.Linkname, g.content,
				w.hdr.Typeflag, w.hdr.Mode, w.hdr.Uid, w.hdr.Gid, w.hdr.Linkname, w.content)
		}
	}
	for p := range gf {
		// buildah makes a WORKDIR only when a later step needs it; docker
		// (and berth) make it at once.
		if _, ok := wf[p]; !ok && p != got.WorkingDir {
			t.Errorf("%s: berth has it, podman does not", p)
		}
	}
}

var differentialDockerfiles = []string{`FROM busybox
ARG V=1
ENV A=1 B="x y"
LABEL v=$V other="two words"
COPY a.txt /etc/
COPY d /d
COPY d/ /d2/
COPY --chown=berth:wheel a.txt /owned/
COPY --chown=1000 b.txt /owned-num
COPY --chmod=0755 a.txt /exec
COPY *.txt /glob/
COPY . /all/
ADD arch.tar /opt/
WORKDIR /app
COPY a.txt .
USER berth
EXPOSE 80 53/udp
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=2 CMD true
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT ["/bin/sh"]
CMD ["-c", "echo"]
ONBUILD RUN echo triggered
`,
	`FROM busybox AS build
COPY d /out/d
COPY --chown=7:7 a.txt /out/
COPY --chmod=0600 b.txt /out/sub/

FROM scratch
COPY --from=build /out/ /app/
COPY --from=build /etc/passwd /etc/group /etc/
WORKDIR /app/work
ENV PATH=/app
ENTRYPOINT /app/run
`,
}

// isEmpty is true of nil and of empty slices and maps: podman writes "[]"
// and "{}" where docker leaves the field out.
func isEmpty(v any) bool {
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Slice, reflect.Map:
		return r.Len() == 0
	case reflect.Pointer:
		return r.IsNil()
	}
	return false
}

// writeDifferentialContext fills the context the differential Dockerfiles use.
func writeDifferentialContext(t *testing.T, e *env) {
	var arch bytes.Buffer
	tw := tar.NewWriter(&arch)
	for _, f := range []struct{ name, body string }{{"pkg/", ""}, {"pkg/file", "in archive"}} {
		h := &tar.Header{Name: f.name, Mode: 0o640, Size: int64(len(f.body)), Typeflag: tar.TypeReg, Uid: 3, Gid: 4, ModTime: timeFixed}
		if f.body == "" {
			h.Typeflag, h.Mode = tar.TypeDir, 0o750
		}
		tw.WriteHeader(h)
		tw.Write([]byte(f.body))
	}
	tw.Close()
	e.write(map[string]string{
		"a.txt": "a\n", "b.txt": "b\n", "d/x": "x\n", "d/sub/y": "y\n", "arch.tar": arch.String(),
		"skipped.log": "no\n", ".dockerignore": "*.log\n",
	})
	os.Chmod(filepath.Join(e.ctxDir, "b.txt"), 0o700)
}

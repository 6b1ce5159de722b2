package builder

import (
	"reflect"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func TestMetadataInstructions(t *testing.T) {
	e := newEnv(t)
	res, _ := e.mustBuild(`# syntax=docker/dockerfile:1
FROM busybox
MAINTAINER Jane <jane@example.com>
ENV A=1 B="two words"
ENV C=${A}-$B
LABEL org.example.a="x y" b=$A
EXPOSE 80 53/udp 8000-8001
VOLUME ["/data", "/logs"]
VOLUME /cache
USER berth:wheel
WORKDIR /app
WORKDIR sub
SHELL ["/bin/sh", "-ec"]
CMD echo hi
ENTRYPOINT ["/bin/busybox"]
STOPSIGNAL SIGUSR1
HEALTHCHECK --interval=5s --timeout=2s --start-interval=1s --retries=4 CMD wget -q localhost
ONBUILD COPY . /src
`)
	cf := config(t, res.Image)
	c := cf.Config
	wantEnv := []string{"PATH=" + defaultPath, "A=1", "B=two words", "C=1-two words"}
	if !reflect.DeepEqual(c.Env, wantEnv) {
		t.Errorf("Env = %q, want %q", c.Env, wantEnv)
	}
	if !reflect.DeepEqual(c.Labels, map[string]string{"org.example.a": "x y", "b": "1"}) {
		t.Errorf("Labels = %v", c.Labels)
	}
	wantPorts := map[string]struct{}{"80/tcp": {}, "53/udp": {}, "8000/tcp": {}, "8001/tcp": {}}
	if !reflect.DeepEqual(c.ExposedPorts, wantPorts) {
		t.Errorf("ExposedPorts = %v", c.ExposedPorts)
	}
	if !reflect.DeepEqual(c.Volumes, map[string]struct{}{"/data": {}, "/logs": {}, "/cache": {}}) {
		t.Errorf("Volumes = %v", c.Volumes)
	}
	if c.User != "berth:wheel" || c.WorkingDir != "/app/sub" {
		t.Errorf("User %q WorkingDir %q", c.User, c.WorkingDir)
	}
	if !reflect.DeepEqual(c.Cmd, []string{"/bin/sh", "-ec", "echo hi"}) {
		t.Errorf("Cmd = %q (shell form must use SHELL)", c.Cmd)
	}
	if !reflect.DeepEqual(c.Entrypoint, []string{"/bin/busybox"}) || !reflect.DeepEqual(c.Shell, []string{"/bin/sh", "-ec"}) {
		t.Errorf("Entrypoint %q Shell %q", c.Entrypoint, c.Shell)
	}
	if c.StopSignal != "SIGUSR1" {
		t.Errorf("StopSignal = %q", c.StopSignal)
	}
	wantHC := &v1.HealthConfig{Test: []string{"CMD-SHELL", "wget -q localhost"}, Interval: 5 * time.Second, Timeout: 2 * time.Second, Retries: 4}
	if !reflect.DeepEqual(c.Healthcheck, wantHC) {
		t.Errorf("Healthcheck = %+v", c.Healthcheck)
	}
	if got := startIntervalOf(res.Image); got != time.Second {
		t.Errorf("Healthcheck.StartInterval = %v, want 1s", got)
	}
	if err := validate.Image(res.Image); err != nil {
		t.Errorf("image with a start interval: %v", err)
	}
	if !reflect.DeepEqual(c.OnBuild, []string{"COPY . /src"}) {
		t.Errorf("OnBuild = %q", c.OnBuild)
	}
	if cf.Author != "Jane <jane@example.com>" {
		t.Errorf("Author = %q", cf.Author)
	}
	// One history entry per instruction after FROM, on top of the base's.
	h := cf.History
	if len(h) != 17 {
		t.Fatalf("%d history entries, want 17: %+v", len(h), h)
	}
	layers, _ := res.Image.Layers()
	nonEmpty := 0
	for _, e := range h {
		if !e.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty != len(layers) {
		t.Errorf("%d history entries with layers, %d layers", nonEmpty, len(layers))
	}
	byInstr := map[string]v1.History{}
	for _, e := range h {
		if f := strings.Fields(e.CreatedBy); len(f) > 0 {
			byInstr[f[0]] = e
		}
	}
	if e := byInstr["ENV"]; e.CreatedBy != "ENV C=1-two words" || !e.EmptyLayer || e.Comment != historyComment {
		t.Errorf("ENV history = %+v", e)
	}
	if e := byInstr["WORKDIR"]; e.EmptyLayer {
		t.Errorf("WORKDIR of a new directory made no layer: %+v", e)
	}
	fs := files(t, res.Image)
	if f, ok := fs["/app/sub"]; !ok || f.hdr.Uid != 1000 {
		t.Errorf("WORKDIR /app/sub = %+v, %v; want a directory owned by berth", f.hdr, ok)
	}
}

func TestEntrypointResetsInheritedCmd(t *testing.T) {
	e := newEnv(t)
	base, _ := e.mustBuild("FROM busybox\nCMD [\"sh\"]\n")
	e.store.images["withcmd"] = base.Image
	res, _ := e.mustBuild("FROM withcmd\nENTRYPOINT [\"/bin/true\"]\n")
	if c := config(t, res.Image).Config; c.Cmd != nil {
		t.Errorf("Cmd = %q, want none after ENTRYPOINT", c.Cmd)
	}
	res, _ = e.mustBuild("FROM withcmd\nCMD [\"x\"]\nENTRYPOINT [\"/bin/true\"]\n")
	if c := config(t, res.Image).Config; !reflect.DeepEqual(c.Cmd, []string{"x"}) {
		t.Errorf("Cmd = %q, want the stage's own", c.Cmd)
	}
}

func TestArgScoping(t *testing.T) {
	e := newEnv(t)
	res, evs := e.mustBuild(`ARG BASE=busybox
ARG V=meta
FROM ${BASE} AS first
ARG V
ARG D=default
ARG OVER=x
ENV OVER=from-env
ARG TARGETARCH
LABEL v=$V d=$D over=$OVER arch=$TARGETARCH base=${BASE:-unset}
`, func(o *Options) { o.BuildArgs = map[string]string{"D": "given", "UNUSED": "1"} })
	l := config(t, res.Image).Config.Labels
	want := map[string]string{"v": "meta", "d": "given", "over": "from-env", "arch": runtimeArch(), "base": "unset"}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("labels = %v, want %v", l, want)
	}
	warn := eventsOf(evs, 6)
	if len(warn) != 1 || !strings.Contains(warn[0].Text, "UNUSED") {
		t.Errorf("warnings = %+v, want one naming UNUSED", warn)
	}
	for _, e := range config(t, res.Image).Config.Env {
		if strings.HasPrefix(e, "D=") || strings.HasPrefix(e, "V=") {
			t.Errorf("ARG %s leaked into Env", e)
		}
	}
}

package engine

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/engine/container"
)

func image() *v1.Config {
	return &v1.Config{
		Env:          []string{"PATH=/bin", "MODE=prod", "KEEP=1"},
		Entrypoint:   []string{"/entry"},
		Cmd:          []string{"serve"},
		WorkingDir:   "/app",
		User:         "www",
		Labels:       map[string]string{"a": "image", "b": "image"},
		ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}},
		Volumes:      map[string]struct{}{"/data": {}, "/cache": {}},
		StopSignal:   "SIGQUIT",
		Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "check"}, Interval: 5 * time.Second},
	}
}

func TestMergeKeepsImageDefaults(t *testing.T) {
	c, err := MergeConfig(image(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%v %s %s %s %s %s", Argv(c), c.WorkingDir, c.User, c.StopSignal, c.NetworkMode, c.Restart.Name)
	if got != "[/entry serve] /app www SIGQUIT bridge no" {
		t.Fatalf("merged: %s", got)
	}
	if c.Healthcheck == nil || c.Healthcheck.Interval != 5*time.Second || c.Healthcheck.Retries != 3 || c.Healthcheck.Timeout != 30*time.Second {
		t.Fatalf("healthcheck %+v", c.Healthcheck)
	}
	var targets []string
	for _, m := range c.Mounts {
		targets = append(targets, m.Type+":"+m.Target)
	}
	sort.Strings(targets)
	if strings.Join(targets, " ") != "volume:/cache volume:/data" {
		t.Fatalf("image volumes became %v", targets)
	}
}

func TestMergeOverrides(t *testing.T) {
	ep := "/bin/sh"
	c, err := MergeConfig(image(), RunOptions{
		Cmd:        []string{"-c", "echo hi"},
		Entrypoint: &ep,
		Env:        []string{"MODE=dev", "NEW=2"},
		WorkingDir: "/tmp",
		User:       "0:0",
		Labels:     map[string]string{"b": "run", "c": "run"},
		Mounts:     []container.Mount{{Type: "bind", Source: "/srv", Target: "/data"}},
		PublishAll: true,
		Health:     &HealthOptions{Cmd: "true", Retries: 7},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(Argv(c)); got != "[/bin/sh -c echo hi]" {
		t.Fatalf("argv %s: a new entrypoint must drop the image CMD", got)
	}
	if got := strings.Join(c.Env, " "); got != "PATH=/bin MODE=dev KEEP=1 NEW=2" {
		t.Fatalf("env %s", got)
	}
	if c.Labels["a"] != "image" || c.Labels["b"] != "run" || c.Labels["c"] != "run" {
		t.Fatalf("labels %v", c.Labels)
	}
	if len(c.Mounts) != 2 || c.Mounts[0].Type != "bind" {
		t.Fatalf("mounts %+v: the bind must cover the image's /data volume", c.Mounts)
	}
	sort.Strings(c.Ports)
	if strings.Join(c.Ports, " ") != "53/udp 80" {
		t.Fatalf("-P ports %v", c.Ports)
	}
	if hc := c.Healthcheck; hc.Test[1] != "true" || hc.Retries != 7 || hc.Interval != 30*time.Second {
		t.Fatalf("healthcheck %+v", hc)
	}
}

func TestMergeErrors(t *testing.T) {
	empty := ""
	if _, err := MergeConfig(&v1.Config{}, RunOptions{}); !errors.Is(err, ErrNoCommand) {
		t.Fatalf("no command: %v", err)
	}
	if _, err := MergeConfig(image(), RunOptions{Entrypoint: &empty}); !errors.Is(err, ErrNoCommand) {
		t.Fatalf("cleared entrypoint and no cmd: %v", err)
	}
	if _, err := MergeConfig(image(), RunOptions{AutoRemove: true, Restart: container.RestartPolicy{Name: "always"}}); err == nil {
		t.Fatal("--rm with --restart accepted")
	}
	if _, err := MergeConfig(image(), RunOptions{Health: &HealthOptions{NoHealthcheck: true, Cmd: "x"}}); err == nil {
		t.Fatal("--no-healthcheck with --health-cmd accepted")
	}
	if _, err := MergeConfig(&v1.Config{Cmd: []string{"x"}}, RunOptions{Health: &HealthOptions{Retries: 2}}); err == nil {
		t.Fatal("--health-retries without a health command accepted")
	}
	c, err := MergeConfig(image(), RunOptions{Health: &HealthOptions{NoHealthcheck: true}})
	if err != nil || c.Healthcheck != nil {
		t.Fatalf("--no-healthcheck: %+v, %v", c.Healthcheck, err)
	}
	c, err = MergeConfig(&v1.Config{Cmd: []string{"x"}}, RunOptions{})
	if err != nil || c.Env[0] != "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" || c.WorkingDir != "/" {
		t.Fatalf("defaults: env %v wd %q, %v", c.Env, c.WorkingDir, err)
	}
}

// Package engine is berth's container engine: the Go API that the command line
// and the workbench share. It turns images and run options into containers
// that outlive the process that started them, each watched by a supervisor,
// and reports what happens as streams of events, log lines and stats.
package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/engine/container"
)

// ErrNoCommand is returned when neither the image nor the run options give a
// command to run.
var ErrNoCommand = errors.New("no command specified")

// RunOptions are what `berth run` and `berth create` take, besides the image.
// Nil or empty fields take the image's value.
type RunOptions struct {
	// ID is the new container's ID when the caller chose it (berth run
	// launches the supervisor before the container exists); empty, a
	// random one.
	ID          string
	Name        string
	Cmd         []string // the arguments after the image name
	Entrypoint  *string  // --entrypoint; "" clears the image's
	Env         []string // KEY=VALUE, already expanded from -e and --env-file
	WorkingDir  string
	User        string
	Hostname    string
	Labels      map[string]string
	Tty         bool
	OpenStdin   bool
	StopSignal  string
	StopTimeout *int
	Init        bool
	AutoRemove  bool
	ReadOnly    bool
	Privileged  bool
	CapAdd      []string
	CapDrop     []string
	SecurityOpt []string
	Restart     container.RestartPolicy
	Resources   container.Resources
	Mounts      []container.Mount
	NetworkMode string // bridge (default), none, host, or a network's name
	Aliases     []string
	Ports       []string // -p values
	PublishAll  bool     // -P
	Expose      []string // --expose: ports -P publishes beside the image's
	Health      *HealthOptions
	ExtraHosts  []string // --add-host NAME:IP
	DNS         []string
	DNSSearch   []string
	DNSOptions  []string
	Sysctls     map[string]string
	Ulimits     []container.Ulimit
	GroupAdd    []string
	ShmSize     int64
}

// HealthOptions are the --health-* flags; NoHealthcheck turns the image's off.
type HealthOptions struct {
	Cmd           string
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	Retries       int
	NoHealthcheck bool
}

// MergeConfig combines an image's configuration with run options the way
// docker does: options override the image field by field, environment
// variables override by name, a new entrypoint drops the image's CMD, labels
// add up, and the image's VOLUMEs become anonymous volumes unless a mount
// covers them.
func MergeConfig(img *v1.Config, o RunOptions) (container.Config, error) {
	if img == nil {
		img = &v1.Config{}
	}
	c := container.Config{
		Env:         mergeEnv(img.Env, o.Env),
		WorkingDir:  firstNonEmpty(o.WorkingDir, img.WorkingDir, "/"),
		User:        firstNonEmpty(o.User, img.User),
		Hostname:    o.Hostname,
		Tty:         o.Tty,
		OpenStdin:   o.OpenStdin,
		StopSignal:  firstNonEmpty(o.StopSignal, img.StopSignal, "SIGTERM"),
		StopTimeout: o.StopTimeout,
		Init:        o.Init,
		AutoRemove:  o.AutoRemove,
		ReadOnly:    o.ReadOnly,
		Privileged:  o.Privileged,
		CapAdd:      o.CapAdd,
		CapDrop:     o.CapDrop,
		SecurityOpt: o.SecurityOpt,
		Restart:     o.Restart,
		Resources:   o.Resources,
		Mounts:      append([]container.Mount(nil), o.Mounts...),
		NetworkMode: firstNonEmpty(o.NetworkMode, "bridge"),
		Aliases:     o.Aliases,
		Ports:       o.Ports,
		PublishAll:  o.PublishAll,
		Labels:      map[string]string{},
		ExtraHosts:  o.ExtraHosts,
		DNS:         o.DNS,
		DNSSearch:   o.DNSSearch,
		DNSOptions:  o.DNSOptions,
		Sysctls:     o.Sysctls,
		Ulimits:     o.Ulimits,
		GroupAdd:    o.GroupAdd,
		ShmSize:     o.ShmSize,
	}
	if c.NetworkMode == "host" {
		for k := range c.Sysctls {
			if strings.HasPrefix(k, "net.") {
				return c, fmt.Errorf("--sysctl %s: a container on the host's network cannot set net.* sysctls, they are the host's", k)
			}
		}
	}
	if c.Restart.Name == "" {
		c.Restart.Name = "no"
	}
	if c.AutoRemove && c.Restart.Name != "no" {
		return c, errors.New("conflicting options: --restart and --rm")
	}
	for k, v := range img.Labels {
		c.Labels[k] = v
	}
	for k, v := range o.Labels {
		c.Labels[k] = v
	}
	if o.Entrypoint != nil {
		if *o.Entrypoint != "" {
			c.Entrypoint = []string{*o.Entrypoint}
		}
		c.Cmd = o.Cmd
	} else {
		c.Entrypoint = img.Entrypoint
		c.Cmd = img.Cmd
		if len(o.Cmd) > 0 {
			c.Cmd = o.Cmd
		}
	}
	if len(c.Entrypoint) == 0 && len(c.Cmd) == 0 {
		return c, ErrNoCommand
	}
	if c.PublishAll {
		for p := range img.ExposedPorts {
			c.Ports = append(c.Ports, strings.TrimSuffix(p, "/tcp"))
		}
		for _, p := range o.Expose {
			if _, ok := img.ExposedPorts[p]; !ok {
				if _, ok := img.ExposedPorts[p+"/tcp"]; !ok {
					c.Ports = append(c.Ports, strings.TrimSuffix(p, "/tcp"))
				}
			}
		}
	}
	for target := range img.Volumes {
		if !covered(c.Mounts, target) {
			c.Mounts = append(c.Mounts, container.Mount{Type: "volume", Target: target})
		}
	}
	hc, err := healthcheck(img.Healthcheck, o.Health)
	if err != nil {
		return c, err
	}
	c.Healthcheck = hc
	return c, nil
}

// Argv is the process the container runs: entrypoint then command.
func Argv(c container.Config) []string {
	return append(append([]string(nil), c.Entrypoint...), c.Cmd...)
}

func mergeEnv(image, run []string) []string {
	out := append([]string(nil), image...)
	index := map[string]int{}
	for i, kv := range out {
		k, _, _ := strings.Cut(kv, "=")
		index[k] = i
	}
	for _, kv := range run {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			continue
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	if _, ok := index["PATH"]; !ok {
		out = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, out...)
	}
	return out
}

func covered(mounts []container.Mount, target string) bool {
	for _, m := range mounts {
		if m.Target == target {
			return true
		}
	}
	return false
}

// healthcheck picks the image's HEALTHCHECK or the --health-* flags, which
// override it field by field.
func healthcheck(img *v1.HealthConfig, o *HealthOptions) (*container.Healthcheck, error) {
	var hc *container.Healthcheck
	if img != nil && len(img.Test) > 0 && img.Test[0] != "NONE" {
		hc = &container.Healthcheck{Test: img.Test, Interval: img.Interval, Timeout: img.Timeout,
			StartPeriod: img.StartPeriod, Retries: img.Retries}
	}
	if o == nil {
		return withHealthDefaults(hc), nil
	}
	if o.NoHealthcheck {
		if o.Cmd != "" {
			return nil, errors.New("conflicting options: --no-healthcheck and --health-cmd")
		}
		return nil, nil
	}
	if o.Cmd != "" {
		hc = &container.Healthcheck{Test: []string{"CMD-SHELL", o.Cmd}}
	}
	if hc == nil {
		if o.Interval != 0 || o.Timeout != 0 || o.Retries != 0 || o.StartPeriod != 0 {
			return nil, errors.New("--health-* options need a health command (--health-cmd) or an image HEALTHCHECK")
		}
		return nil, nil
	}
	for _, d := range []time.Duration{o.Interval, o.Timeout, o.StartPeriod} {
		if d < 0 {
			return nil, fmt.Errorf("invalid health check duration %s: must not be negative", d)
		}
	}
	if o.Interval > 0 {
		hc.Interval = o.Interval
	}
	if o.Timeout > 0 {
		hc.Timeout = o.Timeout
	}
	if o.StartPeriod > 0 {
		hc.StartPeriod = o.StartPeriod
	}
	if o.Retries > 0 {
		hc.Retries = o.Retries
	}
	return withHealthDefaults(hc), nil
}

// withHealthDefaults fills docker's defaults: every 30s, 30s timeout, 3 retries.
func withHealthDefaults(hc *container.Healthcheck) *container.Healthcheck {
	if hc == nil {
		return nil
	}
	if hc.Interval == 0 {
		hc.Interval = 30 * time.Second
	}
	if hc.Timeout == 0 {
		hc.Timeout = 30 * time.Second
	}
	if hc.Retries == 0 {
		hc.Retries = 3
	}
	return hc
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

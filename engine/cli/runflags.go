package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/opts"
)

// list is a repeatable string flag that works as pflag's StringArray does.
// A StringArray formats its default, as CSV through a buffer of its own,
// when it is defined: run has twenty of them, made in every `berth run`.
type list []string

func (l *list) Set(v string) error { *l = append(*l, v); return nil }
func (l *list) Type() string       { return "stringArray" }

// String is empty for no values, so that help shows no default for them.
func (l *list) String() string {
	if len(*l) == 0 {
		return ""
	}
	return "[" + strings.Join(*l, ",") + "]"
}

// runFlags are the flags `run` and `create` share, as docker names them.
type runFlags struct {
	name, workdir, user, hostname, entrypoint, memory, cpus, cpuset, network, restart, stopSignal string
	env, envFiles, volumes, mounts, tmpfs, labels, ports, aliases, capAdd, capDrop, securityOpt   []string
	tty, interactive, rm, init, readOnly, privileged, publishAll, noHealthcheck                   bool
	pidsLimit                                                                                     int64
	stopTimeout                                                                                   int
	healthCmd                                                                                     string
	healthInterval, healthTimeout, healthStart                                                    time.Duration
	healthRetries                                                                                 int
	addHosts, dns, dnsSearch, dnsOptions, sysctls, ulimits, groupAdd, expose                      []string
	shmSize                                                                                       string
}

func (f *runFlags) add(fl *pflag.FlagSet) {
	fl.SetInterspersed(false) // flags after the image belong to the command
	fl.StringVar(&f.name, "name", "", "assign a name to the container")
	fl.VarP((*list)(&f.env), "env", "e", "set environment variables")
	fl.Var((*list)(&f.envFiles), "env-file", "read in a file of environment variables")
	fl.StringVarP(&f.workdir, "workdir", "w", "", "working directory inside the container")
	fl.StringVarP(&f.user, "user", "u", "", "username or UID (format: <name|uid>[:<group|gid>])")
	fl.StringVarP(&f.hostname, "hostname", "h", "", "container host name")
	fl.StringVar(&f.entrypoint, "entrypoint", "", "overwrite the default ENTRYPOINT of the image")
	fl.VarP((*list)(&f.ports), "publish", "p", "publish a container's port(s) to the host")
	fl.BoolVarP(&f.publishAll, "publish-all", "P", false, "publish all exposed ports to random ports")
	fl.VarP((*list)(&f.volumes), "volume", "v", "bind mount a volume")
	fl.Var((*list)(&f.mounts), "mount", "attach a filesystem mount to the container")
	fl.Var((*list)(&f.tmpfs), "tmpfs", "mount a tmpfs directory")
	fl.StringVarP(&f.memory, "memory", "m", "", "memory limit")
	fl.StringVar(&f.cpus, "cpus", "", "number of CPUs")
	fl.StringVar(&f.cpuset, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	fl.Int64Var(&f.pidsLimit, "pids-limit", 0, "tune container pids limit (-1 for unlimited)")
	fl.StringVar(&f.network, "network", "", "connect a container to a network (bridge, none, host, or a name)")
	fl.Var((*list)(&f.aliases), "network-alias", "add network-scoped alias for the container")
	fl.StringVar(&f.restart, "restart", "no", "restart policy to apply when a container exits")
	fl.BoolVarP(&f.tty, "tty", "t", false, "allocate a pseudo-TTY")
	fl.BoolVarP(&f.interactive, "interactive", "i", false, "keep STDIN open even if not attached")
	fl.BoolVar(&f.rm, "rm", false, "automatically remove the container when it exits")
	fl.BoolVar(&f.init, "init", false, "run an init inside the container that forwards signals and reaps processes")
	fl.BoolVar(&f.readOnly, "read-only", false, "mount the container's root filesystem as read only")
	fl.BoolVar(&f.privileged, "privileged", false, "give extended privileges to this container")
	fl.Var((*list)(&f.capAdd), "cap-add", "add Linux capabilities")
	fl.Var((*list)(&f.capDrop), "cap-drop", "drop Linux capabilities")
	fl.Var((*list)(&f.securityOpt), "security-opt", "security options")
	fl.StringVar(&f.stopSignal, "stop-signal", "", "signal to stop the container")
	fl.IntVar(&f.stopTimeout, "stop-timeout", 0, "timeout (in seconds) to stop a container")
	fl.VarP((*list)(&f.labels), "label", "l", "set meta data on a container")
	fl.StringVar(&f.healthCmd, "health-cmd", "", "command to run to check health")
	fl.DurationVar(&f.healthInterval, "health-interval", 0, "time between running the check")
	fl.DurationVar(&f.healthTimeout, "health-timeout", 0, "maximum time to allow one check to run")
	fl.DurationVar(&f.healthStart, "health-start-period", 0, "start period for the container to initialize")
	fl.IntVar(&f.healthRetries, "health-retries", 0, "consecutive failures needed to report unhealthy")
	fl.BoolVar(&f.noHealthcheck, "no-healthcheck", false, "disable any container-specified HEALTHCHECK")
	fl.Var((*list)(&f.addHosts), "add-host", "add a custom host-to-IP mapping (host:ip; ip may be host-gateway)")
	fl.Var((*list)(&f.dns), "dns", "set custom DNS servers")
	fl.Var((*list)(&f.dnsSearch), "dns-search", "set custom DNS search domains")
	fl.Var((*list)(&f.dnsOptions), "dns-option", "set DNS options")
	fl.Var((*list)(&f.sysctls), "sysctl", "set namespaced kernel parameters")
	fl.Var((*list)(&f.ulimits), "ulimit", "set a resource limit (name=soft[:hard])")
	fl.Var((*list)(&f.groupAdd), "group-add", "add additional groups to join")
	fl.Var((*list)(&f.expose), "expose", "expose a port or a range of ports (published by -P)")
	fl.StringVar(&f.shmSize, "shm-size", "", "size of /dev/shm")
}

// options turns the flags into run options; every bad value gives one error
// naming it.
func (f *runFlags) options(fl *pflag.FlagSet, cmd []string) (engine.RunOptions, error) {
	o := engine.RunOptions{Name: f.name, Cmd: cmd, WorkingDir: f.workdir, User: f.user, Hostname: f.hostname,
		Tty: f.tty, OpenStdin: f.interactive, AutoRemove: f.rm, Init: f.init, ReadOnly: f.readOnly,
		Privileged: f.privileged, CapAdd: f.capAdd, CapDrop: f.capDrop, SecurityOpt: f.securityOpt,
		StopSignal: f.stopSignal, NetworkMode: f.network, Aliases: f.aliases, Ports: f.ports, PublishAll: f.publishAll}
	if fl.Changed("entrypoint") {
		o.Entrypoint = &f.entrypoint
	}
	if fl.Changed("stop-timeout") {
		o.StopTimeout = &f.stopTimeout
	}
	var err error
	for _, file := range f.envFiles {
		env, err := opts.ReadEnvFile(file)
		if err != nil {
			return o, err
		}
		o.Env = append(o.Env, env...)
	}
	env, err := opts.ParseEnv(f.env)
	if err != nil {
		return o, err
	}
	o.Env = append(o.Env, env...)
	if o.Labels, err = opts.ParseLabels(f.labels); err != nil {
		return o, err
	}
	if o.Restart, err = opts.ParseRestart(f.restart); err != nil {
		return o, err
	}
	if f.memory != "" {
		if o.Resources.Memory, err = opts.ParseBytes(f.memory); err != nil {
			return o, fmt.Errorf("invalid --memory: %w", err)
		}
	}
	if f.cpus != "" {
		if o.Resources.CPUs, err = opts.ParseCPUs(f.cpus); err != nil {
			return o, err
		}
	}
	o.Resources.CpusetCpus, o.Resources.PidsLimit = f.cpuset, f.pidsLimit
	for _, v := range f.volumes {
		m, err := opts.ParseVolume(v)
		if err != nil {
			return o, err
		}
		o.Mounts = append(o.Mounts, m)
	}
	for _, v := range f.mounts {
		m, err := opts.ParseMount(v)
		if err != nil {
			return o, err
		}
		o.Mounts = append(o.Mounts, m)
	}
	for _, v := range f.tmpfs {
		m, err := opts.ParseTmpfs(v)
		if err != nil {
			return o, err
		}
		o.Mounts = append(o.Mounts, m)
	}
	for _, h := range f.addHosts {
		v, err := opts.ParseExtraHost(h)
		if err != nil {
			return o, err
		}
		o.ExtraHosts = append(o.ExtraHosts, v)
	}
	for _, d := range f.dns {
		v, err := opts.ParseDNS(d)
		if err != nil {
			return o, err
		}
		o.DNS = append(o.DNS, v)
	}
	o.DNSSearch, o.DNSOptions, o.GroupAdd = f.dnsSearch, f.dnsOptions, f.groupAdd
	if o.Sysctls, err = opts.ParseSysctls(f.sysctls); err != nil {
		return o, err
	}
	for _, u := range f.ulimits {
		v, err := opts.ParseUlimit(u)
		if err != nil {
			return o, err
		}
		o.Ulimits = append(o.Ulimits, v)
	}
	for _, p := range f.expose {
		ports, err := opts.ParseExpose(p)
		if err != nil {
			return o, err
		}
		o.Expose = append(o.Expose, ports...)
	}
	if f.shmSize != "" {
		if o.ShmSize, err = opts.ParseBytes(f.shmSize); err != nil || o.ShmSize <= 0 {
			return o, fmt.Errorf("invalid --shm-size %q: want a positive size such as 64m", f.shmSize)
		}
	}
	if f.healthCmd != "" || f.noHealthcheck || f.healthInterval != 0 || f.healthTimeout != 0 || f.healthStart != 0 || f.healthRetries != 0 {
		o.Health = &engine.HealthOptions{Cmd: f.healthCmd, Interval: f.healthInterval, Timeout: f.healthTimeout,
			StartPeriod: f.healthStart, Retries: f.healthRetries, NoHealthcheck: f.noHealthcheck}
	}
	return o, nil
}

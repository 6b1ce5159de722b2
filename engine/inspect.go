package engine

import (
	"strings"
	"time"

	"github.com/berth-dev/berth/engine/container"
)

// Inspect is a container as `inspect` prints it: the fields of docker's
// container JSON that berth has, under docker's names, so that scripts
// written for `docker inspect --format` read it the same.
type Inspect struct {
	ID              string          `json:"Id"`
	Created         time.Time       `json:"Created"`
	Path            string          `json:"Path"`
	Args            []string        `json:"Args"`
	State           InspectState    `json:"State"`
	Image           string          `json:"Image"`
	Name            string          `json:"Name"`
	RestartCount    int             `json:"RestartCount"`
	Driver          string          `json:"Driver"`
	HostConfig      InspectHost     `json:"HostConfig"`
	Mounts          []InspectMount  `json:"Mounts"`
	Config          InspectConfig   `json:"Config"`
	NetworkSettings InspectNetworks `json:"NetworkSettings"`
}

// InspectState is docker's State object.
type InspectState struct {
	Status     string         `json:"Status"`
	Running    bool           `json:"Running"`
	Paused     bool           `json:"Paused"`
	Restarting bool           `json:"Restarting"`
	OOMKilled  bool           `json:"OOMKilled"`
	Dead       bool           `json:"Dead"`
	Pid        int            `json:"Pid"`
	ExitCode   int            `json:"ExitCode"`
	Error      string         `json:"Error"`
	StartedAt  time.Time      `json:"StartedAt"`
	FinishedAt time.Time      `json:"FinishedAt"`
	Health     *InspectHealth `json:"Health,omitempty"`
}

// InspectHealth is docker's State.Health.
type InspectHealth struct {
	Status        string `json:"Status"`
	FailingStreak int    `json:"FailingStreak"`
}

// InspectHost is the part of docker's HostConfig berth has.
type InspectHost struct {
	NetworkMode    string                  `json:"NetworkMode"`
	RestartPolicy  container.RestartPolicy `json:"RestartPolicy"`
	AutoRemove     bool                    `json:"AutoRemove"`
	Privileged     bool                    `json:"Privileged"`
	ReadonlyRootfs bool                    `json:"ReadonlyRootfs"`
	CapAdd         []string                `json:"CapAdd"`
	CapDrop        []string                `json:"CapDrop"`
	SecurityOpt    []string                `json:"SecurityOpt"`
	Memory         int64                   `json:"Memory"`
	NanoCpus       int64                   `json:"NanoCpus"`
	CpusetCpus     string                  `json:"CpusetCpus"`
	PidsLimit      int64                   `json:"PidsLimit"`
	Init           bool                    `json:"Init"`
	PortBindings   []string                `json:"PortBindings"`
	ExtraHosts     []string                `json:"ExtraHosts"`
	DNS            []string                `json:"Dns"`
	DNSSearch      []string                `json:"DnsSearch"`
	DNSOptions     []string                `json:"DnsOptions"`
	Sysctls        map[string]string       `json:"Sysctls"`
	Ulimits        []InspectUlimit         `json:"Ulimits"`
	GroupAdd       []string                `json:"GroupAdd"`
	ShmSize        int64                   `json:"ShmSize"`
}

// InspectUlimit is one of docker's HostConfig.Ulimits: its --ulimit name.
type InspectUlimit struct {
	Name string `json:"Name"`
	Soft int64  `json:"Soft"`
	Hard int64  `json:"Hard"`
}

// InspectMount is one entry of docker's Mounts.
type InspectMount struct {
	Type        string `json:"Type"`
	Name        string `json:"Name,omitempty"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	RW          bool   `json:"RW"`
}

// InspectConfig is the part of docker's Config berth has.
type InspectConfig struct {
	Hostname   string            `json:"Hostname"`
	User       string            `json:"User"`
	Tty        bool              `json:"Tty"`
	OpenStdin  bool              `json:"OpenStdin"`
	Env        []string          `json:"Env"`
	Cmd        []string          `json:"Cmd"`
	Entrypoint []string          `json:"Entrypoint"`
	Image      string            `json:"Image"`
	WorkingDir string            `json:"WorkingDir"`
	Labels     map[string]string `json:"Labels"`
	StopSignal string            `json:"StopSignal"`
}

// InspectNetworks is docker's NetworkSettings, by network name.
type InspectNetworks struct {
	IPAddress string                     `json:"IPAddress"`
	Ports     []string                   `json:"Ports"`
	Networks  map[string]InspectEndpoint `json:"Networks"`
}

// InspectEndpoint is one network of NetworkSettings.Networks.
type InspectEndpoint struct {
	IPAddress  string `json:"IPAddress"`
	Gateway    string `json:"Gateway"`
	MacAddress string `json:"MacAddress"`
}

// shmSize is /dev/shm's size as docker reports it: 64 MiB unless set.
func shmSize(n int64) int64 {
	if n == 0 {
		return 64 << 20
	}
	return n
}

// NewInspect shapes a record as docker's inspect JSON.
func NewInspect(r *container.Record, volumesDir string) Inspect {
	argv := Argv(r.Config)
	in := Inspect{ID: r.ID, Created: r.Created, Image: r.ImageID, Name: "/" + r.Name, RestartCount: r.RestartCount,
		Driver: "overlay",
		State: InspectState{Status: string(r.State.Status), Running: r.State.Status == container.Running || r.State.Status == container.Paused,
			Paused: r.State.Status == container.Paused, Restarting: r.State.Status == container.Restarting,
			OOMKilled: r.State.OOMKilled, Dead: r.State.Status == container.Dead, Pid: r.State.Pid,
			ExitCode: r.State.ExitCode, Error: r.State.Error, StartedAt: r.State.StartedAt, FinishedAt: r.State.FinishedAt},
		HostConfig: InspectHost{NetworkMode: r.Config.NetworkMode, RestartPolicy: r.Config.Restart, AutoRemove: r.Config.AutoRemove,
			Privileged: r.Config.Privileged, ReadonlyRootfs: r.Config.ReadOnly, CapAdd: r.Config.CapAdd, CapDrop: r.Config.CapDrop,
			SecurityOpt: r.Config.SecurityOpt, Memory: r.Config.Resources.Memory, NanoCpus: int64(r.Config.Resources.CPUs * 1e9),
			CpusetCpus: r.Config.Resources.CpusetCpus, PidsLimit: r.Config.Resources.PidsLimit, Init: r.Config.Init,
			PortBindings: r.Config.Ports, ExtraHosts: r.Config.ExtraHosts, DNS: r.Config.DNS, DNSSearch: r.Config.DNSSearch,
			DNSOptions: r.Config.DNSOptions, Sysctls: r.Config.Sysctls, GroupAdd: r.Config.GroupAdd, ShmSize: shmSize(r.Config.ShmSize)},
		Config: InspectConfig{Hostname: r.Config.Hostname, User: r.Config.User, Tty: r.Config.Tty, OpenStdin: r.Config.OpenStdin,
			Env: r.Config.Env, Cmd: r.Config.Cmd, Entrypoint: r.Config.Entrypoint, Image: r.Image, WorkingDir: r.Config.WorkingDir,
			Labels: r.Config.Labels, StopSignal: r.Config.StopSignal},
		NetworkSettings: InspectNetworks{Networks: map[string]InspectEndpoint{}},
	}
	if len(argv) > 0 {
		in.Path, in.Args = argv[0], argv[1:]
	}
	for _, u := range r.Config.Ulimits {
		// -1 is docker's "unlimited".
		soft, hard := int64(u.Soft), int64(u.Hard)
		in.HostConfig.Ulimits = append(in.HostConfig.Ulimits, InspectUlimit{
			Name: strings.ToLower(strings.TrimPrefix(u.Type, "RLIMIT_")), Soft: soft, Hard: hard})
	}
	if r.State.Health != "" {
		in.State.Health = &InspectHealth{Status: r.State.Health, FailingStreak: r.State.FailingStreak}
	}
	for _, m := range r.Config.Mounts {
		im := InspectMount{Type: m.Type, Source: m.Source, Destination: m.Target, RW: !m.ReadOnly}
		if m.Type == "volume" {
			im.Name, im.Source = m.Source, volumesDir+"/"+m.Source+"/_data"
		}
		in.Mounts = append(in.Mounts, im)
	}
	for _, ep := range r.Network {
		in.NetworkSettings.Networks[ep.Network] = InspectEndpoint{IPAddress: ep.IP, Gateway: ep.Gateway, MacAddress: ep.MAC}
		in.NetworkSettings.Ports = append(in.NetworkSettings.Ports, ep.Ports...)
		if in.NetworkSettings.IPAddress == "" {
			in.NetworkSettings.IPAddress = ep.IP
		}
	}
	return in
}

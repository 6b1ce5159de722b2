package cgroups

import (
	"fmt"

	lib "github.com/opencontainers/cgroups"
	devconfig "github.com/opencontainers/cgroups/devices/config"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// toResources turns the runtime spec's resources into the library's for a v1
// or (v2 true) v2 hierarchy. A nil field is left as the kernel has it. On v2
// CPU shares become a weight, with the mapping runc and crun use (1024, the
// v1 default, becomes 100, the v2 default). Device rules are only written when the
// spec lists some: the runner always gives docker's default rules, and an
// empty list would otherwise deny every device.
func toResources(r *specs.LinuxResources, v2 bool) (*lib.Resources, error) {
	res := &lib.Resources{SkipDevices: true}
	if r == nil {
		return res, nil
	}
	if m := r.Memory; m != nil {
		res.Memory = deref(m.Limit)
		res.MemoryReservation = deref(m.Reservation)
		res.MemorySwap = deref(m.Swap)
		res.MemorySwappiness = m.Swappiness
		if m.DisableOOMKiller != nil {
			res.OomKillDisable = *m.DisableOOMKiller
		}
	}
	if c := r.CPU; c != nil {
		res.CpuShares = deref(c.Shares)
		if v2 {
			res.CpuWeight = lib.ConvertCPUSharesToCgroupV2Value(res.CpuShares)
		}
		res.CpuQuota = deref(c.Quota)
		res.CpuBurst = c.Burst
		res.CpuPeriod = deref(c.Period)
		res.CpuRtRuntime = deref(c.RealtimeRuntime)
		res.CpuRtPeriod = deref(c.RealtimePeriod)
		res.CpusetCpus = c.Cpus
		res.CpusetMems = c.Mems
		res.CPUIdle = c.Idle
	}
	if p := r.Pids; p != nil && p.Limit != nil {
		limit := *p.Limit
		if limit == 0 {
			limit = -1 // the spec's 0 means no limit, as in runc
		}
		res.PidsLimit = &limit
	}
	if b := r.BlockIO; b != nil {
		res.BlkioWeight = deref(b.Weight)
		res.BlkioLeafWeight = deref(b.LeafWeight)
		for _, d := range b.WeightDevice {
			res.BlkioWeightDevice = append(res.BlkioWeightDevice,
				lib.NewWeightDevice(d.Major, d.Minor, deref(d.Weight), deref(d.LeafWeight)))
		}
		res.BlkioThrottleReadBpsDevice = throttles(b.ThrottleReadBpsDevice)
		res.BlkioThrottleWriteBpsDevice = throttles(b.ThrottleWriteBpsDevice)
		res.BlkioThrottleReadIOPSDevice = throttles(b.ThrottleReadIOPSDevice)
		res.BlkioThrottleWriteIOPSDevice = throttles(b.ThrottleWriteIOPSDevice)
	}
	for _, h := range r.HugepageLimits {
		res.HugetlbLimit = append(res.HugetlbLimit, &lib.HugepageLimit{Pagesize: h.Pagesize, Limit: h.Limit})
	}
	if len(r.Unified) > 0 {
		res.Unified = r.Unified
	}
	if r.Devices != nil {
		res.SkipDevices = false
		for i, d := range r.Devices {
			rule, err := toDeviceRule(d)
			if err != nil {
				return nil, fmt.Errorf("linux.resources.devices[%d]: %w", i, err)
			}
			res.Devices = append(res.Devices, rule)
		}
	}
	return res, nil
}

func toDeviceRule(d specs.LinuxDeviceCgroup) (*devconfig.Rule, error) {
	rule := &devconfig.Rule{
		Major:       devconfig.Wildcard,
		Minor:       devconfig.Wildcard,
		Permissions: devconfig.Permissions(d.Access),
		Allow:       d.Allow,
	}
	switch d.Type {
	case "", "a":
		rule.Type = devconfig.WildcardDevice
	case "b":
		rule.Type = devconfig.BlockDevice
	case "c":
		rule.Type = devconfig.CharDevice
	default:
		return nil, fmt.Errorf("device type %q: want a, b or c", d.Type)
	}
	if d.Major != nil {
		rule.Major = *d.Major
	}
	if d.Minor != nil {
		rule.Minor = *d.Minor
	}
	if rule.Permissions == "" {
		rule.Permissions = "rwm"
	}
	if !rule.Permissions.IsValid() {
		return nil, fmt.Errorf("device access %q: want letters of rwm", d.Access)
	}
	return rule, nil
}

func throttles(ds []specs.LinuxThrottleDevice) []*lib.ThrottleDevice {
	var out []*lib.ThrottleDevice
	for _, d := range ds {
		out = append(out, lib.NewThrottleDevice(d.Major, d.Minor, d.Rate))
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

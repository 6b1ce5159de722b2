package seccomp

import (
	profiles "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Default returns docker's default seccomp profile (moby/profiles) resolved
// for this architecture, this kernel and the given capability set (the
// bounding set): the system calls a capability grants (mount with
// CAP_SYS_ADMIN, say) are allowed only when it is in caps.
//
// Resolution fails only if the kernel version cannot be read; Default then
// returns a profile that kills the process at its first system call, so
// that a container never runs unconfined by accident.
func Default(caps []string) *specs.LinuxSeccomp {
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
		Bounding: append([]string(nil), caps...),
	}}}
	p, err := profiles.GetDefaultProfile(spec)
	if err != nil || p == nil {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess}
	}
	return p
}

package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// seccomp(2) operations and filter flags (linux/seccomp.h). A container's
// init installs the filters this package compiles itself, in C
// (runner/nsenter/init.c); the tests install them with installFlags.
const (
	setModeFilter   = 1
	flagTSync       = 1 << 0
	flagLog         = 1 << 1
	flagSpecAllow   = 1 << 2
	flagWaitKillRcv = 1 << 5
)

// Flags turns a profile's flags into SECCOMP_FILTER_FLAG_* bits.
func Flags(cfg *specs.LinuxSeccomp) (uint, error) {
	var f uint
	for _, fl := range cfg.Flags {
		switch fl {
		case specs.LinuxSeccompFlagLog:
			f |= flagLog
		case specs.LinuxSeccompFlagSpecAllow:
			f |= flagSpecAllow
		case specs.LinuxSeccompFlagWaitKillableRecv:
			f |= flagWaitKillRcv
		default:
			return 0, fmt.Errorf("seccomp flag %q: %w", fl, ErrUnsupported)
		}
	}
	return f, nil
}

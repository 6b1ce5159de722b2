package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Return values of a seccomp filter (linux/seccomp.h).
const (
	retKillProcess = 0x80000000
	retKillThread  = 0x00000000
	retTrap        = 0x00030000
	retErrno       = 0x00050000
	retTrace       = 0x7ff00000
	retLog         = 0x7ffc0000
	retAllow       = 0x7fff0000
	retActionMask  = 0xffff0000
	retDataMask    = 0x0000ffff

	// retBadArch is what a process of an architecture outside the profile
	// gets, as with libseccomp's default.
	retBadArch = retKillProcess

	errnoEPERM  = 1
	errnoENOSYS = 38
)

// action turns a profile action into the filter's return value. errnoRet is
// the rule's errnoRet (or the profile's defaultErrnoRet); without one, ERRNO
// returns EPERM and TRACE passes 1 to the tracer, as runc does.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (uint32, error) {
	data := uint(errnoEPERM)
	if errnoRet != nil {
		data = *errnoRet
	}
	if data > retDataMask {
		return 0, fmt.Errorf("errnoRet %d: above %d: %w", data, retDataMask, ErrInvalid)
	}
	switch a {
	case specs.ActAllow:
		return retAllow, nil
	case specs.ActErrno:
		return retErrno | uint32(data), nil
	case specs.ActKill, specs.ActKillThread:
		return retKillThread, nil
	case specs.ActKillProcess:
		return retKillProcess, nil
	case specs.ActTrap:
		return retTrap, nil
	case specs.ActTrace:
		return retTrace | uint32(data), nil
	case specs.ActLog:
		return retLog, nil
	case specs.ActNotify:
		return 0, fmt.Errorf("action %s: berth has no seccomp notify listener: %w", a, ErrUnsupported)
	}
	return 0, fmt.Errorf("action %q: %w", a, ErrUnsupported)
}

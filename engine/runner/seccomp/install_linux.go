package seccomp

import (
	"fmt"
	"runtime"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// seccomp(2) operations and filter flags (linux/seccomp.h).
const (
	setModeFilter   = 1
	flagTSync       = 1 << 0
	flagLog         = 1 << 1
	flagSpecAllow   = 1 << 2
	flagWaitKillRcv = 1 << 5
)

// Install loads prog as the seccomp filter of every thread of the calling
// process (SECCOMP_FILTER_FLAG_TSYNC). The kernel requires no_new_privs or
// CAP_SYS_ADMIN: the container init installs the filter while it still holds
// CAP_SYS_ADMIN, as the last step before exec.
func Install(prog []unix.SockFilter) error {
	return InstallFlags(prog, 0)
}

// InstallFlags is Install with extra SECCOMP_FILTER_FLAG_* bits, such as
// those Flags returns for a profile.
func InstallFlags(prog []unix.SockFilter, flags uint) error {
	if len(prog) == 0 || len(prog) > maxInstructions {
		return fmt.Errorf("installing seccomp filter of %d instructions: %w", len(prog), ErrInvalid)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, setModeFilter, uintptr(flags|flagTSync), uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if errno != 0 {
		return fmt.Errorf("installing seccomp filter: %w", errno)
	}
	if r != 0 {
		// With TSYNC, a positive return is a thread that could not be
		// synchronised.
		return fmt.Errorf("installing seccomp filter: thread %d cannot take it", r)
	}
	return nil
}

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

package engineview

import "golang.org/x/sys/unix"

// hostMemory is the host's total memory in bytes, 0 when unknown.
func hostMemory() uint64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}

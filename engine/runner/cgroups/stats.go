package cgroups

// Stats is a cgroup's usage at one moment. Counters are cumulative since the
// cgroup was created; a value the hierarchy does not offer is zero.
type Stats struct {
	CPU    CPUStats
	Memory MemoryStats
	Pids   PidsStats
	IO     IOStats
	// Pressure is the pressure stall information of the cgroup; nil on
	// cgroup v1 and on kernels without PSI.
	Pressure *PressureStats
}

// CPUStats is CPU time used and time spent throttled by a quota.
type CPUStats struct {
	// UsageNanos is the total CPU time used, in nanoseconds.
	UsageNanos uint64
	// UserNanos and SystemNanos split UsageNanos into user and kernel time.
	// On v1 they are counted in clock ticks by the kernel (10 ms here).
	UserNanos   uint64
	SystemNanos uint64
	// Periods is the number of enforcement periods that have elapsed with a
	// quota set, Throttled how many of them ran out of quota, and
	// ThrottledNanos the total time the group was held back.
	Periods        uint64
	Throttled      uint64
	ThrottledNanos uint64
}

// MemoryStats is memory in use and its limit, in bytes.
type MemoryStats struct {
	// Usage is all memory charged to the group, page cache included.
	Usage uint64
	// InactiveFile is the page cache the kernel can drop first.
	InactiveFile uint64
	// Limit is the memory limit; 0 means no limit.
	Limit uint64
}

// WorkingSet is memory use without the reclaimable page cache, the figure
// docker shows as MEM USAGE: usage minus inactive file pages.
func (m MemoryStats) WorkingSet() uint64 {
	if m.InactiveFile > m.Usage {
		return 0
	}
	return m.Usage - m.InactiveFile
}

// PidsStats is the number of tasks in the group and its limit.
type PidsStats struct {
	Current uint64
	// Limit is the pids limit; 0 means no limit.
	Limit uint64
}

// IOStats is the number of bytes read from and written to block devices.
type IOStats struct {
	ReadBytes  uint64
	WriteBytes uint64
}

// PressureStats holds pressure stall information for CPU, memory and IO.
type PressureStats struct {
	CPU    Pressure
	Memory Pressure
	IO     Pressure
}

// Pressure is the "some" and "full" lines of one pressure file.
type Pressure struct {
	Some PSI
	Full PSI
}

// PSI is the share of time, in percent, that tasks were stalled over the
// last 10, 60 and 300 seconds, and the total stall time in microseconds.
type PSI struct {
	Avg10, Avg60, Avg300 float64
	TotalMicros          uint64
}

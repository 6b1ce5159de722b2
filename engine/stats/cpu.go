// Package stats turns a container's counters (cgroup CPU, memory, io and pids,
// its network namespace's traffic) into the samples `berth stats` prints and
// the workbench draws: rates and percentages computed from consecutive readings.
package stats

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
)

// SystemCPU reads the host's total CPU time from /proc/stat in nanoseconds
// (the "cpu" line's jiffies, at the USER_HZ of 100 that Linux reports them in)
// and the number of online CPUs, which docker's CPU percentage is based on.
func SystemCPU() (uint64, int, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("reading /proc/stat: %w", err)
	}
	return parseProcStat(b)
}

func parseProcStat(b []byte) (uint64, int, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	var total uint64
	cpus := 0
	found := false
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("cpu")) {
			continue
		}
		f := bytes.Fields(line)
		if string(f[0]) == "cpu" {
			for _, v := range f[1:8] { // user nice system idle iowait irq softirq
				total += atou(v)
			}
			found = true
		} else {
			cpus++
		}
	}
	if !found {
		return 0, 0, fmt.Errorf("no cpu line in /proc/stat")
	}
	if cpus == 0 {
		cpus = runtime.NumCPU()
	}
	const nsPerJiffy = 1e9 / 100
	return total * nsPerJiffy, cpus, nil
}

// CPUPercent is docker's CPU percentage: the container's share of the host's
// CPU time between two readings, times the number of CPUs, so that one busy
// core reads 100% and two read 200%.
func CPUPercent(prevUsage, usage, prevSystem, system uint64, cpus int) float64 {
	if usage < prevUsage || system <= prevSystem {
		return 0
	}
	return float64(usage-prevUsage) / float64(system-prevSystem) * float64(cpus) * 100
}

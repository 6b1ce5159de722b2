package engine

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ProcessInfo is one process of a container, read from /proc: the host's
// view (PID) and the container's (NSPID), which the workbench sets side by side.
type ProcessInfo struct {
	PID, PPID int
	// NSPID is the process's pid inside the container's PID namespace.
	NSPID   int
	UID     int
	State   string
	Started time.Time
	// CPU is user plus system time so far.
	CPU time.Duration
	// RSS is resident memory in bytes.
	RSS  int64
	Cmd  string
	Comm string
}

const clockTicks = 100 // USER_HZ, what /proc reports times in

// ReadProcess reads /proc/<pid>/{stat,status,cmdline}.
func ReadProcess(pid int) (ProcessInfo, error) {
	p := ProcessInfo{PID: pid}
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	stat, err := os.ReadFile(dir + "stat")
	if err != nil {
		return p, err
	}
	open, close := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || close < open {
		return p, fmt.Errorf("malformed %sstat", dir)
	}
	p.Comm = string(stat[open+1 : close])
	f := strings.Fields(string(stat[close+1:]))
	if len(f) < 22 {
		return p, fmt.Errorf("malformed %sstat", dir)
	}
	p.State = f[0]
	p.PPID, _ = strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	p.CPU = time.Duration(utime+stime) * time.Second / clockTicks
	start, _ := strconv.ParseInt(f[19], 10, 64)
	p.Started = bootTime().Add(time.Duration(start) * time.Second / clockTicks)
	rss, _ := strconv.ParseInt(f[21], 10, 64)
	p.RSS = rss * int64(os.Getpagesize())
	status, err := os.ReadFile(dir + "status")
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		fields := strings.Fields(v)
		switch {
		case k == "Uid" && len(fields) > 0:
			p.UID, _ = strconv.Atoi(fields[0])
		case k == "NSpid" && len(fields) > 0:
			// The last value is the pid in the innermost namespace.
			p.NSPID, _ = strconv.Atoi(fields[len(fields)-1])
		}
	}
	cmdline, _ := os.ReadFile(dir + "cmdline")
	p.Cmd = strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
	if p.Cmd == "" {
		p.Cmd = "[" + p.Comm + "]"
	}
	return p, nil
}

// bootTime is when the host booted, from /proc/stat's btime.
func bootTime() time.Time {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}

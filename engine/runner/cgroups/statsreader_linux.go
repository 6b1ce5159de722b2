package cgroups

import (
	"path/filepath"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// userHZ is the unit of v1 cpuacct.stat: USER_HZ, 100 on every Linux ABI.
const userHZ = 100

// statsReader reads a cgroup's usage from a fixed list of files. The file
// names are turned into NUL-terminated paths once, each file is opened once
// and read again in place, and every read goes into the same buffer, so a
// read of all stats costs one pread per file and no garbage.
type statsReader struct {
	v2  bool
	buf []byte
	// fds are the files opened so far, by their path's first byte.
	fds map[*byte]int

	// v1: one directory per controller; v2: all in one directory.
	cpuStat, cpuacctUsage, cpuacctStat   cpath
	memUsage, memLimit, memStat, memOOM  cpath
	pidsCurrent, pidsMax                 cpath
	ioBytes                              cpath
	cpuPressure, memPressure, ioPressure cpath
}

// cpath is a NUL-terminated file path; empty when the controller is absent.
type cpath []byte

func mkpath(dir, name string) cpath {
	if dir == "" {
		return nil
	}
	return cpath(filepath.Join(dir, name) + "\x00")
}

func newStatsReaderV1(paths map[string]string) *statsReader {
	cpu, acct, mem := paths["cpu"], paths["cpuacct"], paths["memory"]
	return &statsReader{
		buf:          make([]byte, 8192),
		cpuStat:      mkpath(cpu, "cpu.stat"),
		cpuacctUsage: mkpath(acct, "cpuacct.usage"),
		cpuacctStat:  mkpath(acct, "cpuacct.stat"),
		memUsage:     mkpath(mem, "memory.usage_in_bytes"),
		memLimit:     mkpath(mem, "memory.limit_in_bytes"),
		memStat:      mkpath(mem, "memory.stat"),
		memOOM:       mkpath(mem, "memory.oom_control"),
		pidsCurrent:  mkpath(paths["pids"], "pids.current"),
		pidsMax:      mkpath(paths["pids"], "pids.max"),
		ioBytes:      mkpath(paths["blkio"], "blkio.throttle.io_service_bytes"),
	}
}

func newStatsReaderV2(dir string) *statsReader {
	return &statsReader{
		v2:          true,
		buf:         make([]byte, 8192),
		cpuStat:     mkpath(dir, "cpu.stat"),
		memUsage:    mkpath(dir, "memory.current"),
		memLimit:    mkpath(dir, "memory.max"),
		memStat:     mkpath(dir, "memory.stat"),
		memOOM:      mkpath(dir, "memory.events"),
		pidsCurrent: mkpath(dir, "pids.current"),
		pidsMax:     mkpath(dir, "pids.max"),
		ioBytes:     mkpath(dir, "io.stat"),
		cpuPressure: mkpath(dir, "cpu.pressure"),
		memPressure: mkpath(dir, "memory.pressure"),
		ioPressure:  mkpath(dir, "io.pressure"),
	}
}

// read fills s. A file that does not exist (a controller the host lacks or
// has not enabled for the group) leaves its fields zero; the group itself
// missing is an error.
func (r *statsReader) read(s *Stats) error {
	b, err := r.file(r.cpuStat)
	if err != nil {
		return err
	}
	if r.v2 {
		parseCPUStatV2(b, &s.CPU)
	} else {
		parseCPUStatV1(b, &s.CPU)
		if b, err = r.file(r.cpuacctUsage); err != nil {
			return err
		}
		s.CPU.UsageNanos = parseUint(b)
		if b, err = r.file(r.cpuacctStat); err != nil {
			return err
		}
		parseCPUAcctStat(b, &s.CPU, 1e9/userHZ)
	}

	if b, err = r.file(r.memUsage); err != nil {
		return err
	}
	s.Memory.Usage = parseUint(b)
	if b, err = r.file(r.memLimit); err != nil {
		return err
	}
	s.Memory.Limit = parseUint(b)
	if !r.v2 && s.Memory.Limit >= 1<<62 {
		s.Memory.Limit = 0 // v1 writes "unlimited" as a page-rounded LONG_MAX
	}
	if b, err = r.file(r.memStat); err != nil {
		return err
	}
	if r.v2 {
		s.Memory.InactiveFile = statValue(b, "inactive_file")
	} else {
		s.Memory.InactiveFile = statValue(b, "total_inactive_file")
	}

	if b, err = r.file(r.pidsCurrent); err != nil {
		return err
	}
	s.Pids.Current = parseUint(b)
	if b, err = r.file(r.pidsMax); err != nil {
		return err
	}
	s.Pids.Limit = parseUint(b)

	if b, err = r.file(r.ioBytes); err != nil {
		return err
	}
	if r.v2 {
		parseIOStatV2(b, &s.IO)
	} else {
		parseBlkioV1(b, &s.IO)
	}

	if r.v2 {
		var p PressureStats
		found := false
		for _, f := range []struct {
			path cpath
			into *Pressure
		}{{r.cpuPressure, &p.CPU}, {r.memPressure, &p.Memory}, {r.ioPressure, &p.IO}} {
			if b, err = r.file(f.path); err != nil {
				return err
			}
			if len(b) > 0 {
				found = true
				parsePressure(b, f.into)
			}
		}
		if found {
			s.Pressure = &p
		}
	}
	return nil
}

// oomKills reads the OOM kill counter: v1 memory.oom_control (Linux 4.13),
// v2 memory.events.
func (r *statsReader) oomKills() (uint64, error) {
	if r.memOOM == nil {
		return 0, ErrUnsupported
	}
	b, err := r.file(r.memOOM)
	if err != nil {
		return 0, err
	}
	if b == nil {
		return 0, ErrNotExist
	}
	return statValue(b, "oom_kill"), nil
}

// file returns the contents of p in r.buf, growing it if the file is larger.
// A missing file gives nil without error, unless its directory is missing
// too, which means the cgroup is gone. Each file is opened once and read
// again from offset 0 on later samples: a seq_file regenerates its content
// on every read at 0, and the path lookup and open cost more than the read.
func (r *statsReader) file(p cpath) ([]byte, error) {
	if len(p) == 0 {
		return nil, nil
	}
	fd, ok := r.fds[&p[0]]
	if !ok {
		var err error
		if fd, err = openRead(p); err != nil {
			if err == unix.ENOENT {
				return nil, r.dirGone(p)
			}
			return nil, &pathError{p, err}
		}
		if cachedFDs.Add(1) <= maxCachedFDs {
			if r.fds == nil {
				r.fds = map[*byte]int{}
			}
			r.fds[&p[0]] = fd
		} else {
			// Past the budget, files are opened for each read again.
			cachedFDs.Add(-1)
			defer unix.Close(fd)
		}
	}
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := unix.Pread(fd, r.buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			r.forget(p)
			if err == unix.ENODEV && ok {
				// The cgroup was removed since the file was opened, and
				// may have been made again: look it up afresh.
				return r.file(p)
			}
			if err == unix.ENODEV {
				return nil, ErrNotExist
			}
			return nil, &pathError{p, err}
		}
		n += m
		// cgroup files are seq_files, which fill the whole buffer while
		// records remain: a short read is the end, and saves the read
		// that would return 0.
		if m == 0 || n < len(r.buf) {
			return r.buf[:n], nil
		}
	}
}

// forget closes the file of p, to be opened again next time.
func (r *statsReader) forget(p cpath) {
	if fd, ok := r.fds[&p[0]]; ok {
		unix.Close(fd)
		delete(r.fds, &p[0])
		cachedFDs.Add(-1)
	}
}

// Close closes the files the reader keeps open.
func (r *statsReader) Close() error {
	for k, fd := range r.fds {
		unix.Close(fd)
		delete(r.fds, k)
		cachedFDs.Add(-1)
	}
	return nil
}

// maxCachedFDs bounds the files all readers of a process keep open (ten a
// cgroup), well under the usual limit of open files.
const maxCachedFDs = 2000

var cachedFDs atomic.Int64

// dirGone returns ErrNotExist if the directory of p is missing.
func (r *statsReader) dirGone(p cpath) error {
	dir := filepath.Dir(string(p[:len(p)-1]))
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return ErrNotExist
	}
	return nil
}

// atFDCWD is a variable so that its negative value converts to uintptr.
var atFDCWD = unix.AT_FDCWD

func openRead(p cpath) (int, error) {
	for {
		fd, _, errno := unix.Syscall6(unix.SYS_OPENAT, uintptr(atFDCWD),
			uintptr(unsafe.Pointer(&p[0])), uintptr(unix.O_RDONLY|unix.O_CLOEXEC), 0, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return -1, errno
		}
		return int(fd), nil
	}
}

type pathError struct {
	path cpath
	err  error
}

func (e *pathError) Error() string {
	return "reading " + string(e.path[:len(e.path)-1]) + ": " + e.err.Error()
}

func (e *pathError) Unwrap() error { return e.err }

package cgroups

import "bytes"

// The parsers below work on the bytes read from a cgroup file, without
// allocating: Stats runs them for every container every second.

// parseUint reads a decimal number, ignoring surrounding white space. "max"
// (no limit) and anything unparsable give 0.
func parseUint(b []byte) uint64 {
	b = bytes.TrimSpace(b)
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}

// eachLine calls fn with every line's first field and the rest of the line.
func eachLine(b []byte, fn func(key, rest []byte)) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		key, rest, _ := bytes.Cut(line, []byte{' '})
		fn(key, rest)
	}
}

// parseCPUStatV1 reads v1 cpu.stat: nr_periods, nr_throttled, throttled_time.
func parseCPUStatV1(b []byte, s *CPUStats) {
	eachLine(b, func(k, v []byte) {
		switch string(k) {
		case "nr_periods":
			s.Periods = parseUint(v)
		case "nr_throttled":
			s.Throttled = parseUint(v)
		case "throttled_time":
			s.ThrottledNanos = parseUint(v)
		}
	})
}

// parseCPUAcctStat reads v1 cpuacct.stat, in clock ticks of tickNanos each.
func parseCPUAcctStat(b []byte, s *CPUStats, tickNanos uint64) {
	eachLine(b, func(k, v []byte) {
		switch string(k) {
		case "user":
			s.UserNanos = parseUint(v) * tickNanos
		case "system":
			s.SystemNanos = parseUint(v) * tickNanos
		}
	})
}

// parseCPUStatV2 reads v2 cpu.stat, whose times are in microseconds.
func parseCPUStatV2(b []byte, s *CPUStats) {
	eachLine(b, func(k, v []byte) {
		switch string(k) {
		case "usage_usec":
			s.UsageNanos = parseUint(v) * 1000
		case "user_usec":
			s.UserNanos = parseUint(v) * 1000
		case "system_usec":
			s.SystemNanos = parseUint(v) * 1000
		case "nr_periods":
			s.Periods = parseUint(v)
		case "nr_throttled":
			s.Throttled = parseUint(v)
		case "throttled_usec":
			s.ThrottledNanos = parseUint(v) * 1000
		}
	})
}

// statValue returns the value of key in a "key value" file such as
// memory.stat or memory.events.
func statValue(b []byte, key string) uint64 {
	var n uint64
	eachLine(b, func(k, v []byte) {
		if string(k) == key {
			n = parseUint(v)
		}
	})
	return n
}

// parseBlkioV1 sums the Read and Write lines of v1
// blkio.throttle.io_service_bytes ("8:0 Read 4096").
func parseBlkioV1(b []byte, s *IOStats) {
	eachLine(b, func(_, rest []byte) {
		op, v, ok := bytes.Cut(rest, []byte{' '})
		if !ok {
			return
		}
		switch string(op) {
		case "Read":
			s.ReadBytes += parseUint(v)
		case "Write":
			s.WriteBytes += parseUint(v)
		}
	})
}

// parseIOStatV2 sums rbytes and wbytes over the devices of v2 io.stat
// ("8:0 rbytes=4096 wbytes=0 rios=1 ...").
func parseIOStatV2(b []byte, s *IOStats) {
	eachLine(b, func(_, rest []byte) {
		for len(rest) > 0 {
			var f []byte
			f, rest, _ = bytes.Cut(rest, []byte{' '})
			k, v, ok := bytes.Cut(f, []byte{'='})
			if !ok {
				continue
			}
			switch string(k) {
			case "rbytes":
				s.ReadBytes += parseUint(v)
			case "wbytes":
				s.WriteBytes += parseUint(v)
			}
		}
	})
}

// parsePressure reads a v2 pressure file:
// "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line.
func parsePressure(b []byte, p *Pressure) {
	eachLine(b, func(k, rest []byte) {
		var psi *PSI
		switch string(k) {
		case "some":
			psi = &p.Some
		case "full":
			psi = &p.Full
		default:
			return
		}
		for len(rest) > 0 {
			var f []byte
			f, rest, _ = bytes.Cut(rest, []byte{' '})
			k, v, ok := bytes.Cut(f, []byte{'='})
			if !ok {
				continue
			}
			switch string(k) {
			case "avg10":
				psi.Avg10 = parseDecimal(v)
			case "avg60":
				psi.Avg60 = parseDecimal(v)
			case "avg300":
				psi.Avg300 = parseDecimal(v)
			case "total":
				psi.TotalMicros = parseUint(v)
			}
		}
	})
}

// parseDecimal reads a non-negative number such as "12.34".
func parseDecimal(b []byte) float64 {
	whole, frac, _ := bytes.Cut(bytes.TrimSpace(b), []byte{'.'})
	v := float64(parseUint(whole))
	scale := 1.0
	var f uint64
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0
		}
		f = f*10 + uint64(c-'0')
		scale *= 10
	}
	return v + float64(f)/scale
}

package stats

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// NetCounters are a network namespace's traffic totals over its interfaces,
// loopback left out.
type NetCounters struct {
	RxBytes, TxBytes     uint64
	RxPackets, TxPackets uint64
}

// ReadNet reads the counters of the network namespace that process pid is in,
// through /proc/<pid>/net/dev: the namespace's own view, so it works the same
// for bridged containers and for --network none.
func ReadNet(pid int) (NetCounters, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/net/dev")
	if err != nil {
		return NetCounters{}, fmt.Errorf("reading network counters: %w", err)
	}
	return parseNetDev(b)
}

// parseNetDev reads the table of /proc/net/dev: two header lines, then
// "iface: rx_bytes rx_packets errs drop fifo frame compressed multicast
// tx_bytes tx_packets ...".
func parseNetDev(b []byte) (NetCounters, error) {
	var c NetCounters
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 0; sc.Scan(); n++ {
		if n < 2 {
			continue
		}
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			return c, fmt.Errorf("malformed /proc/net/dev line %q", sc.Text())
		}
		if string(bytes.TrimSpace(name)) == "lo" {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) < 10 {
			return c, fmt.Errorf("malformed /proc/net/dev line %q", sc.Text())
		}
		c.RxBytes += atou(f[0])
		c.RxPackets += atou(f[1])
		c.TxBytes += atou(f[8])
		c.TxPackets += atou(f[9])
	}
	return c, sc.Err()
}

func atou(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}

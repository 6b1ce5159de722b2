package stats

import (
	"math"
	"os"
	"testing"
)

const netDev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0: 123456    100    0    0    0     0          0         0    65432      50    0    0    0     0       0          0
  eth1:      4      1    0    0    0     0          0         0        6       2    0    0    0     0       0          0
`

func TestParseNetDevSkipsLoopback(t *testing.T) {
	c, err := parseNetDev([]byte(netDev))
	if err != nil {
		t.Fatal(err)
	}
	if c != (NetCounters{RxBytes: 123460, TxBytes: 65438, RxPackets: 101, TxPackets: 52}) {
		t.Fatalf("counters %+v", c)
	}
	if _, err := parseNetDev([]byte("a\nb\nbroken line\n")); err == nil {
		t.Fatal("malformed line accepted")
	}
}

func TestReadNetOfThisProcess(t *testing.T) {
	if _, err := ReadNet(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadNet(1 << 30); err == nil {
		t.Fatal("a missing process gave counters")
	}
}

func TestSystemCPUAndPercent(t *testing.T) {
	total, cpus, err := SystemCPU()
	if err != nil || total == 0 || cpus < 1 {
		t.Fatalf("SystemCPU = %d, %d, %v", total, cpus, err)
	}
	// One core fully busy over a window in which the host's two cores spent
	// 2s of CPU time: 1s of usage on 2 CPUs reads 100%.
	if p := CPUPercent(0, 1e9, 0, 2e9, 2); math.Abs(p-100) > 1e-9 {
		t.Fatalf("CPUPercent = %v, want 100", p)
	}
	if p := CPUPercent(5, 4, 0, 10, 2); p != 0 {
		t.Fatalf("counter reset gave %v", p)
	}
	sys, n, err := parseProcStat([]byte("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0\ncpu1 50 0 50 400 0 0 0\nintr 1\n"))
	if err != nil || sys != 1000*1e7 || n != 2 {
		t.Fatalf("parseProcStat = %d, %d, %v", sys, n, err)
	}
}

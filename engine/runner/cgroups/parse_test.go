package cgroups

import "testing"

func TestParsers(t *testing.T) {
	var cpu CPUStats
	parseCPUStatV2([]byte("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 3\nthrottled_usec 42\n"), &cpu)
	if cpu != (CPUStats{UsageNanos: 1500000, UserNanos: 1000000, SystemNanos: 500000, Periods: 7, Throttled: 3, ThrottledNanos: 42000}) {
		t.Errorf("v2 cpu.stat: %+v", cpu)
	}
	cpu = CPUStats{}
	parseCPUStatV1([]byte("nr_periods 10\nnr_throttled 4\nthrottled_time 123456\n"), &cpu)
	parseCPUAcctStat([]byte("user 12\nsystem 3\n"), &cpu, 1e7)
	if cpu != (CPUStats{UserNanos: 120000000, SystemNanos: 30000000, Periods: 10, Throttled: 4, ThrottledNanos: 123456}) {
		t.Errorf("v1 cpu: %+v", cpu)
	}
	if v := statValue([]byte("cache 10\ntotal_inactive_file 4096\ninactive_file 1\n"), "total_inactive_file"); v != 4096 {
		t.Errorf("statValue = %d", v)
	}
	if v := parseUint([]byte("max\n")); v != 0 {
		t.Errorf("parseUint(max) = %d", v)
	}
	if v := parseUint([]byte(" 77\n")); v != 77 {
		t.Errorf("parseUint = %d", v)
	}
	var io IOStats
	parseBlkioV1([]byte("8:0 Read 100\n8:0 Write 20\n8:0 Sync 3\n8:16 Read 1\nTotal 124\n"), &io)
	if io != (IOStats{ReadBytes: 101, WriteBytes: 20}) {
		t.Errorf("blkio: %+v", io)
	}
	io = IOStats{}
	parseIOStatV2([]byte("8:0 rbytes=100 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n8:16 rbytes=1 wbytes=2\n"), &io)
	if io != (IOStats{ReadBytes: 101, WriteBytes: 22}) {
		t.Errorf("io.stat: %+v", io)
	}
	var p Pressure
	parsePressure([]byte("some avg10=1.50 avg60=0.25 avg300=10.00 total=999\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=5\n"), &p)
	if p.Some != (PSI{Avg10: 1.5, Avg60: 0.25, Avg300: 10, TotalMicros: 999}) || p.Full.TotalMicros != 5 {
		t.Errorf("pressure: %+v", p)
	}
	if (MemoryStats{Usage: 10, InactiveFile: 4}).WorkingSet() != 6 {
		t.Error("working set")
	}
}

func BenchmarkParseMemoryStat(b *testing.B) {
	stat := []byte("cache 1\nrss 2\nrss_huge 0\nshmem 0\nmapped_file 0\ndirty 0\nwriteback 0\npgpgin 0\npgpgout 0\npgfault 0\npgmajfault 0\ninactive_anon 0\nactive_anon 0\ninactive_file 0\nactive_file 0\nunevictable 0\nhierarchical_memory_limit 0\ntotal_cache 0\ntotal_rss 0\ntotal_inactive_file 4096\n")
	b.ReportAllocs()
	for b.Loop() {
		if statValue(stat, "total_inactive_file") != 4096 {
			b.Fatal("wrong value")
		}
	}
}

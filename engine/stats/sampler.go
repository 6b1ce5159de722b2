package stats

import (
	"context"
	"sync"
	"time"

	"github.com/berth-dev/berth/engine/runner/cgroups"
)

// Target is a running container to sample: its ID and name, the pid of its
// init process (for its network namespace) and its cgroup path.
type Target struct {
	ID, Name   string
	Pid        int
	CgroupPath string
}

// Sample is one container's usage at one moment, with rates over the time
// since its previous sample.
type Sample struct {
	ID, Name string
	Time     time.Time
	// CPUPercent is docker's CPU %: 100 per busy core.
	CPUPercent float64
	CPU        cgroups.CPUStats
	// MemUsage is memory in use without reclaimable page cache (docker's MEM
	// USAGE); MemLimit 0 means no limit.
	MemUsage, MemLimit uint64
	Net                NetCounters
	// NetRxRate and NetTxRate are bytes a second since the previous sample.
	NetRxRate, NetTxRate  float64
	BlockRead, BlockWrite uint64
	Pids, PidsLimit       uint64
	OOMKills              uint64
	Pressure              *cgroups.PressureStats
	// Err says why this container could not be read (it exited meanwhile).
	Err error
}

// Sampler reads every container's counters once per tick and remembers the
// previous readings to turn counters into rates. It keeps one cgroup manager
// per container, so a tick reads files and allocates little.
type Sampler struct {
	mu       sync.Mutex
	managers map[string]cgroups.Manager
	prev     map[string]Sample
	prevSys  uint64
}

// NewSampler returns an empty sampler.
func NewSampler() *Sampler {
	return &Sampler{managers: map[string]cgroups.Manager{}, prev: map[string]Sample{}}
}

// Sample reads every target once.
func (s *Sampler) Sample(targets []Target) []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	sys, cpus, _ := SystemCPU()
	out := make([]Sample, 0, len(targets))
	seen := map[string]bool{}
	for _, t := range targets {
		seen[t.ID] = true
		out = append(out, s.one(t, now, sys, cpus))
	}
	for id, m := range s.managers {
		if !seen[id] {
			m.Close()
			delete(s.managers, id)
			delete(s.prev, id)
		}
	}
	s.prevSys = sys
	return out
}

func (s *Sampler) one(t Target, now time.Time, sys uint64, cpus int) Sample {
	smp := Sample{ID: t.ID, Name: t.Name, Time: now}
	m, ok := s.managers[t.ID]
	if !ok {
		var err error
		if m, err = cgroups.Load(t.CgroupPath); err != nil {
			smp.Err = err
			return smp
		}
		s.managers[t.ID] = m
	}
	st, err := m.Stats()
	if err != nil {
		smp.Err = err
		return smp
	}
	smp.CPU = st.CPU
	smp.MemUsage, smp.MemLimit = st.Memory.WorkingSet(), st.Memory.Limit
	smp.BlockRead, smp.BlockWrite = st.IO.ReadBytes, st.IO.WriteBytes
	smp.Pids, smp.PidsLimit = st.Pids.Current, st.Pids.Limit
	smp.Pressure = st.Pressure
	smp.OOMKills, _ = m.OOMKillCount()
	if t.Pid > 0 {
		smp.Net, _ = ReadNet(t.Pid)
	}
	if p, ok := s.prev[t.ID]; ok {
		smp.CPUPercent = CPUPercent(p.CPU.UsageNanos, smp.CPU.UsageNanos, s.prevSys, sys, cpus)
		if dt := now.Sub(p.Time).Seconds(); dt > 0 {
			smp.NetRxRate = rate(p.Net.RxBytes, smp.Net.RxBytes, dt)
			smp.NetTxRate = rate(p.Net.TxBytes, smp.Net.TxBytes, dt)
		}
	}
	s.prev[t.ID] = smp
	return smp
}

func rate(prev, cur uint64, dt float64) float64 {
	if cur < prev {
		return 0
	}
	return float64(cur-prev) / dt
}

// Stream samples the targets that list returns every interval until ctx is
// done, sending each round as one slice. The first round is sent at once.
func (s *Sampler) Stream(ctx context.Context, interval time.Duration, list func() []Target) <-chan []Sample {
	ch := make(chan []Sample, 1)
	go func() {
		defer close(ch)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case ch <- s.Sample(list()):
			case <-ctx.Done():
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

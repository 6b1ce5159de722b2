// Package datatest builds fixed view values for the workbench's tests and
// benchmarks: containers, images, events, logs, stats, a layer analysis and
// a namespaces view, all at a fixed time so that drawn frames never change.
package datatest

import (
	"fmt"
	"time"

	"github.com/berth-dev/berth/tui/data"
)

// Now is the fixed clock of every fixture.
var Now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// Clock returns Now.
func Clock() time.Time { return Now }

func id(prefix byte, i int) string {
	return fmt.Sprintf("%c%011x%052x", prefix, i, i*7919)
}

// Containers returns n containers in a mix of states, healths and ports.
func Containers(n int) []data.ContainerRow {
	images := []string{"nginx:1.27", "redis:7-alpine", "postgres:16", "busybox:latest", "ghcr.io/berth-dev/api:2.3.1"}
	names := []string{"web", "cache", "db", "job", "api"}
	out := make([]data.ContainerRow, n)
	for i := range out {
		c := data.ContainerRow{
			ID:      id('c', i),
			Name:    fmt.Sprintf("%s-%d", names[i%len(names)], i),
			Image:   images[i%len(images)],
			Status:  "running",
			Created: Now.Add(-time.Duration(i+2) * time.Hour),
			IP:      fmt.Sprintf("10.88.0.%d", 2+i%250),
		}
		c.StartedAt = c.Created.Add(time.Minute)
		switch i % 7 {
		case 3:
			c.Status, c.ExitCode, c.IP = "exited", 0, ""
		case 5:
			c.Status, c.ExitCode, c.IP = "exited", 137, ""
		case 6:
			c.Status = "paused"
		}
		switch i % 5 {
		case 0:
			c.Ports = []string{fmt.Sprintf("0.0.0.0:%d->80/tcp", 8080+i)}
			c.Health = "healthy"
		case 4:
			c.Ports = []string{fmt.Sprintf("127.0.0.1:%d->8000/tcp", 9000+i), "0.0.0.0:9443->443/tcp"}
			c.Health = "unhealthy"
		}
		if c.Running() {
			c.CPU = float64((i*37)%90) + 0.5
			c.Mem = uint64(20+(i*13)%200) << 20
			if i%2 == 0 {
				c.MemLimit = 256 << 20
			}
		}
		out[i] = c
	}
	return out
}

// Images returns n images, every fourth dangling.
func Images(n int) []data.ImageRow {
	repos := []string{"nginx", "redis", "postgres", "busybox", "ghcr.io/berth-dev/api"}
	out := make([]data.ImageRow, n)
	for i := range out {
		im := data.ImageRow{
			ID:         "sha256:" + id('a', i),
			Tags:       []string{fmt.Sprintf("%s:%d.%d", repos[i%len(repos)], 1+i/5, i%3)},
			Size:       uint64(5_000_000 + i*3_300_000),
			SharedSize: uint64(4_000_000 + i*1_100_000),
			Layers:     1 + i%9,
			Created:    Now.Add(-time.Duration(i*i+1) * 3 * time.Hour),
			Containers: i % 3,
		}
		im.UniqueSize = im.Size - im.SharedSize
		if i%4 == 3 {
			im.Tags, im.Dangling, im.Containers = nil, true, 0
		}
		if i%5 == 0 && !im.Dangling {
			im.Tags = append(im.Tags, repos[i%len(repos)]+":latest")
		}
		out[i] = im
	}
	return out
}

// Events returns n journal events, one a second ending at Now.
func Events(n int) []data.EventRow {
	actions := []string{"create", "start", "die", "stop", "pull", "tag", "destroy", "pause", "unpause", "kill"}
	out := make([]data.EventRow, n)
	for i := range out {
		a := actions[i%len(actions)]
		typ := "container"
		if a == "pull" || a == "tag" {
			typ = "image"
		}
		e := data.EventRow{Time: Now.Add(-time.Duration(n-i) * time.Second), Type: typ, Action: a,
			ID: id('c', i%9), Name: fmt.Sprintf("web-%d", i%9), Attrs: map[string]string{"image": "nginx:1.27"}}
		if a == "die" {
			e.Attrs["exitCode"] = fmt.Sprint(i % 3)
		}
		out[i] = e
	}
	return out
}

// Logs returns n lines of a container's output, every fifth on stderr.
func Logs(containerID, name string, n int) []data.LogLine {
	out := make([]data.LogLine, n)
	for i := range out {
		l := data.LogLine{ContainerID: containerID, Name: name, Stream: data.Stdout,
			Time: Now.Add(-time.Duration(n-i) * 250 * time.Millisecond),
			Text: fmt.Sprintf("GET /api/items/%d 200 %dms user=u%d", i, 3+i%40, i%7)}
		if i%5 == 4 {
			l.Stream = data.Stderr
			l.Text = fmt.Sprintf("warn: slow query on items (%dms)\tretrying", 200+i)
		}
		out[i] = l
	}
	return out
}

// Stats returns rounds of samples, one round a second ending at Now, for
// the running containers of cs.
func Stats(cs []data.ContainerRow, rounds int) []data.StatsSample {
	var out []data.StatsSample
	for r := 0; r < rounds; r++ {
		t := Now.Add(-time.Duration(rounds-r) * time.Second)
		for i, c := range cs {
			if !c.Running() {
				continue
			}
			s := data.StatsSample{ID: c.ID, Time: t,
				CPU:      float64((i*31+r*17)%95) + 1,
				Mem:      uint64(30+(i*11+r*7)%180) << 20,
				MemLimit: c.MemLimit,
				HostMem:  16 << 30,
				NetRx:    uint64(r * (1000 + i*100)), NetTx: uint64(r * (400 + i*10)),
				BlkRead: uint64(r * 4096 * (i%3 + 1)), BlkWrite: uint64(r * 8192),
				Pids: uint64(3 + i%20), PidsMax: 512,
			}
			if i%4 == 1 {
				s.CPULimit = 50
				s.Throttled = uint64(r)
			}
			if i == 2 && r == rounds-1 {
				s.OOMKills = 1
			}
			out = append(out, s)
		}
	}
	return out
}

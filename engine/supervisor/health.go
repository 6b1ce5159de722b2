package supervisor

import (
	"bytes"
	"context"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
)

// maxHealthOutput is how much of a check's output is kept, as docker keeps 4 KiB.
const maxHealthOutput = 4096

// healthArgs turns a HEALTHCHECK test into the command to run: CMD runs its
// arguments, CMD-SHELL runs its string with /bin/sh -c; NONE (or nothing) is
// no check.
func healthArgs(test []string) []string {
	if len(test) == 0 {
		return nil
	}
	switch test[0] {
	case "CMD":
		return test[1:]
	case "CMD-SHELL":
		if len(test) > 1 {
			return []string{"/bin/sh", "-c", test[1]}
		}
	}
	return nil
}

// checkHealth runs the container's health check every interval until ctx is
// done, recording each result and the status it leads to: starting until a
// first success, healthy, or unhealthy after Retries failures in a row
// (failures during the start period do not count).
func (s *Supervisor) checkHealth(ctx context.Context, rec *container.Record, proc Process, env []string, cwd string) {
	hc := rec.Config.Healthcheck
	args := healthArgs(hc.Test)
	if len(args) == 0 {
		return
	}
	began := time.Now()
	tick := time.NewTicker(hc.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		res := runCheck(ctx, proc, args, env, cwd, hc.Timeout)
		inStart := time.Since(began) < hc.StartPeriod
		var from, to string
		s.Store.Update(rec.ID, func(r *container.Record) error {
			from = r.State.Health
			switch {
			case res.ExitCode == 0:
				r.State.Health, r.State.FailingStreak = "healthy", 0
			case inStart && r.State.Health == "starting":
				// A failure in the start period does not count.
			default:
				r.State.FailingStreak++
				if r.State.FailingStreak >= hc.Retries {
					r.State.Health = "unhealthy"
				}
			}
			r.State.HealthLog = append(r.State.HealthLog, res)
			if n := len(r.State.HealthLog); n > 5 {
				r.State.HealthLog = r.State.HealthLog[n-5:]
			}
			to = r.State.Health
			return nil
		})
		if to != from {
			s.Journal.Append(events.Event{Type: events.TypeContainer, Action: "health_status: " + to, ID: rec.ID,
				Attributes: map[string]string{"name": rec.Name, "image": rec.Image, "exitCode": strconv.Itoa(res.ExitCode)}})
		}
	}
}

// runCheck runs one check, killing it at the timeout (exit code -1, as docker
// reports a timed-out check).
func runCheck(ctx context.Context, proc Process, args, env []string, cwd string, timeout time.Duration) container.HealthResult {
	res := container.HealthResult{Start: time.Now()}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out limitedBuffer
	code, err := proc.Exec(cctx, &specs.Process{Args: args, Env: env, Cwd: cwd}, Stdio{Stdout: &out, Stderr: &out})
	res.End = time.Now()
	switch {
	case cctx.Err() == context.DeadlineExceeded:
		res.ExitCode = -1
		res.Output = "Health check exceeded timeout (" + timeout.String() + ")"
	case err != nil:
		res.ExitCode = -1
		res.Output = err.Error()
	default:
		res.ExitCode = code
		res.Output = out.String()
	}
	return res
}

// limitedBuffer keeps the first maxHealthOutput bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxHealthOutput - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}

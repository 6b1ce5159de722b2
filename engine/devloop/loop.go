package devloop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Copy is one file to bring into the container: from Src on the host to
// Dst in the container, or, with Removed, Dst to delete there.
type Copy struct {
	Src, Dst string
	Removed  bool
}

// Plan is what one batch asks for. Rebuild, when set, replaces everything
// else: the new image has the changes.
type Plan struct {
	Sync    []Copy
	Rebuild bool
	Restart bool
	Exec    [][]string
	// Paths is how many changed paths the plan covers.
	Paths int
}

// PlanBatch applies the rules to a batch. A path no rule covers asks for a
// rebuild when there are no rules at all, and is left alone otherwise.
func PlanBatch(rules []Rule, b Batch) Plan {
	p := Plan{Paths: len(b.Paths)}
	if len(rules) == 0 {
		p.Rebuild = len(b.Paths) > 0
		return p
	}
	execs := map[int]bool{}
	for _, path := range b.Paths {
		for i := range rules {
			r := &rules[i]
			rel, ok := r.matches(path)
			if !ok {
				continue
			}
			switch r.Action {
			case Rebuild:
				p.Rebuild = true
			case Restart:
				p.Restart = true
			case Sync, SyncRestart, SyncExec:
				c := Copy{Src: path, Dst: filepath.Join(r.Target, rel)}
				if fi, err := os.Lstat(path); err != nil {
					c.Removed = true
				} else if fi.IsDir() {
					continue // its files come on their own
				}
				p.Sync = append(p.Sync, c)
				if r.Action == SyncRestart {
					p.Restart = true
				}
				if r.Action == SyncExec && !execs[i] {
					execs[i] = true
					p.Exec = append(p.Exec, r.Exec)
				}
			}
			break // the first rule that covers a path decides, as compose does
		}
	}
	if p.Rebuild {
		p.Sync, p.Restart, p.Exec = nil, false, nil
	}
	return p
}

// Target is the running application the loop keeps up to date.
type Target interface {
	// Sync copies files into the running container and deletes removed ones.
	Sync(ctx context.Context, files []Copy) error
	// Rebuild builds the image again and replaces the container, the new
	// one ready before the old one goes. It reports the time of each of its
	// own stages, also when it fails.
	Rebuild(ctx context.Context) ([]Stage, error)
	// Restart restarts the container.
	Restart(ctx context.Context) error
	// Exec runs a command in the container and fails if it fails.
	Exec(ctx context.Context, argv []string) error
	// Ready returns once the application answers again.
	Ready(ctx context.Context) error
}

// Stage is one timed step of a reload.
type Stage struct {
	Name     string
	Duration time.Duration
}

// Reload reports one batch handled: what it did, each stage's time, the
// total from the first change seen to ready, and the error if it failed.
type Reload struct {
	N      int
	Paths  int
	Action string
	Stages []Stage
	Total  time.Duration
	Err    error
}

func (r Reload) String() string {
	s := fmt.Sprintf("reload %d: %s (%d changed)", r.N, r.Action, r.Paths)
	for _, st := range r.Stages {
		s += fmt.Sprintf(", %s %s", st.Name, st.Duration.Round(100*time.Microsecond))
	}
	if r.Err != nil {
		return s + ": failed: " + r.Err.Error()
	}
	return s + fmt.Sprintf(", total %s", r.Total.Round(100*time.Microsecond))
}

// Run carries out the rules for every batch the watcher delivers until ctx
// ends, reporting each reload. A failed step is reported and the loop goes
// on watching: after a failed rebuild the old container keeps serving.
func Run(ctx context.Context, w *Watcher, rules []Rule, t Target, report func(Reload)) error {
	n := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-w.Errors():
			report(Reload{N: n, Action: "watch", Err: err})
			if errors.Is(err, ErrWatchLimit) {
				return err
			}
		case b := <-w.Batches():
			plan := PlanBatch(rules, b)
			if !plan.Rebuild && !plan.Restart && len(plan.Sync) == 0 && len(plan.Exec) == 0 {
				continue
			}
			n++
			report(apply(ctx, n, b, plan, t))
		}
	}
}

// apply carries out one plan, timing each stage.
func apply(ctx context.Context, n int, b Batch, plan Plan, t Target) Reload {
	r := Reload{N: n, Paths: plan.Paths}
	// The first stage is the burst itself: from the first change seen to
	// the quiet time that ended it.
	r.Stages = append(r.Stages, Stage{"seen", time.Since(b.Seen)})
	stage := func(name string, fn func() error) bool {
		if r.Err != nil {
			return false
		}
		start := time.Now()
		err := fn()
		r.Stages = append(r.Stages, Stage{name, time.Since(start)})
		if err != nil {
			r.Err = fmt.Errorf("%s: %w", name, err)
			return false
		}
		return true
	}
	switch {
	case plan.Rebuild:
		r.Action = "rebuild"
		stages, err := t.Rebuild(ctx)
		r.Stages = append(r.Stages, stages...)
		if err != nil {
			r.Err = fmt.Errorf("rebuild: %w", err)
		}
	default:
		r.Action = "sync"
		if len(plan.Sync) > 0 {
			stage("sync", func() error { return t.Sync(ctx, plan.Sync) })
		}
		for _, argv := range plan.Exec {
			r.Action = "sync+exec"
			stage("exec", func() error { return t.Exec(ctx, argv) })
		}
		if plan.Restart {
			r.Action = "restart"
			if len(plan.Sync) > 0 {
				r.Action = "sync+restart"
			}
			stage("restart", func() error { return t.Restart(ctx) })
		}
	}
	stage("ready", func() error { return t.Ready(ctx) })
	r.Total = time.Since(b.Seen)
	return r
}

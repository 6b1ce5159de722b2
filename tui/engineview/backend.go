// Package engineview is the workbench's view of the real engine: it
// implements tui.Backend over an *engine.Engine and its image store, turning
// records, images, analyses, events, stats and logs into the tui/data values
// the panes draw. Every method does its I/O under the context it is given;
// the workbench calls them from commands, never from Update.
package engineview

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/events"
	"github.com/berth-dev/berth/engine/logs"
	"github.com/berth-dev/berth/engine/opts"
	"github.com/berth-dev/berth/engine/stats"
	"github.com/berth-dev/berth/engine/supervisor"
	"github.com/berth-dev/berth/layers"
	"github.com/berth-dev/berth/layers/analyze"
	"github.com/berth-dev/berth/tui"
	"github.com/berth-dev/berth/tui/data"
)

// Backend is the engine as the workbench sees it.
type Backend struct {
	e        *engine.Engine
	store    *layers.Store
	analyzer *analyze.Analyzer

	mu     sync.Mutex
	latest map[string]stats.Sample // the newest sample per container, for the list's CPU and memory
	// targets are the running containers as the last Containers call found
	// them: the stats rounds sample these rather than read every record
	// again each round. The workbench lists containers every few refreshes
	// and soon after each event, so a container started or stopped is
	// sampled, or dropped, within moments. listed says whether there was a
	// listing yet.
	targets []stats.Target
	listed  bool
}

var _ tui.Backend = (*Backend)(nil)

// New returns the workbench's view of e, whose images live in store. The
// store refuses to remove images e's containers use.
func New(e *engine.Engine, store *layers.Store) *Backend {
	if store.InUse == nil {
		store.InUse = e.ImageInUse
	}
	return &Backend{e: e, store: store, analyzer: analyze.New(e.Root), latest: map[string]stats.Sample{}}
}

// Containers lists every container, newest first.
func (b *Backend) Containers(ctx context.Context) ([]data.ContainerRow, error) {
	recs, err := b.e.Containers.List()
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.targets, b.listed = b.targets[:0], true
	rows := make([]data.ContainerRow, 0, len(recs))
	for _, r := range recs {
		if (r.State.Status == container.Running || r.State.Status == container.Paused) && r.State.Pid > 0 {
			b.targets = append(b.targets, stats.Target{ID: r.ID, Name: r.Name, Pid: r.State.Pid, CgroupPath: engine.CgroupPath(r.ID)})
		}
		row := data.ContainerRow{ID: r.ID, Name: r.Name, Image: r.Image, Status: string(r.State.Status),
			Health: r.State.Health, ExitCode: r.State.ExitCode, Created: r.Created, StartedAt: r.State.StartedAt}
		for _, ep := range r.Network {
			row.Ports = append(row.Ports, ep.Ports...)
			if row.IP == "" {
				row.IP = ep.IP
			}
		}
		if s, ok := b.latest[r.ID]; ok && r.State.Status == container.Running {
			row.CPU, row.Mem, row.MemLimit = s.CPUPercent, s.MemUsage, s.MemLimit
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Images lists the images with the size of their layers, split into what
// other images share and what is theirs alone.
func (b *Backend) Images(ctx context.Context) ([]data.ImageRow, error) {
	sums, err := b.store.List(ctx)
	if err != nil {
		return nil, err
	}
	recs, _ := b.e.Containers.List()
	users := map[string]int{}
	for _, r := range recs {
		users[r.ImageID]++
	}
	// Layer digests and sizes per image, and how many images hold each layer.
	type layer struct {
		digest string
		size   uint64
	}
	layersOf := make([][]layer, len(sums))
	holders := map[string]int{}
	for i, s := range sums {
		img, err := b.store.Image(ctx, s.ID.String())
		if err != nil {
			continue
		}
		ls, err := img.Layers()
		if err != nil {
			continue
		}
		for _, l := range ls {
			d, err1 := l.Digest()
			n, err2 := l.Size()
			if err1 != nil || err2 != nil {
				continue
			}
			layersOf[i] = append(layersOf[i], layer{d.String(), uint64(n)})
			holders[d.String()]++
		}
	}
	rows := make([]data.ImageRow, 0, len(sums))
	for i, s := range sums {
		row := data.ImageRow{ID: s.ID.String(), Size: uint64(s.Size), Layers: s.Layers, Created: s.Created,
			Dangling: s.Dangling, Containers: users[s.ID.String()]}
		for _, n := range s.Names {
			row.Tags = append(row.Tags, layers.FamiliarName(n))
		}
		for _, l := range layersOf[i] {
			if holders[l.digest] > 1 {
				row.SharedSize += l.size
			} else {
				row.UniqueSize += l.size
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Events sends the journal's events since the given time, then new ones.
func (b *Backend) Events(ctx context.Context, since time.Time) (<-chan data.EventRow, error) {
	in, err := b.e.Events.Follow(ctx, since, events.Filter{})
	if err != nil {
		return nil, err
	}
	out := make(chan data.EventRow, 64)
	go func() {
		defer close(out)
		for ev := range in {
			row := data.EventRow{Time: ev.Time, Type: ev.Type, Action: ev.Action, ID: ev.ID, Name: ev.Attributes["name"], Attrs: ev.Attributes}
			select {
			case out <- row:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Stats samples the running containers every interval: those the last
// listing found, or before any listing those the engine finds.
func (b *Backend) Stats(ctx context.Context, interval time.Duration) (<-chan data.StatsSample, error) {
	in := stats.NewSampler().Stream(ctx, interval, b.runningTargets)
	host := hostMemory()
	out := make(chan data.StatsSample, 64)
	go func() {
		defer close(out)
		for round := range in {
			for _, s := range round {
				if s.Err != nil {
					continue
				}
				b.mu.Lock()
				b.latest[s.ID] = s
				b.mu.Unlock()
				smp := data.StatsSample{ID: s.ID, Time: s.Time, CPU: s.CPUPercent, Mem: s.MemUsage, MemLimit: s.MemLimit, HostMem: host,
					NetRx: s.Net.RxBytes, NetTx: s.Net.TxBytes, BlkRead: s.BlockRead, BlkWrite: s.BlockWrite,
					Pids: s.Pids, PidsMax: s.PidsLimit, Throttled: s.CPU.Throttled, OOMKills: s.OOMKills}
				select {
				case out <- smp:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// runningTargets returns a copy of the targets of the last listing, since
// the next listing may rewrite them while a round samples.
func (b *Backend) runningTargets() []stats.Target {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.listed {
		return b.e.Targets()
	}
	return append([]stats.Target(nil), b.targets...)
}

// Logs sends a container's log lines, and with Follow new ones as they come.
func (b *Backend) Logs(ctx context.Context, id string, o data.LogOptions) (<-chan data.LogLine, error) {
	rec, err := b.e.Containers.Get(id)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(b.e.Containers.Dir(rec.ID), supervisor.LogFile)
	ro := logs.ReadOptions{Tail: o.Tail, Follow: o.Follow}
	out := make(chan data.LogLine, 256)
	go func() {
		defer close(out)
		logs.Read(ctx, path, ro, func(en logs.Entry) error {
			select {
			case out <- data.LogLine{ContainerID: rec.ID, Name: rec.Name, Time: en.Time, Stream: data.Stream(en.Stream), Text: en.Line}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return out, nil
}

// The container actions go through the engine as the command line's do.

func (b *Backend) Start(ctx context.Context, id string) error   { return b.e.Start(ctx, id, false) }
func (b *Backend) Stop(ctx context.Context, id string) error    { return b.e.Stop(ctx, id, nil) }
func (b *Backend) Pause(ctx context.Context, id string) error   { return b.e.Pause(ctx, id) }
func (b *Backend) Unpause(ctx context.Context, id string) error { return b.e.Unpause(ctx, id) }
func (b *Backend) Kill(ctx context.Context, id string) error    { return b.e.Kill(ctx, id, "") }
func (b *Backend) Remove(ctx context.Context, id string) error {
	return b.e.Remove(ctx, id, false, false)
}

// Restart stops and starts the container.
func (b *Backend) Restart(ctx context.Context, id string) error {
	if err := b.e.Stop(ctx, id, nil); err != nil {
		return err
	}
	return b.e.Start(ctx, id, false)
}

// Rename gives a container a new name and records it.
func (b *Backend) Rename(ctx context.Context, id, name string) error {
	rec, err := b.e.Containers.Get(id)
	if err != nil {
		return err
	}
	if err := b.e.Containers.Rename(rec.ID, name); err != nil {
		return err
	}
	b.e.Events.Append(events.Event{Type: events.TypeContainer, Action: "rename", ID: rec.ID,
		Attributes: map[string]string{"name": name, "oldName": rec.Name}})
	return nil
}

// RemoveImage removes an image (refused while a container uses it).
func (b *Backend) RemoveImage(ctx context.Context, id string) error {
	_, err := b.store.Remove(ctx, id, false)
	if err == nil {
		b.e.Events.Append(events.Event{Type: events.TypeImage, Action: "delete", ID: id})
	}
	return err
}

// Tag gives an image another name.
func (b *Backend) Tag(ctx context.Context, imageID, ref string) error {
	if err := b.store.Tag(ctx, imageID, ref); err != nil {
		return err
	}
	b.e.Events.Append(events.Event{Type: events.TypeImage, Action: "tag", ID: imageID, Attributes: map[string]string{"name": ref}})
	return nil
}

// Pull fetches an image from its registry.
func (b *Backend) Pull(ctx context.Context, ref string) error {
	id, err := b.store.Pull(ctx, ref, layers.RemoteOptions{})
	if err != nil {
		return err
	}
	b.e.Events.Append(events.Event{Type: events.TypeImage, Action: "pull", ID: id.String(), Attributes: map[string]string{"name": ref}})
	return nil
}

// Run creates a container from the run form and starts it.
func (b *Backend) Run(ctx context.Context, spec data.RunSpec) (string, error) {
	o := engine.RunOptions{Name: spec.Name, Cmd: spec.Command, Ports: spec.Ports}
	env, err := opts.ParseEnv(spec.Env)
	if err != nil {
		return "", err
	}
	o.Env = env
	for _, v := range spec.Volumes {
		m, err := opts.ParseVolume(v)
		if err != nil {
			return "", err
		}
		o.Mounts = append(o.Mounts, m)
	}
	if spec.Memory != "" {
		if o.Resources.Memory, err = opts.ParseBytes(spec.Memory); err != nil {
			return "", err
		}
	}
	if spec.CPUs != "" {
		if o.Resources.CPUs, err = opts.ParseCPUs(spec.CPUs); err != nil {
			return "", err
		}
	}
	rec, err := b.e.Create(ctx, spec.Image, o)
	if err != nil {
		return "", err
	}
	if err := b.e.Start(ctx, rec.ID, false); err != nil {
		return rec.ID, err
	}
	return rec.ID, nil
}

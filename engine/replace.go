package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/netsetup"
)

// ReplaceOptions say how Replace tells that the new container is ready and
// how long the old one gets to stop.
type ReplaceOptions struct {
	// Ready returns once the new container serves, given its address on
	// its network (invalid without one) and the container ports the old one
	// published. Nil means ReadyTCP.
	Ready func(ctx context.Context, addr netip.Addr, ports []uint16) error
	// StopTimeout is the old container's grace period; nil means its own.
	StopTimeout *int
}

// ReplaceLabel marks a container started to replace another, until it has.
const ReplaceLabel = "org.berth.replaces"

// Replace swaps the container ref for a new one made from image with the
// options run, keeping what makes it the same service: its name, its
// published ports (host ports included) and its volumes. The new
// one starts beside the old one and is ready before the published ports move
// to it, in one nftables transaction, so a client never finds the port
// closed; only then is the old one stopped and removed. If the new one
// fails to start or to become ready, it is removed and the old one keeps
// running untouched.
//
// Replace returns once the new container serves; retire then stops and
// removes the old one and gives the new one its name. The caller runs it,
// at once or in the background, before it replaces the container again.
func (e *Engine) Replace(ctx context.Context, ref, image string, run RunOptions, o ReplaceOptions) (rec *container.Record, retire func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	old, err := e.Containers.Get(ref)
	if err != nil {
		return nil, nil, err
	}
	if o.Ready == nil {
		o.Ready = ReadyTCP
	}
	labels := map[string]string{}
	for k, v := range run.Labels {
		labels[k] = v
	}
	run.Labels = labels
	run.Mounts = old.Config.Mounts // named and anonymous volumes alike, by name
	live := old.State.Status == container.Running && len(old.Network) > 0 && old.Network[0].IP != ""
	if !live {
		// Nothing serves: there is no one to hand over from.
		if err := e.Remove(ctx, old.ID, true, false); err != nil {
			return nil, nil, err
		}
		run.Name = old.Name
		run.Ports, run.PublishAll = old.Config.Ports, false
		rec, err := e.Create(ctx, image, run)
		if err != nil {
			return nil, nil, err
		}
		if err := e.Start(ctx, rec.ID, false); err != nil {
			e.Remove(context.WithoutCancel(ctx), rec.ID, true, true)
			return nil, nil, err
		}
		rec, err = e.Containers.Get(rec.ID)
		return rec, noop, err
	}

	ports, err := netsetup.ParsePorts(old.Config.Ports)
	if err != nil {
		return nil, nil, err
	}
	run.Ports, run.PublishAll = nil, false
	run.Labels[ReplaceLabel] = old.ID
	run.Name = "" // the old one holds the name until it retires
	next, err := e.Create(ctx, image, run)
	if err != nil {
		return nil, nil, err
	}
	discard := func(err error) (*container.Record, func(context.Context) error, error) {
		e.Remove(context.WithoutCancel(ctx), next.ID, true, true)
		return nil, nil, err
	}
	if err := e.Start(ctx, next.ID, false); err != nil {
		return discard(err)
	}
	if next, err = e.Containers.Get(next.ID); err != nil {
		return discard(err)
	}
	var addr netip.Addr
	if len(next.Network) > 0 {
		addr, _ = netip.ParseAddr(next.Network[0].IP)
	}
	var cports []uint16
	for _, p := range ports {
		if p.Protocol == "tcp" {
			cports = append(cports, p.ContainerPort)
		}
	}
	if err := e.readyOrDead(ctx, next.ID, func(ctx context.Context) error { return o.Ready(ctx, addr, cports) }); err != nil {
		return discard(err)
	}

	moved, err := netsetup.Transfer(old.ID, next.ID, addr)
	if err != nil {
		return discard(err)
	}
	var specs, shown []string
	for _, m := range moved {
		specs = append(specs, portSpec(m))
		shown = append(shown, portString(m))
	}
	next, err = e.Containers.Update(next.ID, func(r *container.Record) error {
		r.Config.Ports = specs
		if len(r.Network) > 0 {
			r.Network[0].Ports = shown
		}
		delete(r.Config.Labels, ReplaceLabel)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	e.Containers.Update(old.ID, func(r *container.Record) error {
		r.Config.Ports, r.Config.PublishAll = nil, false
		if len(r.Network) > 0 {
			r.Network[0].Ports = nil
		}
		return nil
	})
	retire = func(ctx context.Context) error {
		if err := e.Stop(ctx, old.ID, o.StopTimeout); err != nil {
			return fmt.Errorf("stopping the replaced container %s: %w", old.Name, err)
		}
		if err := e.Remove(ctx, old.ID, true, false); err != nil {
			return fmt.Errorf("removing the replaced container %s: %w", old.Name, err)
		}
		if err := e.Containers.Rename(next.ID, old.Name); err != nil {
			return err
		}
		e.emit("container", "rename", next.ID, map[string]string{"name": old.Name, "oldName": next.Name})
		return nil
	}
	return next, retire, nil
}

// readyOrDead waits for ready, giving up early if the container exits.
func (e *Engine) readyOrDead(ctx context.Context, id string, ready func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				rec, err := e.Containers.Get(id)
				if err != nil || (rec.State.Status != container.Running && rec.State.Status != container.Created) {
					code := 0
					if rec != nil {
						code = rec.State.ExitCode
					}
					cancel(fmt.Errorf("the new container exited with code %d before it was ready", code))
					return
				}
			}
		}
	}()
	err := ready(ctx)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// ReadyTimeout bounds how long ReadyTCP waits.
const ReadyTimeout = 30 * time.Second

// ReadyTCP returns once every port accepts a TCP connection at addr, or
// at once when there is nothing to connect to.
func ReadyTCP(ctx context.Context, addr netip.Addr, ports []uint16) error {
	if !addr.IsValid() || len(ports) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	var d net.Dialer
	for _, p := range ports {
		target := net.JoinHostPort(addr.String(), strconv.Itoa(int(p)))
		for {
			dctx, dcancel := context.WithTimeout(ctx, time.Second)
			c, err := d.DialContext(dctx, "tcp", target)
			dcancel()
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("port %d never accepted a connection: %w", p, context.Cause(ctx))
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return nil
}

// portSpec writes a mapping back as a -p value with its host port fixed.
func portSpec(m netsetup.PortMapping) string {
	s := fmt.Sprintf("%d:%d/%s", m.HostPort, m.ContainerPort, m.Protocol)
	if m.HostIP.IsValid() {
		s = m.HostIP.String() + ":" + s
	}
	return s
}

package devloop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/runner"
)

// Service is the application the dev loop keeps running: an image built by
// Build, run as the container Name with the options Run. It is the engine's
// Target.
type Service struct {
	Engine *engine.Engine
	// Build builds the image and returns its ID; a failure leaves the
	// running container as it is.
	Build func(ctx context.Context) (string, error)
	Run   engine.RunOptions
	// ReadyPath, when set, makes readiness an HTTP GET of this path on the
	// first published port answering below 500; otherwise a TCP connect.
	ReadyPath string
	// StopTimeout is the grace a replaced or restarted container gets.
	StopTimeout int
	// Warn, when set, hears about problems outside a reload, such as a
	// replaced container that would not go.
	Warn func(error)
	// Discard, when set, is given an image the loop no longer runs, once
	// the container that ran it is gone: a long session leaves no trail of
	// dangling images behind.
	Discard func(ctx context.Context, imageID string)

	id       string     // the current container
	image    string     // the image it runs
	retiring chan error // the replaced container going away, if one is
}

// Up builds the image and starts the container, replacing one of the same
// name left from an earlier session.
func (s *Service) Up(ctx context.Context) error {
	image, err := s.Build(ctx)
	if err != nil {
		return err
	}
	if s.Run.Name != "" {
		if old, err := s.Engine.Containers.Get(s.Run.Name); err == nil {
			rec, retire, err := s.Engine.Replace(ctx, old.ID, image, s.Run, s.replaceOptions())
			if err != nil {
				return err
			}
			s.id, s.image = rec.ID, image
			if err := retire(ctx); err != nil {
				return err
			}
			return s.Ready(ctx)
		}
	}
	rec, err := s.Engine.Create(ctx, image, s.Run)
	if err != nil {
		return err
	}
	if err := s.Engine.Start(ctx, rec.ID, false); err != nil {
		s.Engine.Remove(context.WithoutCancel(ctx), rec.ID, true, true)
		return err
	}
	s.id, s.image = rec.ID, image
	return s.Ready(ctx)
}

// Container is the ID of the container serving now.
func (s *Service) Container() string { return s.id }

// Down stops and removes the container.
func (s *Service) Down(ctx context.Context) error {
	s.waitRetired()
	if s.id == "" {
		return nil
	}
	t := s.StopTimeout
	if err := s.Engine.Stop(ctx, s.id, &t); err != nil && !errors.Is(err, container.ErrNotFound) {
		return err
	}
	return s.Engine.Remove(ctx, s.id, true, true)
}

func (s *Service) replaceOptions() engine.ReplaceOptions {
	t := s.StopTimeout
	return engine.ReplaceOptions{StopTimeout: &t, Ready: func(ctx context.Context, addr netip.Addr, ports []uint16) error {
		if s.ReadyPath == "" || !addr.IsValid() || len(ports) == 0 {
			return engine.ReadyTCP(ctx, addr, ports)
		}
		return readyHTTP(ctx, net.JoinHostPort(addr.String(), strconv.Itoa(int(ports[0]))), s.ReadyPath)
	}}
}

// Sync implements Target.
func (s *Service) Sync(ctx context.Context, files []Copy) error {
	sf := make([]engine.SyncFile, len(files))
	for i, f := range files {
		sf[i] = engine.SyncFile{Src: f.Src, Dst: f.Dst, Remove: f.Removed}
	}
	return s.Engine.SyncFiles(ctx, s.id, sf)
}

// Rebuild implements Target: the container is replaced only when the build
// gives a new image. Its stages are the build and the replacement (the new
// container started and ready, the ports moved to it).
func (s *Service) Rebuild(ctx context.Context) ([]Stage, error) {
	s.waitRetired()
	start := time.Now()
	image, err := s.Build(ctx)
	stages := []Stage{{"build", time.Since(start)}}
	if err != nil {
		return stages, err
	}
	if image == s.image {
		if rec, err := s.Engine.Containers.Get(s.id); err == nil && rec.State.Status == container.Running {
			return stages, nil
		}
	}
	start = time.Now()
	rec, retire, err := s.Engine.Replace(ctx, s.id, image, s.Run, s.replaceOptions())
	stages = append(stages, Stage{"replace", time.Since(start)})
	if err != nil {
		return stages, err
	}
	old := s.image
	s.id, s.image = rec.ID, image
	// The new container serves: the old one goes while the loop watches on,
	// and its image with it.
	s.retiring = make(chan error, 1)
	go func(done chan<- error) {
		bg := context.WithoutCancel(ctx)
		err := retire(bg)
		if err == nil && s.Discard != nil && old != "" && old != image {
			s.Discard(bg, old)
		}
		done <- err
	}(s.retiring)
	return stages, nil
}

// waitRetired waits for a replaced container to be gone.
func (s *Service) waitRetired() {
	if s.retiring == nil {
		return
	}
	if err := <-s.retiring; err != nil && s.Warn != nil {
		s.Warn(err)
	}
	s.retiring = nil
}

// Restart implements Target.
func (s *Service) Restart(ctx context.Context) error {
	t := s.StopTimeout
	if err := s.Engine.Stop(ctx, s.id, &t); err != nil {
		return err
	}
	return s.Engine.Start(ctx, s.id, false)
}

// Exec implements Target: the command's output is part of the error when
// it fails.
func (s *Service) Exec(ctx context.Context, argv []string) error {
	var out bytes.Buffer
	p, err := s.Engine.Exec(ctx, s.id, engine.ExecOptions{Cmd: argv}, runner.Stdio{Stdout: &out, Stderr: &out})
	if err != nil {
		return err
	}
	exit, err := p.Wait()
	if err != nil {
		return err
	}
	if exit.Code != 0 {
		return fmt.Errorf("%s exited with code %d: %s", strings.Join(argv, " "), exit.Code, lastLines(out.String(), 5))
	}
	return nil
}

// Ready implements Target: the first published TCP port answers on the
// host's loopback, as a user's browser would reach it.
func (s *Service) Ready(ctx context.Context) error {
	port, err := s.HostPort()
	if err != nil || port == 0 {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if s.ReadyPath != "" {
		return readyHTTP(ctx, addr, s.ReadyPath)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	return engine.ReadyTCP(ctx, lo, []uint16{uint16(port)})
}

// HostPort is the host port of the container's first published TCP port,
// 0 when it publishes none.
func (s *Service) HostPort() (int, error) {
	rec, err := s.Engine.Containers.Get(s.id)
	if err != nil {
		return 0, err
	}
	for _, ep := range rec.Network {
		for _, p := range ep.Ports {
			// 0.0.0.0:8080->80/tcp
			hostSide, ctr, _ := strings.Cut(p, "->")
			if !strings.HasSuffix(ctr, "/tcp") {
				continue
			}
			_, hp, _ := net.SplitHostPort(hostSide)
			n, err := strconv.Atoi(hp)
			if err == nil {
				return n, nil
			}
		}
	}
	return 0, nil
}

// readyHTTP returns once GET path at addr answers below 500.
func readyHTTP(ctx context.Context, addr, path string) error {
	ctx, cancel := context.WithTimeout(ctx, engine.ReadyTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + addr + "/" + strings.TrimPrefix(path, "/")
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("status %s", resp.Status)
			}
			return fmt.Errorf("%s never answered: %w", url, err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

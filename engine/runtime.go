package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/container"
	"github.com/berth-dev/berth/engine/runner"
	"github.com/berth-dev/berth/engine/runner/cgroups"
	"github.com/berth-dev/berth/engine/runner/seccomp"
	"github.com/berth-dev/berth/engine/supervisor"
)

// RuntimeDir is where the runner keeps the state of containers, under the root.
const RuntimeDir = "runtime"

// Runtime is the supervisor's runtime over berth's own runner.
type Runtime struct {
	Runner *runner.Runner

	preID string               // the container whose cgroup is being made
	pre   chan cgroups.Manager // that cgroup, or nil if it could not be made
}

// Precreate starts making the cgroup of container id in the background, for
// Create: a supervisor makes it while it waits for the container's record
// and prepares its rootfs. The cgroup gets the limits of a container run
// with none (docker's device rules): Create writes them again only if the
// container's differ.
func (r *Runtime) Precreate(id string) {
	r.preID, r.pre = id, make(chan cgroups.Manager, 1)
	go func(ch chan<- cgroups.Manager) {
		m, err := cgroups.Make(CgroupPath(id))
		if err == nil {
			_ = m.Set(&specs.LinuxResources{Devices: runner.DefaultDeviceRules()})
		}
		ch <- m
	}(r.pre)
}

// precreated returns the cgroup Precreate made for id, once; nil if none.
func (r *Runtime) precreated(id string) cgroups.Manager {
	if r.pre == nil || r.preID != id {
		return nil
	}
	m := <-r.pre
	r.pre = nil
	return m
}

// DropPrecreated destroys the cgroup Precreate made, if no Create took it.
func (r *Runtime) DropPrecreated() {
	if m := r.precreated(r.preID); m != nil {
		_ = m.Destroy()
	}
}

var _ supervisor.Runtime = (*Runtime)(nil)

// NewRuntime returns the runtime keeping container state under root.
func NewRuntime(root string) *Runtime {
	return &Runtime{Runner: runner.New(filepath.Join(root, RuntimeDir))}
}

// Create makes the container; a leftover from a run that ended without
// cleaning up (a supervisor killed) is removed first.
func (r *Runtime) Create(ctx context.Context, id string, spec *specs.Spec, stdio supervisor.Stdio) (supervisor.Process, error) {
	pre := r.precreated(id)
	if old, err := r.Runner.Load(id); err == nil {
		// The leftover's cgroup may be at the same path.
		if pre != nil {
			_ = pre.Destroy()
			pre = nil
		}
		_ = old.Delete(true)
	}
	c, err := r.Runner.Create(ctx, id, spec, runner.CreateOptions{
		Stdio:  runner.Stdio{Stdin: stdio.Stdin, Stdout: stdio.Stdout, Stderr: stdio.Stderr},
		Cgroup: pre,
	})
	if err != nil {
		return nil, err
	}
	return &runtimeProcess{c: c}, nil
}

// DeleteAll kills and deletes every container the runtime holds, with or
// without a record in the engine: what `system reset` must not leave
// running when records were lost or deleted by hand.
func (r *Runtime) DeleteAll() error {
	ids, err := r.Runner.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		c, err := r.Runner.Load(id)
		if err == nil {
			err = c.Delete(true)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("container %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// runtimeProcess is a runner container seen as a supervisor.Process.
type runtimeProcess struct{ c *runner.Container }

var _ supervisor.Process = (*runtimeProcess)(nil)

func (p *runtimeProcess) Pid() int          { return p.c.Pid() }
func (p *runtimeProcess) Console() *os.File { return p.c.Console() }
func (p *runtimeProcess) Start() error      { return p.c.Start() }
func (p *runtimeProcess) Delete() error     { return p.c.Delete(true) }
func (p *runtimeProcess) Signal(s os.Signal) error {
	sig, ok := s.(unix.Signal)
	if !ok {
		return fmt.Errorf("signal %v: not a unix signal", s)
	}
	return p.c.Signal(sig)
}

func (p *runtimeProcess) Wait() (supervisor.Exit, error) {
	e, err := p.c.Wait()
	return supervisor.Exit{Code: e.Code, OOMKilled: e.OOMKilled}, err
}

func (p *runtimeProcess) Exec(ctx context.Context, proc *specs.Process, stdio supervisor.Stdio) (int, error) {
	x, err := p.c.Exec(ctx, "", proc, runner.Stdio{Stdin: stdio.Stdin, Stdout: stdio.Stdout, Stderr: stdio.Stderr})
	if err != nil {
		var ee *runner.ExitError
		if errors.As(err, &ee) {
			return ee.Code, nil
		}
		return -1, err
	}
	go func() {
		<-ctx.Done()
		_ = x.Signal(unix.SIGKILL)
	}()
	e, err := x.Wait()
	return e.Code, err
}

// Preparer gives a container its root filesystem (its snapshot mounted in
// its directory), its /etc/hostname, /etc/hosts and /etc/resolv.conf, and
// its OCI config: the runner's hardened default adjusted by the record.
type Preparer struct {
	Engine *Engine
	// Files writes the container's name-resolution files into dir; nil
	// writes a hostname and hosts file and copies the host's resolv.conf.
	Files func(rec *container.Record, dir string) (SpecFiles, error)
}

var _ supervisor.Preparer = (*Preparer)(nil)

// RootfsDir is where a container's root filesystem is mounted, in its directory.
const RootfsDir = "rootfs"

// Prepare implements supervisor.Preparer.
func (p *Preparer) Prepare(ctx context.Context, rec *container.Record) (*specs.Spec, func(), error) {
	e := p.Engine
	dir := e.Containers.Dir(rec.ID)
	rootfs := filepath.Join(dir, RootfsDir)
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		return nil, nil, err
	}
	_ = unix.Unmount(rootfs, unix.MNT_DETACH)
	if err := e.Snapshots.Mount(ctx, rec.ID, rootfs); err != nil {
		return nil, nil, fmt.Errorf("mounting the rootfs of %s: %w", rec.Name, err)
	}
	// The mount is undone through a handle on it, wherever its directory
	// has gone by then: a self-removing container's is moved aside before
	// its rootfs is unmounted (see supervisor.releases).
	cleanup := func() { _ = unix.Unmount(rootfs, unix.MNT_DETACH) }
	if h, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
		cleanup = sync.OnceFunc(func() {
			_ = unix.Unmount(fmt.Sprintf("/proc/self/fd/%d", h.Fd()), unix.MNT_DETACH)
			h.Close()
		})
	}
	files := p.Files
	if files == nil {
		files = basicFiles
	}
	sf, err := files(rec, dir)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := e.copyUp(rec, rootfs); err != nil {
		cleanup()
		return nil, nil, err
	}
	// After the copy-up, so that a volume over /etc gets the image's /etc.
	go premakeEtc(rootfs, sf)
	spec, err := ApplyRecord(runner.DefaultSpec(), rec, rootfs, filepath.Join(e.Root, volumesDir), sf)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if rec.Config.Init {
		// --init: the container's init stays on as its pid 1.
		if spec.Annotations == nil {
			spec.Annotations = map[string]string{}
		}
		spec.Annotations[runner.InitAnnotation] = "true"
	}
	// The default profile allows what the capabilities allow: recompute it
	// for the set the record ended up with.
	if spec.Linux.Seccomp != nil {
		spec.Linux.Seccomp = seccomp.Default(spec.Process.Capabilities.Bounding)
	}
	return spec, cleanup, nil
}

// premakeEtc makes, in the rootfs, the empty files that the container's
// /etc/hosts, /etc/hostname and /etc/resolv.conf are bound onto, where the
// image lacks them. The init would make them itself, /etc copied up to the
// container's layer first, between its other mounts: made here, while the
// runtime starts the init, they are there when it gets to them (and if
// not, it makes them as before). Paths resolve inside the rootfs, without
// symlinks: an /etc or a file the image has there is the init's to handle.
func premakeEtc(rootfs string, sf SpecFiles) {
	root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(root)
	etc, err := unix.Openat2(root, "etc", &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV,
	})
	if err != nil {
		return
	}
	defer unix.Close(etc)
	for name, src := range map[string]string{"hosts": sf.Hosts, "hostname": sf.Hostname, "resolv.conf": sf.ResolvConf} {
		if src == "" {
			continue
		}
		if fd, err := unix.Openat(etc, name, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_RDONLY|unix.O_CLOEXEC, 0o644); err == nil {
			unix.Close(fd)
		}
	}
}

// basicFiles writes /etc/hostname and /etc/hosts with the container's own
// name, and the host's resolv.conf, for containers without a network
// manager.
func basicFiles(rec *container.Record, dir string) (SpecFiles, error) {
	host := rec.Config.Hostname
	if host == "" {
		host = rec.ID[:12]
	}
	sf := SpecFiles{Hostname: filepath.Join(dir, "hostname"), Hosts: filepath.Join(dir, "hosts")}
	if err := os.WriteFile(sf.Hostname, []byte(host+"\n"), 0o644); err != nil {
		return sf, err
	}
	hosts := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t" + host + "\n"
	if err := os.WriteFile(sf.Hosts, []byte(hosts), 0o644); err != nil {
		return sf, err
	}
	if b, err := os.ReadFile("/etc/resolv.conf"); err == nil && !strings.Contains(string(b), "nameserver 127.") {
		sf.ResolvConf = filepath.Join(dir, "resolv.conf")
		if err := os.WriteFile(sf.ResolvConf, b, 0o644); err != nil {
			return sf, err
		}
	}
	return sf, nil
}

// ReleaseRuntime returns the engine's Release for containers whose
// supervisor died: whatever runs in the container is killed, its cgroup
// and runner state removed, its network released and its rootfs unmounted.
func ReleaseRuntime(root string, nw *Networker) func(ctx context.Context, rec *container.Record) error {
	r := runner.New(filepath.Join(root, RuntimeDir))
	return func(ctx context.Context, rec *container.Record) error {
		if c, err := r.Load(rec.ID); err == nil {
			if err := c.Delete(true); err != nil {
				return err
			}
		}
		if nw != nil {
			_ = nw.Release(ctx, rec)
		}
		_ = unix.Unmount(filepath.Join(root, containersDir, rec.ID, RootfsDir), unix.MNT_DETACH)
		return nil
	}
}

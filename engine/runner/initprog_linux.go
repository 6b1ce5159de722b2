package runner

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/runner/cgroups"
	"github.com/berth-dev/berth/engine/runner/nsenter"
	"github.com/berth-dev/berth/engine/runner/seccomp"
)

// program is an init program being written: the operations a container's
// init carries out, in C, before it execs the workload (see
// nsenter/initprog.h for the encoding).
type program struct{ b []byte }

// op appends one operation.
func (p *program) op(op int, args ...[]byte) {
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(op))
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(args)))
	for _, a := range args {
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(a)))
		p.b = append(append(p.b, a...), 0)
	}
}

// field labels what the following operations set up: an init that fails
// names it in its error.
func (p *program) field(format string, args ...any) {
	p.op(nsenter.OpField, str(fmt.Sprintf(format, args...)))
}

func str(s string) []byte { return []byte(s) }

func num[T uint64 | uint32 | uint | uintptr | int](v T) []byte {
	return binary.LittleEndian.AppendUint64(nil, uint64(v))
}

func strs(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = str(s)
	}
	return out
}

// joinProgram is the start of an init's program that moves it into its
// cgroup through the given files (cgroups.Manager.StartJoining).
func joinProgram(files []string) []byte {
	var p program
	p.field("linux.cgroupsPath")
	for _, f := range files {
		p.op(nsenter.OpJoinCgroup, str(f))
	}
	return p.b
}

// compileInit compiles what a container's init must do into its program:
// for a new container (cfg.Process nil), its namespaces and root filesystem,
// then its process; for a process exec'd into a running container, only the
// process. Everything the config leaves to judgement is decided here.
func compileInit(cfg initConfig) ([]byte, error) {
	var p program
	spec, proc := cfg.Spec, cfg.Spec.Process
	isExec := cfg.Process != nil
	if isExec {
		proc = cfg.Process
	} else if err := p.container(spec, cfg.Rootfs, cfg.Fifo); err != nil {
		return nil, err
	}
	if err := p.process(spec, proc, isExec); err != nil {
		return nil, err
	}
	return p.b, nil
}

// container sets up a new container's namespaces and root filesystem, in
// the init's new mount namespace, and makes rootfs its root.
func (p *program) container(spec *specs.Spec, rootfs, fifo string) error {
	// Only per-thread kinds (net, ipc, uts) can be joined by path here;
	// Validate refuses others.
	for _, n := range spec.Linux.Namespaces {
		if n.Path != "" {
			p.field("linux.namespaces: %s", n.Type)
			p.op(nsenter.OpSetns, str(n.Path), num(nsFlags[n.Type]))
		}
	}
	// berth has put the init in its cgroup by now: a new cgroup namespace
	// roots there.
	if hasNamespace(spec, specs.CgroupNamespace) {
		p.field("linux.namespaces: cgroup")
		p.op(nsenter.OpUnshare, num(uintptr(unix.CLONE_NEWCGROUP)))
	}
	if spec.Hostname != "" {
		p.field("hostname")
		p.op(nsenter.OpHostname, str(spec.Hostname))
	}
	if spec.Domainname != "" {
		p.field("domainname")
		p.op(nsenter.OpDomainname, str(spec.Domainname))
	}
	// The FIFO lives on the host: it is opened before the host's files are
	// out of reach.
	p.field("")
	p.op(nsenter.OpFifo, str(fifo))
	// A mount option's propagation, rslave when the config names none.
	prop, ok := propagationFlags[spec.Linux.RootfsPropagation]
	if spec.Linux.RootfsPropagation == "" {
		prop, ok = unix.MS_SLAVE|unix.MS_REC, true
	}
	if !ok {
		return invalid("linux.rootfsPropagation", "unknown propagation %q", spec.Linux.RootfsPropagation)
	}
	p.field("making / %s", spec.Linux.RootfsPropagation)
	p.op(nsenter.OpRootPropagation, num(prop))
	p.field("root.path")
	p.op(nsenter.OpRootfs, str(rootfs))
	devTmpfs := false
	for i, m := range spec.Mounts {
		if err := p.mount(m, i); err != nil {
			return err
		}
		if filepath.Clean(m.Destination) == "/dev" && m.Type != "bind" {
			devTmpfs = true
		}
	}
	if devTmpfs {
		if err := p.devices(spec.Linux.Devices); err != nil {
			return err
		}
	}
	p.field("pivot_root")
	p.op(nsenter.OpPivotRoot)
	return p.finishRootfs(spec)
}

// inRoot is path as the init resolves it, inside the container's root.
func inRoot(path string) string { return filepath.Join("/", path) }

// procMounts are the files in /proc a config may mount over, as runc
// allows: what lxcfs provides.
var procMounts = map[string]bool{
	"/proc/cpuinfo": true, "/proc/diskstats": true, "/proc/meminfo": true, "/proc/stat": true,
	"/proc/swaps": true, "/proc/uptime": true, "/proc/loadavg": true, "/proc/slabinfo": true,
	"/proc/sys/kernel/ns_last_pid": true, "/proc/sys/crypto/fips_enabled": true,
}

// mount makes the config's mount i inside the rootfs.
func (p *program) mount(m specs.Mount, i int) error {
	field := fmt.Sprintf("mounts[%d] (%s)", i, m.Destination)
	flags, props, data := parseMountOptions(m.Options)
	typ, src, dest := m.Type, m.Source, inRoot(m.Destination)
	if typ == "bind" || flags&unix.MS_BIND != 0 {
		typ = "bind"
		flags |= unix.MS_BIND
	}
	// Only a procfs goes at /proc, and in it only the files lxcfs
	// provides: the init checks again where the path really leads.
	if (dest == "/proc" && typ != "proc") || (strings.HasPrefix(dest, "/proc/") && !procMounts[dest]) {
		return invalid(field, "only a proc filesystem goes at /proc, and in it only the files lxcfs provides")
	}
	p.field("%s", field)
	if typ == "cgroup" {
		return p.cgroupMount(dest, flags)
	}
	file := 0
	if typ == "bind" {
		fi, err := os.Stat(src)
		if err != nil {
			return fmt.Errorf("%s: source: %w", field, err)
		}
		if !fi.IsDir() {
			file = 1
		}
	}
	var magic uint64
	if typ == "proc" {
		magic = unix.PROC_SUPER_MAGIC
	}
	onProc := 0
	if procMounts[dest] {
		onProc = 1
	}
	p.op(nsenter.OpMount, str(src), str(dest), str(typ), num(flags), str(data), num(file), num(magic), num(onProc))
	for _, pf := range props {
		p.op(nsenter.OpPropagation, str(dest), num(pf))
	}
	return nil
}

// cgroupMount mounts the container's view of its cgroups: cgroup2 on a
// unified host, otherwise a tmpfs holding one cgroup v1 mount per
// hierarchy (the hierarchies berth itself sees), each rooted at the
// container's cgroup through its cgroup namespace.
func (p *program) cgroupMount(dest string, flags uintptr) error {
	if cgroups.IsV2() {
		p.op(nsenter.OpMount, str("cgroup2"), str(dest), str("cgroup2"), num(flags), nil, num(0), num(0), num(0))
		return nil
	}
	p.op(nsenter.OpMount, str("tmpfs"), str(dest), str("tmpfs"), num((flags&^unix.MS_RDONLY)|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC), str("mode=755"), num(0), num(0), num(0))
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return fmt.Errorf("mount %s: %w", dest, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		name, typ, opts := parts[1], "cgroup", parts[1]
		switch {
		case name == "":
			name, typ, opts = "unified", "cgroup2", ""
		case strings.HasPrefix(name, "name="):
			name = strings.TrimPrefix(name, "name=")
			opts = "none," + opts
		}
		if name == "misc" {
			continue
		}
		p.op(nsenter.OpMount, str("cgroup"), str(filepath.Join(dest, name)), str(typ), num(flags), str(opts), num(0), num(0), num(0))
		if strings.Contains(name, ",") {
			for _, alias := range strings.Split(name, ",") {
				p.op(nsenter.OpSymlink, str(name), str(filepath.Join(dest, alias)))
			}
		}
	}
	if flags&unix.MS_RDONLY != 0 {
		p.op(nsenter.OpRemount, str(dest), num(uintptr(unix.MS_RDONLY)))
	}
	return nil
}

// devices fills a fresh /dev with the standard nodes, the config's own
// devices and docker's symbolic links.
func (p *program) devices(extra []specs.LinuxDevice) error {
	p.field("linux.devices")
	for _, d := range defaultDevices {
		p.op(nsenter.OpMknod, str(d.path), num(unix.S_IFCHR|d.mode), num(d.major), num(d.minor), num(0), num(0))
	}
	for i, d := range extra {
		typ := map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}[d.Type]
		if typ == 0 {
			return invalid(fmt.Sprintf("linux.devices[%d].type", i), "unknown device type %q", d.Type)
		}
		mode := uint32(0o666)
		if d.FileMode != nil {
			mode = uint32(*d.FileMode) & 0o7777
		}
		var uid, gid uint32
		if d.UID != nil {
			uid = *d.UID
		}
		if d.GID != nil {
			gid = *d.GID
		}
		p.field("linux.devices[%d]", i)
		p.op(nsenter.OpMknod, str(inRoot(d.Path)), num(typ|mode), num(uint64(d.Major)), num(uint64(d.Minor)), num(uid), num(gid))
	}
	p.field("linux.devices")
	// The node a newinstance devpts has no use for.
	p.op(nsenter.OpUnlink, str("/dev/ptmx"))
	for _, l := range [][2]string{{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}} {
		p.op(nsenter.OpSymlink, str(l[1]), str("/dev/"+l[0]))
	}
	return nil
}

// finishRootfs does what must follow pivot_root: sysctls, masked and
// read-only paths, a read-only root.
func (p *program) finishRootfs(spec *specs.Spec) error {
	if len(spec.Linux.Sysctl) > 0 {
		p.field("linux.sysctl")
		p.op(nsenter.OpCheckFS, str("/proc"), num(uint64(unix.PROC_SUPER_MAGIC)))
		keys := make([]string, 0, len(spec.Linux.Sysctl))
		for k := range spec.Linux.Sysctl {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p.field("linux.sysctl: %s", k)
			p.op(nsenter.OpWrite, str("/proc/sys/"+strings.ReplaceAll(k, ".", "/")), str(spec.Linux.Sysctl[k]))
		}
	}
	for _, m := range spec.Linux.MaskedPaths {
		p.field("linux.maskedPaths")
		p.op(nsenter.OpMask, str(inRoot(m)))
	}
	for _, r := range spec.Linux.ReadonlyPaths {
		p.field("linux.readonlyPaths: %s", r)
		p.op(nsenter.OpReadonly, str(inRoot(r)))
	}
	if spec.Root.Readonly {
		// The working directory is made while the root can take it, as
		// docker makes it when it creates the container.
		if cwd := inRoot(spec.Process.Cwd); cwd != "/" {
			p.field("process.cwd %q", spec.Process.Cwd)
			p.op(nsenter.OpMkdir, str(cwd))
		}
		p.field("root.readonly")
		p.op(nsenter.OpRootReadonly)
	}
	return nil
}

// process sets up the process and execs it: its terminal, environment,
// limits, working directory, then, in this order, seccomp (before the
// capability to install it goes, unless no_new_privs lets it come last),
// the bounding set, the user, the capabilities.
func (p *program) process(spec *specs.Spec, proc *specs.Process, isExec bool) error {
	if proc.Terminal {
		var rows, cols uint
		if proc.ConsoleSize != nil {
			rows, cols = proc.ConsoleSize.Height, proc.ConsoleSize.Width
		}
		p.field("process.terminal")
		p.op(nsenter.OpConsole, num(uint64(rows)), num(uint64(cols)))
	} else if isExec {
		// A process exec'd with pipes leads a session of its own, as
		// runc's does, so that job control never reaches berth.
		p.op(nsenter.OpSetsid)
	}
	var filter []byte
	var filterFlags uint
	if spec.Linux != nil && spec.Linux.Seccomp != nil {
		prog, err := seccomp.Compile(spec.Linux.Seccomp)
		if err != nil {
			return fmt.Errorf("linux.seccomp: %w", err)
		}
		if filterFlags, err = seccomp.Flags(spec.Linux.Seccomp); err != nil {
			return fmt.Errorf("linux.seccomp: %w", err)
		}
		filter = seccomp.Encode(prog)
	}
	env := proc.Env
	if !hasEnv(env, "PATH") {
		env = append(env[:len(env):len(env)], "PATH="+DefaultPath)
	}
	pathEnv := DefaultPath
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			pathEnv = v
		}
	}
	for _, l := range []struct {
		field string
		ss    []string
	}{{"process.args", proc.Args}, {"process.env", env}} {
		if slices.ContainsFunc(l.ss, func(s string) bool { return strings.IndexByte(s, 0) >= 0 }) {
			return invalid(l.field, "contains a NUL byte")
		}
	}
	p.field("process")
	p.op(nsenter.OpArgs, strs(proc.Args)...)
	p.op(nsenter.OpEnv, strs(env)...)
	p.op(nsenter.OpHome, num(proc.User.UID))
	p.field("")
	p.op(nsenter.OpLookPath, str(proc.Cwd), str(pathEnv))
	if !isExec {
		p.op(nsenter.OpReady)
	}
	for _, r := range proc.Rlimits {
		p.field("process.rlimits: %s %d:%d", r.Type, r.Soft, r.Hard)
		p.op(nsenter.OpRlimit, num(rlimitTypes[r.Type]), num(r.Soft), num(r.Hard))
	}
	if proc.OOMScoreAdj != nil {
		p.field("process.oomScoreAdj %d (lowering it needs CAP_SYS_RESOURCE)", *proc.OOMScoreAdj)
		p.op(nsenter.OpOOMScoreAdj, str(strconv.Itoa(*proc.OOMScoreAdj)))
	}
	p.field("process.cwd %q", proc.Cwd)
	p.op(nsenter.OpChdir, str(filepath.Clean(proc.Cwd)))
	installSeccomp := func() {
		if filter != nil {
			p.field("linux.seccomp")
			p.op(nsenter.OpSeccomp, filter, num(filterFlags))
		}
	}
	if proc.NoNewPrivileges {
		p.field("process.noNewPrivileges")
		p.op(nsenter.OpNoNewPrivileges)
	} else {
		// Without no_new_privs the filter needs CAP_SYS_ADMIN, which is
		// about to go: install it now, as runc does.
		installSeccomp()
	}
	var c capsets
	if pc := proc.Capabilities; pc != nil {
		c.bounding, _ = capSet("", pc.Bounding)
		c.effective, _ = capSet("", pc.Effective)
		c.permitted, _ = capSet("", pc.Permitted)
		c.inheritable, _ = capSet("", pc.Inheritable)
		c.ambient, _ = capSet("", pc.Ambient)
	}
	last := lastCap()
	p.field("")
	// The bounding set shrinks while the init still holds CAP_SETPCAP.
	p.op(nsenter.OpBounding, num(c.bounding), num(last))
	user := [][]byte{num(proc.User.UID), num(proc.User.GID)}
	for _, g := range proc.User.AdditionalGids {
		user = append(user, num(g))
	}
	p.op(nsenter.OpUser, user...)
	p.op(nsenter.OpCaps, num(c.effective), num(c.permitted), num(c.inheritable), num(c.ambient), num(last))
	// The process is set up but for the filter of a no_new_privs process,
	// installed as late as possible: the start only lets it exec.
	if !isExec {
		p.field("")
		p.op(nsenter.OpWaitStart)
	}
	if proc.NoNewPrivileges {
		installSeccomp()
	}
	p.field("")
	p.op(nsenter.OpCloseFds)
	if !isExec && spec.Annotations[InitAnnotation] == "true" {
		p.op(nsenter.OpShim)
	} else {
		p.op(nsenter.OpExec)
	}
	return nil
}

// hasEnv reports whether env sets the variable name.
func hasEnv(env []string, name string) bool {
	for _, e := range env {
		if k, _, ok := strings.Cut(e, "="); ok && k == name {
			return true
		}
	}
	return false
}

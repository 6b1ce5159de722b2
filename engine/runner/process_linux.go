package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/runner/seccomp"
)

// lookPath finds the process's executable in the container as execve would
// see it, with docker's exit codes: 127 when it does not exist, 126 when it
// cannot be executed.
func lookPath(p *specs.Process) (string, error) {
	name := p.Args[0]
	check := func(path string) error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return &ExitError{126, fmt.Sprintf("exec: %q: is a directory", name)}
		}
		if fi.Mode()&0o111 == 0 {
			return &ExitError{126, fmt.Sprintf("exec: %q: permission denied", name)}
		}
		return nil
	}
	if strings.Contains(name, "/") {
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Cwd, path)
		}
		if err := check(path); err != nil {
			if os.IsNotExist(err) {
				return "", &ExitError{127, fmt.Sprintf("exec: %q: no such file or directory", name)}
			}
			return "", err
		}
		return name, nil
	}
	pathEnv := DefaultPath
	for _, e := range p.Env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			pathEnv = v
		}
	}
	var denied error
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		path := filepath.Join(dir, name)
		err := check(path)
		if err == nil {
			return path, nil
		}
		if _, ok := err.(*ExitError); ok && denied == nil {
			denied = err
		}
	}
	if denied != nil {
		return "", denied
	}
	return "", &ExitError{127, fmt.Sprintf("exec: %q: executable file not found in $PATH", name)}
}

// execPlan is what finalize applies, worked out beforehand (while berth
// still sets up the container's network, for an init): the capability
// sets, the compiled seccomp filter and the environment.
type execPlan struct {
	caps  capsets
	prog  []unix.SockFilter
	flags uint
	env   []string
}

// planExec works out the process's capabilities, seccomp filter (sc, as
// berth compiled it) and environment. It changes nothing in this process.
func planExec(p *specs.Process, sc *compiledSeccomp) (execPlan, error) {
	var x execPlan
	if c := p.Capabilities; c != nil {
		x.caps.bounding, _ = capSet("", c.Bounding)
		x.caps.effective, _ = capSet("", c.Effective)
		x.caps.permitted, _ = capSet("", c.Permitted)
		x.caps.inheritable, _ = capSet("", c.Inheritable)
		x.caps.ambient, _ = capSet("", c.Ambient)
	}
	if sc != nil {
		var err error
		if x.prog, err = sc.program(); err != nil {
			return x, err
		}
		x.flags = sc.Flags
	}
	x.env = p.Env
	if !hasEnv(x.env, "PATH") {
		x.env = append(x.env[:len(x.env):len(x.env)], "PATH="+DefaultPath)
	}
	// Read as root: the user may not be able to read /etc/passwd.
	x.env = withHome(x.env, p.User.UID)
	return x, nil
}

// finalize drops to the process's user, capabilities and seccomp filter and
// execs it. It returns only on failure.
// With shim, the init starts the command as its child and stays on as pid 1
// (runShim); beforeShim runs just before.
func finalize(p *specs.Process, path string, x execPlan, beforeShim func(), shim bool) error {
	for _, r := range p.Rlimits {
		lim := unix.Rlimit{Cur: r.Soft, Max: r.Hard}
		if err := unix.Setrlimit(rlimitTypes[r.Type], &lim); err != nil {
			return fmt.Errorf("process.rlimits: %s %d:%d: %w", r.Type, r.Soft, r.Hard, err)
		}
	}
	if p.OOMScoreAdj != nil {
		if err := os.WriteFile("/proc/self/oom_score_adj", []byte(fmt.Sprint(*p.OOMScoreAdj)), 0); err != nil {
			return fmt.Errorf("process.oomScoreAdj %d (lowering it needs CAP_SYS_RESOURCE): %w", *p.OOMScoreAdj, err)
		}
	}
	caps, prog, flags, env := x.caps, x.prog, x.flags, x.env
	if err := chdir(p.Cwd); err != nil {
		return err
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("process.noNewPrivileges: %w", err)
		}
	} else if prog != nil {
		// Without no_new_privs the filter needs CAP_SYS_ADMIN, which is
		// about to go: install it now, as runc does.
		if err := seccomp.InstallFlags(prog, flags); err != nil {
			return fmt.Errorf("linux.seccomp: %w", err)
		}
	}
	if err := switchUser(p.User, caps); err != nil {
		return err
	}
	if p.NoNewPrivileges && prog != nil {
		if err := seccomp.InstallFlags(prog, flags); err != nil {
			return fmt.Errorf("linux.seccomp: %w", err)
		}
	}
	// Whatever berth has open goes at exec: the workload starts with its
	// stdio only (CVE-2024-21626).
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("marking descriptors close-on-exec: %w", err)
	}
	if shim {
		beforeShim()
		return runShim(path, p.Args, env)
	}
	err := syscall.Exec(path, p.Args, env)
	code := 126
	if err == unix.ENOENT {
		code = 127
	}
	return &ExitError{code, fmt.Sprintf("exec: %q: %v", p.Args[0], err)}
}

// chdir enters the working directory, making it as docker does when the
// image lacks it, and checks that it lies inside the container's root: a
// directory reached through a descriptor leaked from the host would not
// (CVE-2024-21626).
func chdir(cwd string) error {
	if err := unix.Chdir(cwd); err == unix.ENOENT {
		if err := os.MkdirAll(cwd, 0o755); err != nil {
			return fmt.Errorf("process.cwd %q: %w", cwd, err)
		}
		err = unix.Chdir(cwd)
		if err != nil {
			return fmt.Errorf("process.cwd %q: %w", cwd, err)
		}
	} else if err != nil {
		return fmt.Errorf("process.cwd %q: %w", cwd, err)
	}
	wd, err := unix.Getwd()
	if err != nil || !strings.HasPrefix(wd, "/") {
		return fmt.Errorf("process.cwd %q lies outside the container's root", cwd)
	}
	return nil
}

// switchUser sets groups, gid and uid, then the capabilities: the bounding
// set shrinks while berth still holds CAP_SETPCAP, and the permitted set
// survives the change of uid through PR_SET_KEEPCAPS.
func switchUser(u specs.User, caps capsets) error {
	if err := caps.dropBounding(); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("keeping capabilities: %w", err)
	}
	gids := make([]int, 0, len(u.AdditionalGids))
	for _, g := range u.AdditionalGids {
		gids = append(gids, int(g))
	}
	if err := syscall.Setgroups(gids); err != nil {
		return fmt.Errorf("process.user.additionalGids: %w", err)
	}
	if err := syscall.Setresgid(int(u.GID), int(u.GID), int(u.GID)); err != nil {
		return fmt.Errorf("process.user.gid %d: %w", u.GID, err)
	}
	if err := syscall.Setresuid(int(u.UID), int(u.UID), int(u.UID)); err != nil {
		return fmt.Errorf("process.user.uid %d: %w", u.UID, err)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("keeping capabilities: %w", err)
	}
	return caps.apply()
}

package runner

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// InitAnnotation, set to "true" in a config, makes the container's init
// stay on as its pid 1 (what `docker run --init` asks for) instead of
// becoming the workload: see runShim.
const InitAnnotation = "org.berth.init"

// runShim is the minimal init `docker run --init` gives. The container's
// init, already confined (user, capabilities, seccomp, no_new_privs as
// configured), starts the workload as its only child instead of becoming
// it, forwards every signal it gets to the child's process group, reaps the
// zombies the container's orphans leave, and exits as the child did. It
// stays non-dumpable, so nothing in the container can open its
// /proc/1/exe, which is berth's binary.
func runShim(path string, args, env []string) error {
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	pid, err := syscall.ForkExec(path, args, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Foreground: isTerminal(0)},
	})
	if err != nil {
		code := 126
		if err == unix.ENOENT {
			code = 127
		}
		fmt.Fprintf(os.Stderr, "berth-init: exec %q: %v\n", args[0], err)
		os.Exit(code)
	}
	for s := range sigs {
		sig := s.(unix.Signal)
		if sig != unix.SIGCHLD {
			if sig != unix.SIGURG { // the Go runtime's own preemption signal
				_ = unix.Kill(-pid, sig)
			}
			continue
		}
		for {
			var ws unix.WaitStatus
			got, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err != nil || got <= 0 {
				break
			}
			if got == pid {
				if ws.Signaled() {
					os.Exit(128 + int(ws.Signal()))
				}
				os.Exit(ws.ExitStatus())
			}
		}
	}
	return nil
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

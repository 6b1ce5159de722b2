package seccomp

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// With childEnv set, the test binary is a child that installs docker's
// default profile and reports what it can still do, one "key value" line
// each.
const childEnv = "BERTH_SECCOMP_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(seccompChild(mode))
	}
	os.Exit(m.Run())
}

func seccompChild(mode string) int {
	if mode == "nnp" {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			fmt.Println("error", err)
			return 1
		}
	}
	prog, err := Compile(Default(dockerCaps))
	if err == nil {
		err = install(prog)
	}
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "Seccomp" || k == "NoNewPrivs") {
			fmt.Println(k, strings.TrimSpace(v))
		}
	}
	errno := func(err error) string {
		if err == nil {
			return "ok"
		}
		if e, ok := err.(unix.Errno); ok {
			return unix.ErrnoName(e)
		}
		return err.Error()
	}
	fmt.Println("unshare", errno(unix.Unshare(unix.CLONE_NEWUSER|unix.CLONE_NEWNS)))
	fmt.Println("mount", errno(unix.Mount("none", os.TempDir(), "tmpfs", 0, "")))
	_, err = unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
	fmt.Println("keyctl", errno(err))
	_, _, e := unix.Syscall(unix.SYS_CLONE3, 0, 0, 0)
	fmt.Println("clone3", errno(errOrNil(e)))
	fmt.Println("getpid", errno(errOrNil(func() unix.Errno {
		if unix.Getpid() == os.Getpid() && unix.Getpid() > 0 {
			return 0
		}
		return unix.EINVAL
	}())))
	// Threads and child processes still work.
	out, err := exec.Command("/bin/busybox", "echo", "hi").Output()
	fmt.Println("exec", errno(err), strings.TrimSpace(string(out)))
	return 0
}

func errOrNil(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func TestInstallDefaultProfile(t *testing.T) {
	modes := []string{"nnp"}
	if os.Geteuid() == 0 {
		modes = append(modes, "caps") // installing without no_new_privs needs CAP_SYS_ADMIN
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			got := runSeccompChild(t, mode)
			want := map[string]string{
				"Seccomp": "2", "unshare": "EPERM", "mount": "EPERM", "keyctl": "EPERM",
				"clone3": "ENOSYS", "getpid": "ok", "exec": "ok hi",
				"NoNewPrivs": map[string]string{"nnp": "1", "caps": "0"}[mode],
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s: %q, want %q (all: %v)", k, got[k], w, got)
				}
			}
		})
	}
}

func runSeccompChild(t *testing.T, mode string) map[string]string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	got := map[string]string{}
	s := bufio.NewScanner(strings.NewReader(string(out)))
	for s.Scan() {
		k, v, _ := strings.Cut(s.Text(), " ")
		got[k] = v
	}
	if e, ok := got["error"]; ok {
		t.Fatalf("child: %s", e)
	}
	return got
}

// install loads prog as the seccomp filter of every thread of the calling
// process (SECCOMP_FILTER_FLAG_TSYNC), as a container's init does. The
// kernel requires no_new_privs or CAP_SYS_ADMIN.
func install(prog []unix.SockFilter) error {
	if len(prog) == 0 || len(prog) > maxInstructions {
		return fmt.Errorf("installing seccomp filter of %d instructions: %w", len(prog), ErrInvalid)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, setModeFilter, uintptr(flagTSync), uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if errno != 0 {
		return fmt.Errorf("installing seccomp filter: %w", errno)
	}
	if r != 0 {
		// With TSYNC, a positive return is a thread that could not be
		// synchronised.
		return fmt.Errorf("installing seccomp filter: thread %d cannot take it", r)
	}
	return nil
}

package launch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The test binary plays both berth processes: `run`, whose constructor
// launched a supervisor, says what it got; `supervise` is the supervisor,
// which answers its go with what it was started as.
func TestMain(m *testing.M) {
	switch VerbOf(os.Args[1:]) {
	case "run":
		s := Early(rootArg(os.Args[1:]))
		if s == nil {
			fmt.Println("none")
			os.Exit(0)
		}
		line, err := s.Go(false)
		fmt.Printf("root=%s id=%d %s %v\n", s.Root, len(s.ID), line, err)
		os.Exit(0)
	case Verb:
		goByte := make([]byte, 1)
		os.NewFile(4, "go").Read(goByte)
		wd, _ := os.Getwd()
		sid, _ := unix.Getsid(0)
		fmt.Fprintf(os.NewFile(3, "ready"), "go=%c args=%s wd=%s leader=%v\n", goByte[0], strings.Join(os.Args, " "), wd, sid == os.Getpid())
		os.Exit(0)
	default:
		if os.Getenv("LAUNCH_TEST_CHILD") != "" { // another verb: no launch
			fmt.Println(map[bool]string{true: "none", false: "launched"}[early == nil])
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// rootArg is the root the test's own arguments give, as berth's command
// line would find it.
func rootArg(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--root="); ok {
			return v
		}
		if a == "--root" && i+1 < len(args) {
			return args[i+1]
		}
	}
	if r := os.Getenv("BERTH_ROOT"); r != "" {
		return r
	}
	return DefaultRoot
}

// `berth run` launches its supervisor before its Go runtime starts, under
// the root its arguments or environment name, made absolute, in a session
// of its own, in /.
func TestRunLaunchesItsSupervisorFirst(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--root", "/r", "run", "bb"}, "", "root=/r "},
		{[]string{"--root=/r", "--debug", "run"}, "", "root=/r "},
		{[]string{"run", "--rm", "bb"}, "/env/root", "root=/env/root "},
		{[]string{"--root", "rel", "run"}, "", "root=" + filepath.Join(dir, "rel") + " "},
		{[]string{"run"}, "", "root=" + DefaultRoot + " "},
		{[]string{"--debug", "ps", "--root", "/late"}, "", "none"},
		{[]string{"--root"}, "", "none"},
	} {
		cmd := exec.Command(os.Args[0], c.args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "BERTH_ROOT="+c.env, "LAUNCH_TEST_CHILD=1")
		out, err := cmd.Output()
		line := strings.TrimSpace(string(out))
		if err != nil || !strings.HasPrefix(line, c.want) {
			t.Errorf("%q: %q, %v; want it to start %q", c.args, line, err, c.want)
			continue
		}
		if c.want == "none" {
			continue
		}
		root := strings.TrimPrefix(strings.Fields(c.want)[0], "root=")
		for _, want := range []string{"id=64 ", "go=g ", "args=berth --root ", " supervise ", "--ready-fd 3 --go-fd 4", "wd=/ ", "leader=true"} {
			if !strings.Contains(line, want) {
				t.Errorf("%q: %q lacks %q", c.args, line, want)
			}
		}
		if !strings.Contains(line, "--root "+root) && !strings.Contains(line, "--root "+dir+"/rel") {
			t.Errorf("%q: the supervisor was not given root %s: %q", c.args, root, line)
		}
	}
}

func TestVerbOfArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		verb string
	}{
		{[]string{"run", "--rm", "bb", "true"}, "run"},
		{[]string{"--root", "/r", "run", "bb"}, "run"},
		{[]string{"--root=/r", "--debug", "run", "bb"}, "run"},
		{[]string{"--debug", "ps", "--root", "/late"}, "ps"},
		{[]string{"--root"}, ""},
		{nil, ""},
	} {
		if v := VerbOf(c.args); v != c.verb {
			t.Errorf("VerbOf(%q) = %q, want %q", c.args, v, c.verb)
		}
	}
}

func TestEarlyIsForItsRootOnly(t *testing.T) {
	s := &Supervisor{Root: "/a", ID: NewID()}
	early = s
	if got := Early("/b"); got != nil || !s.Used() {
		t.Fatalf("Early for another root gave %v, used %v; want nil and the launch given up", got, s.Used())
	}
	if Early("/a") != nil {
		t.Fatal("a launch was given twice")
	}
}

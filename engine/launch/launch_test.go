package launch

import "testing"

func TestVerbAndRootOfArgs(t *testing.T) {
	t.Setenv("BERTH_ROOT", "/env/root")
	for _, c := range []struct {
		args       []string
		verb, root string
	}{
		{[]string{"run", "--rm", "bb", "true"}, "run", "/env/root"},
		{[]string{"--root", "/r", "run", "bb"}, "run", "/r"},
		{[]string{"--root=/r", "--debug", "run", "bb"}, "run", "/r"},
		{[]string{"--debug", "ps", "--root", "/late"}, "ps", "/env/root"},
		{[]string{"--root"}, "", "/env/root"},
		{nil, "", "/env/root"},
	} {
		if v := VerbOf(c.args); v != c.verb {
			t.Errorf("VerbOf(%q) = %q, want %q", c.args, v, c.verb)
		}
		if r := RootOf(c.args); r != c.root {
			t.Errorf("RootOf(%q) = %q, want %q", c.args, r, c.root)
		}
	}
	t.Setenv("BERTH_ROOT", "")
	if r := RootOf([]string{"run"}); r != DefaultRoot {
		t.Errorf("RootOf without a root = %q, want %q", r, DefaultRoot)
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

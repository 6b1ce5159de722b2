package seccomp

import (
	"reflect"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The fingerprint covers every field of a profile: a field added to the
// runtime-spec types fails here until fingerprint covers it too.
func TestFingerprintCoversEveryField(t *testing.T) {
	for typ, covered := range map[reflect.Type][]string{
		reflect.TypeFor[specs.LinuxSeccomp]():    {"DefaultAction", "DefaultErrnoRet", "Architectures", "Flags", "ListenerPath", "ListenerMetadata", "Syscalls"},
		reflect.TypeFor[specs.LinuxSyscall]():    {"Names", "Action", "ErrnoRet", "Args"},
		reflect.TypeFor[specs.LinuxSeccompArg](): {"Index", "Value", "ValueTwo", "Op"},
	} {
		var fields []string
		for f := range typ.Fields() {
			fields = append(fields, f.Name)
		}
		slices.Sort(fields)
		slices.Sort(covered)
		if !slices.Equal(fields, covered) {
			t.Errorf("%s has fields %v; fingerprint covers %v", typ, fields, covered)
		}
	}
}

// A profile that differs from a compiled one in any single field is compiled
// anew: its filter is the one compiled from it alone.
func TestCompileMemoByContent(t *testing.T) {
	base := func() *specs.LinuxSeccomp {
		p := Default(dockerCaps)
		p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{
			Names: []string{"personality"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 8, Op: specs.OpEqualTo}},
		})
		return p
	}
	errno := uint(38)
	last := func(p *specs.LinuxSeccomp) *specs.LinuxSyscall { return &p.Syscalls[len(p.Syscalls)-1] }
	changes := map[string]func(p *specs.LinuxSeccomp){
		"defaultAction":   func(p *specs.LinuxSeccomp) { p.DefaultAction = specs.ActKillProcess },
		"defaultErrnoRet": func(p *specs.LinuxSeccomp) { p.DefaultErrnoRet = &errno },
		"architectures":   func(p *specs.LinuxSeccomp) { p.Architectures = []specs.Arch{specs.ArchX86_64} },
		"a name":          func(p *specs.LinuxSeccomp) { last(p).Names = []string{"reboot"} },
		"an action":       func(p *specs.LinuxSeccomp) { last(p).Action = specs.ActErrno },
		"an errnoRet":     func(p *specs.LinuxSeccomp) { last(p).Action, last(p).ErrnoRet = specs.ActErrno, &errno },
		"an arg's index":  func(p *specs.LinuxSeccomp) { last(p).Args[0].Index = 1 },
		"an arg's value":  func(p *specs.LinuxSeccomp) { last(p).Args[0].Value = 9 },
		"an arg's op":     func(p *specs.LinuxSeccomp) { last(p).Args[0].Op = specs.OpNotEqual },
		"a masked arg": func(p *specs.LinuxSeccomp) {
			last(p).Args[0].Op, last(p).Args[0].ValueTwo = specs.OpMaskedEqual, 0xff
		},
	}
	want, err := compileFilter(base())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compile(base())
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Compile of the base profile differs from its own compilation (%v)", err)
	}
	// What Compile returns is the caller's to change.
	got[0].K ^= 1
	if again, _ := Compile(base()); !slices.Equal(again, want) {
		t.Fatal("changing a returned filter changed the memo")
	}
	for name, change := range changes {
		p := base()
		change(p)
		if fingerprint(p) == fingerprint(base()) {
			t.Errorf("%s: the fingerprint did not change", name)
			continue
		}
		want, err := compileFilter(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := Compile(p)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: Compile gave another filter than the profile's own (%v)", name, err)
		}
	}
	flagged := base()
	flagged.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}
	listener := base()
	listener.ListenerMetadata = "x"
	for _, p := range []*specs.LinuxSeccomp{flagged, listener} {
		if fingerprint(p) == fingerprint(base()) {
			t.Errorf("flags or listener metadata left out of the fingerprint")
		}
	}
}

// Warm compiles the default profile for a capability set; Compile of that
// profile then returns what compiling it gives.
func TestWarm(t *testing.T) {
	caps := []string{"CAP_CHOWN", "CAP_SYS_PTRACE"}
	Warm(caps)
	want, err := compileFilter(Default(caps))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compile(Default(caps))
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Compile after Warm differs (%v)", err)
	}
}

package seccomp

import (
	"crypto/sha256"
	"os"
	"path/filepath"
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

// The cache of compiled filters: an entry is written once, read back by
// another process (here: with the memo emptied), and compiled anew when it
// does not check out; other binaries' entries go.
func TestWarmFromCache(t *testing.T) {
	dir := t.TempDir()
	forget := func() {
		memo.Lock()
		memo.filters = nil
		memo.Unlock()
	}
	want, err := compileFilter(Default(dockerCaps))
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "0123456789abcdef-00")
	if err := os.WriteFile(stale, []byte("another binary's"), 0o600); err != nil {
		t.Fatal(err)
	}
	forget()
	warmFrom(dir, dockerCaps)
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("cache holds %v, want one entry (the other binary's gone)", ents)
	}
	entry := filepath.Join(dir, ents[0].Name())
	if got, ok := readCached(entry); !ok || !slices.Equal(got, want) {
		t.Fatalf("the cached filter differs from the profile's (%v)", ok)
	}

	// Read back: the memo gets the entry's filter, nothing is compiled
	// (the entry is left as it was).
	forget()
	before, _ := os.Stat(entry)
	warmFrom(dir, dockerCaps)
	if got, err := Compile(Default(dockerCaps)); err != nil || !slices.Equal(got, want) {
		t.Fatalf("Compile after a cache hit: %v", err)
	}
	if after, _ := os.Stat(entry); !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("a valid entry was written again")
	}

	// A damaged entry is not used, and is written anew.
	b, _ := os.ReadFile(entry)
	b[10] ^= 0xff
	if err := os.WriteFile(entry, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := readCached(entry); ok {
		t.Fatal("a damaged entry checked out")
	}
	forget()
	warmFrom(dir, dockerCaps)
	if got, err := Compile(Default(dockerCaps)); err != nil || !slices.Equal(got, want) {
		t.Fatalf("Compile after a damaged entry: %v", err)
	}
	if got, ok := readCached(entry); !ok || !slices.Equal(got, want) {
		t.Errorf("the damaged entry was not written anew")
	}
	for _, b := range [][]byte{nil, make([]byte, sha256.Size), make([]byte, sha256.Size+3)} {
		path := filepath.Join(dir, "short")
		os.WriteFile(path, b, 0o600)
		if _, ok := readCached(path); ok {
			t.Errorf("an entry of %d bytes checked out", len(b))
		}
	}
}

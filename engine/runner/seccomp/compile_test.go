package seccomp

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
)

// dockerCaps is docker's default capability set.
var dockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// vm runs a compiled program in x/net/bpf's interpreter.
type vm struct{ m *bpf.VM }

func newVM(t *testing.T, cfg *specs.LinuxSeccomp) *vm {
	t.Helper()
	prog, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) > maxInstructions {
		t.Fatalf("%d instructions", len(prog))
	}
	ins := make([]bpf.Instruction, len(prog))
	for i, p := range prog {
		ins[i] = bpf.RawInstruction{Op: p.Code, Jt: p.Jt, Jf: p.Jf, K: p.K}.Disassemble()
	}
	m, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatal(err)
	}
	return &vm{m}
}

// run evaluates the filter for one system call. The kernel loads words of
// seccomp_data in host order (little-endian, low half of each argument
// first); the interpreter loads them big-endian, so each 32-bit word is
// stored big-endian at the offset the kernel would find it.
func (v *vm) run(t *testing.T, audit, nr uint32, args [6]uint64) uint32 {
	t.Helper()
	data := make([]byte, 64)
	binary.BigEndian.PutUint32(data[0:], nr)
	binary.BigEndian.PutUint32(data[4:], audit)
	for i, a := range args {
		binary.BigEndian.PutUint32(data[16+8*i:], uint32(a))
		binary.BigEndian.PutUint32(data[20+8*i:], uint32(a>>32))
	}
	r, err := v.m.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(r)
}

// expect is the verdict the profile means, computed directly from it: the
// first conditional rule naming the call whose arguments all match, else
// the first unconditional rule, else the default.
func expect(cfg *specs.LinuxSeccomp, abi arch, name string, args [6]uint64) uint32 {
	var uncond *uint32
	for _, s := range cfg.Syscalls {
		if !slices.Contains(s.Names, name) {
			continue
		}
		ret, err := action(s.Action, s.ErrnoRet)
		if err != nil {
			panic(err)
		}
		if len(s.Args) == 0 {
			if uncond == nil {
				uncond = &ret
			}
			continue
		}
		all := true
		for _, c := range s.Args {
			all = all && matches(c, args[c.Index])
		}
		if all {
			return ret
		}
	}
	if uncond != nil {
		return *uncond
	}
	def, _ := action(cfg.DefaultAction, cfg.DefaultErrnoRet)
	return def
}

func matches(c specs.LinuxSeccompArg, v uint64) bool {
	switch c.Op {
	case specs.OpEqualTo:
		return v == c.Value
	case specs.OpNotEqual:
		return v != c.Value
	case specs.OpLessThan:
		return v < c.Value
	case specs.OpLessEqual:
		return v <= c.Value
	case specs.OpGreaterThan:
		return v > c.Value
	case specs.OpGreaterEqual:
		return v >= c.Value
	case specs.OpMaskedEqual:
		return v&c.Value == c.ValueTwo
	}
	panic(c.Op)
}

// argVectors gives argument sets that probe every condition of the profile
// at and around its boundaries, plus random ones.
func argVectors(cfg *specs.LinuxSeccomp, rng *rand.Rand) [][6]uint64 {
	vals := []uint64{0, 1, 0xFFFFFFFF, 1 << 32, 1<<32 + 1, ^uint64(0)}
	for _, s := range cfg.Syscalls {
		for _, c := range s.Args {
			for _, v := range []uint64{c.Value, c.ValueTwo} {
				vals = append(vals, v, v+1, v-1, v|1<<32, v|1<<63, v&^1, ^v)
			}
		}
	}
	var out [][6]uint64
	for _, v := range vals {
		var a [6]uint64
		for i := range a {
			a[i] = v
		}
		out = append(out, a)
	}
	for range 8 {
		var a [6]uint64
		for i := range a {
			a[i] = vals[rng.IntN(len(vals))]
		}
		out = append(out, a)
	}
	return out
}

// checkAgainstProfile runs every known system call of every architecture of
// cfg through the program and compares with the profile's meaning.
func checkAgainstProfile(t *testing.T, cfg *specs.LinuxSeccomp) int {
	t.Helper()
	v := newVM(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	abis, err := resolveArches(cfg.Architectures)
	if err != nil {
		t.Fatal(err)
	}
	vectors := argVectors(cfg, rng)
	checked := 0
	for _, abi := range abis {
		for name, nr := range abi.table() {
			for _, args := range vectors {
				want := expect(cfg, abi, name, args)
				if got := v.run(t, abi.audit, nr+abi.bias, args); got != want {
					t.Fatalf("%s %s(%#x): got %#x, want %#x", abi.name, name, args, got, want)
				}
				checked++
			}
		}
	}
	return checked
}

func TestDefaultProfileMatchesItsMeaning(t *testing.T) {
	for _, caps := range [][]string{dockerCaps, append(slices.Clone(dockerCaps), "CAP_SYS_ADMIN"), nil} {
		cfg := Default(caps)
		n := checkAgainstProfile(t, cfg)
		t.Logf("caps %d: %d system call/argument cases agree", len(caps), n)
	}
}

func TestDefaultProfileVerdicts(t *testing.T) {
	v := newVM(t, Default(dockerCaps))
	amd := arches[specs.ArchX86_64]
	x86 := arches[specs.ArchX86]
	x32 := arches[specs.ArchX32]
	const (
		eperm  = retErrno | 1
		enosys = retErrno | 38
		// CLONE_NEWUSER, CLONE_NEWNS and a thread's usual clone flags.
		newUser = 0x10000000
		newNS   = 0x00020000
		thread  = 0x003d0f00
	)
	cases := []struct {
		abi  arch
		name string
		args [6]uint64
		want uint32
	}{
		{amd, "read", [6]uint64{}, retAllow},
		{amd, "openat", [6]uint64{}, retAllow},
		{amd, "mount", [6]uint64{}, eperm},
		{amd, "unshare", [6]uint64{newUser}, eperm},
		{amd, "keyctl", [6]uint64{}, eperm},
		{amd, "clone", [6]uint64{thread}, retAllow},
		{amd, "clone", [6]uint64{thread | newUser}, eperm},
		{amd, "clone", [6]uint64{newNS}, eperm},
		{amd, "clone3", [6]uint64{}, enosys},
		{amd, "personality", [6]uint64{0xFFFFFFFF}, retAllow},
		{amd, "personality", [6]uint64{0x0008}, retAllow},
		{amd, "personality", [6]uint64{0x0001}, eperm},
		{amd, "personality", [6]uint64{1<<32 | 0x0008}, eperm},
		{amd, "socket", [6]uint64{2}, retAllow},  // AF_INET
		{amd, "socket", [6]uint64{40}, eperm},    // AF_VSOCK
		{amd, "socket", [6]uint64{41}, retAllow}, // above AF_VSOCK
		{amd, "ptrace", [6]uint64{}, retAllow},   // allowed on kernels >= 4.8
		{x86, "read", [6]uint64{}, retAllow},
		{x86, "socketcall", [6]uint64{}, retAllow},
		{x86, "mount", [6]uint64{}, eperm},
		{x32, "read", [6]uint64{}, retAllow},
		{x32, "ioctl", [6]uint64{}, retAllow},
		{x32, "mount", [6]uint64{}, eperm},
	}
	for _, c := range cases {
		nr, ok := c.abi.table()[c.name]
		if !ok {
			t.Fatalf("%s has no %s", c.abi.name, c.name)
		}
		if got := v.run(t, c.abi.audit, nr+c.abi.bias, c.args); got != c.want {
			t.Errorf("%s %s(%#x) = %#x, want %#x", c.abi.name, c.name, c.args[0], got, c.want)
		}
	}
	// Numbers: above every known call ENOSYS, a foreign architecture killed.
	if got := v.run(t, auditArchX86_64, 1000, [6]uint64{}); got != enosys {
		t.Errorf("x86_64 nr 1000 = %#x, want ENOSYS", got)
	}
	if got := v.run(t, auditArchX86_64, 0xFFFFFFFF, [6]uint64{}); got != enosys {
		t.Errorf("x86_64 nr 0xffffffff = %#x, want ENOSYS", got)
	}
	if got := v.run(t, auditArchAArch64, 63, [6]uint64{}); got != retKillProcess {
		t.Errorf("aarch64 read on an x86 profile = %#x, want kill", got)
	}
}

func TestOperators(t *testing.T) {
	ops := []specs.LinuxSeccompOperator{specs.OpEqualTo, specs.OpNotEqual, specs.OpLessThan,
		specs.OpLessEqual, specs.OpGreaterThan, specs.OpGreaterEqual, specs.OpMaskedEqual}
	values := []uint64{0, 1, 7, 0x7FFFFFFF, 0xFFFFFFFF, 1 << 32, 0x1_0000_0007, 0xFFFFFFFF_00000000, ^uint64(0)}
	for _, op := range ops {
		for _, val := range values {
			for idx := uint(0); idx < 6; idx += 5 {
				cfg := &specs.LinuxSeccomp{
					DefaultAction: specs.ActErrno,
					Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
					Syscalls: []specs.LinuxSyscall{{
						Names:  []string{"read", "write"},
						Action: specs.ActAllow,
						Args:   []specs.LinuxSeccompArg{{Index: idx, Value: val, ValueTwo: val & 0xF0000000F, Op: op}},
					}},
				}
				checkAgainstProfile(t, cfg)
			}
		}
	}
}

func TestRulesAndActions(t *testing.T) {
	errno := uint(13)
	cfg := &specs.LinuxSeccomp{
		DefaultAction: specs.ActKillProcess,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchAARCH64, specs.ArchARM},
		Syscalls: []specs.LinuxSyscall{
			// AND of two conditions, and a second rule as OR.
			{Names: []string{"mmap"}, Action: specs.ActTrap, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 10, Op: specs.OpGreaterEqual}, {Index: 0, Value: 20, Op: specs.OpLessThan}}},
			{Names: []string{"mmap"}, Action: specs.ActLog, Args: []specs.LinuxSeccompArg{
				{Index: 2, Value: 4, ValueTwo: 4, Op: specs.OpMaskedEqual}}},
			{Names: []string{"mmap"}, Action: specs.ActErrno, ErrnoRet: &errno},
			{Names: []string{"getpid", "gettid"}, Action: specs.ActTrace, ErrnoRet: &errno},
			{Names: []string{"kill"}, Action: specs.ActKill},
			{Names: []string{"exit_group", "no_such_call"}, Action: specs.ActAllow},
			{Names: []string{"exit_group"}, Action: specs.ActErrno}, // later unconditional: ignored
		},
	}
	n := checkAgainstProfile(t, cfg)
	v := newVM(t, cfg)
	mmap := arches[specs.ArchX86_64].table()["mmap"]
	for _, c := range []struct {
		a0, a2 uint64
		want   uint32
	}{{15, 0, retTrap}, {25, 0, retErrno | 13}, {25, 4, retLog}, {9, 6, retLog}, {10, 4, retTrap}} {
		if got := v.run(t, auditArchX86_64, mmap, [6]uint64{c.a0, 0, c.a2}); got != c.want {
			t.Errorf("mmap(%d, _, %d) = %#x, want %#x", c.a0, c.a2, got, c.want)
		}
	}
	if u := UnknownSyscalls(cfg); !slices.Equal(u, []string{"no_such_call"}) {
		t.Errorf("UnknownSyscalls = %v", u)
	}
	t.Logf("%d cases agree", n)
}

func TestBadProfiles(t *testing.T) {
	big := uint(70000)
	ok := specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActAllow}
	cases := []struct {
		name string
		cfg  *specs.LinuxSeccomp
		want error
	}{
		{"nil", nil, ErrInvalid},
		{"unknown default", &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_MAYBE"}, ErrUnsupported},
		{"notify", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActNotify}}}, ErrUnsupported},
		{"listener", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, ListenerPath: "/run/x.sock"}, ErrUnsupported},
		{"errno too big", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: &big}, ErrInvalid},
		{"bad op", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Op: "SCMP_CMP_ABOUT"}}}}}, ErrInvalid},
		{"arg index", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}}, ErrInvalid},
		{"arch", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{"SCMP_ARCH_Z80"}, Syscalls: []specs.LinuxSyscall{ok}}, ErrUnsupported},
		{"nonsense", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"frobnicate", "defenestrate"}, Action: specs.ActAllow}}}, ErrNoKnownSyscalls},
	}
	for _, c := range cases {
		_, err := Compile(c.cfg)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A foreign architecture in the list is left out, not an error.
	if _, err := Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchPPC64LE}, Syscalls: []specs.LinuxSyscall{ok}}); err != nil {
		t.Errorf("profile with a foreign architecture: %v", err)
	}
}

func TestEveryActionEncoding(t *testing.T) {
	e := uint(5)
	for _, c := range []struct {
		a    specs.LinuxSeccompAction
		e    *uint
		want uint32
	}{
		{specs.ActAllow, nil, 0x7fff0000}, {specs.ActErrno, nil, 0x00050001}, {specs.ActErrno, &e, 0x00050005},
		{specs.ActKill, nil, 0}, {specs.ActKillThread, nil, 0}, {specs.ActKillProcess, nil, 0x80000000},
		{specs.ActTrap, nil, 0x00030000}, {specs.ActTrace, &e, 0x7ff00005}, {specs.ActLog, nil, 0x7ffc0000},
	} {
		got, err := action(c.a, c.e)
		if err != nil || got != c.want {
			t.Errorf("%s: %#x, %v; want %#x", c.a, got, err, c.want)
		}
	}
}

func BenchmarkCompileDefault(b *testing.B) {
	cfg := Default(dockerCaps)
	for b.Loop() {
		if _, err := Compile(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDefaultProfileIsShort checks the shape of the docker profile's
// program: well under the kernel's limit, and a short longest path, which is
// what every system call of a container pays.
func TestDefaultProfileIsShort(t *testing.T) {
	prog, err := Compile(Default(dockerCaps))
	if err != nil {
		t.Fatal(err)
	}
	// Jumps only go forward, so the longest path is found from the end.
	longest := make([]int, len(prog)+1)
	for i := len(prog) - 1; i >= 0; i-- {
		p := prog[i]
		switch {
		case p.Code&0x07 == 0x06: // BPF_RET
			longest[i] = 1
		case p.Code == 0x05: // BPF_JMP|BPF_JA
			longest[i] = 1 + longest[i+1+int(p.K)]
		case p.Code&0x07 == 0x05: // conditional jump
			longest[i] = 1 + max(longest[i+1+int(p.Jt)], longest[i+1+int(p.Jf)])
		default:
			longest[i] = 1 + longest[i+1]
		}
	}
	t.Logf("%d instructions, longest path %d", len(prog), longest[0])
	if len(prog) > 1024 {
		t.Errorf("docker's profile compiles to %d instructions, want a binary search well under 1024", len(prog))
	}
	if longest[0] > 48 {
		t.Errorf("longest path %d instructions: the search is not logarithmic", longest[0])
	}
}

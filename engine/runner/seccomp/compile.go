package seccomp

import (
	"fmt"
	"slices"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// maxInstructions is the kernel's limit on a filter's length (BPF_MAXINSNS).
const maxInstructions = 4096

// Compile turns a seccomp profile into a BPF program for Install.
//
// The filter covers the profile's architectures plus the native one (as
// libseccomp always adds it); x86_64, x32, x86, aarch64 and arm have tables,
// other architecture names are accepted and left out, so that their
// processes are killed. System call names unknown for an architecture are
// skipped (see UnknownSyscalls); a profile with no known name at all is an
// error wrapping ErrNoKnownSyscalls.
//
// A profile equal in every field to one compiled before in this process (or
// found by WarmFrom) gets that filter without being compiled again.
func Compile(cfg *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	return compileMemo(cfg)
}

func compileFilter(cfg *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	prog, err := compile(cfg)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("assembling seccomp program: %w", err)
	}
	out := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		out[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out, nil
}

// UnknownSyscalls lists the profile's system call names that no
// architecture of the filter knows, for the runner to report.
func UnknownSyscalls(cfg *specs.LinuxSeccomp) []string {
	abis, err := resolveArches(cfg.Architectures)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range cfg.Syscalls {
		for _, name := range s.Names {
			known := false
			for _, abi := range abis {
				if _, ok := abi.table()[name]; ok {
					known = true
					break
				}
			}
			if !known && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// rule is one syscalls entry with its action resolved.
type rule struct {
	names []string
	args  []specs.LinuxSeccompArg
	ret   uint32
}

// verdict is what one system call number gets in one ABI: the conditional
// rules, tried in order, then the first unconditional action, or else the
// default.
type verdict struct {
	conds  []rule
	uncond *uint32
}

func compile(cfg *specs.LinuxSeccomp) ([]bpf.Instruction, error) {
	if cfg == nil {
		return nil, fmt.Errorf("no seccomp profile: %w", ErrInvalid)
	}
	if cfg.ListenerPath != "" {
		return nil, fmt.Errorf("listenerPath %s: berth has no seccomp notify listener: %w", cfg.ListenerPath, ErrUnsupported)
	}
	def, err := action(cfg.DefaultAction, cfg.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("seccomp defaultAction: %w", err)
	}
	abis, err := resolveArches(cfg.Architectures)
	if err != nil {
		return nil, err
	}
	rules := make([]rule, 0, len(cfg.Syscalls))
	names := 0
	for i, s := range cfg.Syscalls {
		ret, err := action(s.Action, s.ErrnoRet)
		if err != nil {
			return nil, fmt.Errorf("seccomp syscalls[%d]: %w", i, err)
		}
		// Check the conditions now, so that a bad one is an error even
		// where none of the names is known.
		var scratch asm
		for _, c := range s.Args {
			if err := emitCond(&scratch, c, next); err != nil {
				return nil, fmt.Errorf("seccomp syscalls[%d] (%v): %w", i, s.Names, err)
			}
		}
		rules = append(rules, rule{names: s.Names, args: s.Args, ret: ret})
		names += len(s.Names)
	}

	plans := make([]map[uint32]*verdict, len(abis))
	known := 0
	for i, abi := range abis {
		plans[i] = map[uint32]*verdict{}
		for _, r := range rules {
			for _, name := range r.names {
				nr, ok := abi.table()[name]
				if !ok {
					continue
				}
				known++
				v := plans[i][nr+abi.bias]
				if v == nil {
					v = &verdict{}
					plans[i][nr+abi.bias] = v
				}
				switch {
				case len(r.args) > 0:
					v.conds = append(v.conds, r)
				case v.uncond == nil:
					ret := r.ret
					v.uncond = &ret
				}
			}
		}
	}
	if names > 0 && known == 0 {
		return nil, fmt.Errorf("seccomp profile names %d system calls, none known for %v: %w", names, cfg.Architectures, ErrNoKnownSyscalls)
	}

	var a asm
	if err := emitProgram(&a, abis, plans, def); err != nil {
		return nil, fmt.Errorf("compiling seccomp profile: %w", err)
	}
	prog, err := a.assemble()
	if err != nil {
		return nil, fmt.Errorf("compiling seccomp profile: %w", err)
	}
	if len(prog) > maxInstructions {
		return nil, fmt.Errorf("compiling seccomp profile: %d instructions, the kernel takes %d: %w", len(prog), maxInstructions, ErrTooLarge)
	}
	return prog, nil
}

// resolveArches returns the ABIs to filter for: the native one first, then
// the profile's, without duplicates or architectures lacking a table.
func resolveArches(names []specs.Arch) ([]arch, error) {
	native, ok := arches[nativeArch()]
	if !ok {
		return nil, fmt.Errorf("seccomp on %s: no system call table: %w", nativeArch(), ErrUnsupported)
	}
	out := []arch{native}
	for _, n := range names {
		abi, ok := arches[n]
		switch {
		case ok:
			if !slices.ContainsFunc(out, func(a arch) bool { return a.name == n }) {
				out = append(out, abi)
			}
		case foreignArches[n]:
		default:
			return nil, fmt.Errorf("seccomp architecture %q: %w", n, ErrUnsupported)
		}
	}
	return out, nil
}

// emitProgram lays out the whole filter: dispatch on the audit architecture,
// then per architecture a binary search on the system call number.
func emitProgram(a *asm, abis []arch, plans []map[uint32]*verdict, def uint32) error {
	type group struct {
		audit uint32
		abis  []int
		at    label
	}
	var groups []*group
	for i, abi := range abis {
		idx := slices.IndexFunc(groups, func(g *group) bool { return g.audit == abi.audit })
		if idx < 0 {
			groups = append(groups, &group{audit: abi.audit, at: a.newLabel()})
			idx = len(groups) - 1
		}
		groups[idx].abis = append(groups[idx].abis, i)
	}

	a.load(offArch)
	for _, g := range groups {
		notThis := a.newLabel()
		a.jump(bpf.JumpEqual, g.audit, next, notThis)
		a.jumpTo(g.at)
		a.mark(notThis)
	}
	a.ret(retBadArch)

	for _, g := range groups {
		a.mark(g.at)
		var segs []segment
		if g.audit == auditArchX86_64 {
			// x86_64 owns numbers below bit 30, x32 those above; a half
			// whose ABI is not in the filter is a foreign architecture.
			segs = append(segs, space(abis, plans, g.abis, specs.ArchX86_64, 0, x32Bit-1, def)...)
			segs = append(segs, space(abis, plans, g.abis, specs.ArchX32, x32Bit, 0xFFFFFFFF, def)...)
		} else {
			i := g.abis[0]
			segs = numberSegments(abis[i], plans[i], abis[i].lo, abis[i].hi, def)
		}
		a.load(offNr)
		code, err := tree(merge(segs))
		if err != nil {
			return err
		}
		for _, ins := range code {
			a.emit(ins)
		}
	}
	return nil
}

func space(abis []arch, plans []map[uint32]*verdict, members []int, name specs.Arch, lo, hi, def uint32) []segment {
	for _, i := range members {
		if abis[i].name == name {
			return numberSegments(abis[i], plans[i], lo, hi, def)
		}
	}
	return []segment{{lo: lo, hi: hi, ret: retBadArch}}
}

// segment is a range of system call numbers with one verdict: a constant
// return, or (v != nil) a block that compares arguments.
type segment struct {
	lo, hi uint32
	ret    uint32
	v      *verdict
}

// numberSegments covers [lo, hi] with segments: the profile's numbers, the
// gaps between them with the default action, and the numbers above the
// table's highest with ENOSYS when the default is an errno.
func numberSegments(abi arch, plan map[uint32]*verdict, lo, hi, def uint32) []segment {
	nrs := make([]uint32, 0, len(plan))
	for nr := range plan {
		nrs = append(nrs, nr)
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	var top uint32
	for _, nr := range abi.table() {
		top = max(top, nr+abi.bias)
	}

	var segs []segment
	cur := lo
	for _, nr := range nrs {
		if nr > cur {
			segs = append(segs, segment{lo: cur, hi: nr - 1, ret: def})
		}
		v := plan[nr]
		s := segment{lo: nr, hi: nr, ret: def}
		if v.uncond != nil {
			s.ret = *v.uncond
		}
		if len(v.conds) > 0 {
			s.v = v
		}
		segs = append(segs, s)
		cur = nr + 1
	}
	above := def
	if def&retActionMask == retErrno {
		above = retErrno | errnoENOSYS
	}
	if cur <= top {
		segs = append(segs, segment{lo: cur, hi: top, ret: def})
		cur = top + 1
	}
	if cur <= hi {
		segs = append(segs, segment{lo: cur, hi: hi, ret: above})
	}
	return segs
}

// merge joins neighbouring constant segments with the same return.
func merge(segs []segment) []segment {
	out := segs[:0:0]
	for _, s := range segs {
		if n := len(out); n > 0 && s.v == nil && out[n-1].v == nil && out[n-1].ret == s.ret && out[n-1].hi+1 == s.lo {
			out[n-1].hi = s.hi
			continue
		}
		out = append(out, s)
	}
	return out
}

// tree returns a binary search over contiguous segments, with the system
// call number in A. It is built bottom-up, so that each split knows the size
// of its left half: "if nr >= k skip the left half" is one conditional jump
// when the half is within reach of one (255 instructions), and a conditional
// jump over an unconditional one otherwise.
func tree(segs []segment) ([]bpf.Instruction, error) {
	if len(segs) == 1 {
		var a asm
		emitLeaf(&a, segs[0])
		return a.assemble()
	}
	mid := len(segs) / 2
	left, err := tree(segs[:mid])
	if err != nil {
		return nil, err
	}
	right, err := tree(segs[mid:])
	if err != nil {
		return nil, err
	}
	k := segs[mid].lo
	out := make([]bpf.Instruction, 0, 2+len(left)+len(right))
	if len(left) <= 255 {
		out = append(out, bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: k, SkipTrue: uint8(len(left))})
	} else {
		out = append(out, bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: k, SkipFalse: 1},
			bpf.Jump{Skip: uint32(len(left))})
	}
	out = append(out, left...)
	return append(out, right...), nil
}

// emitLeaf returns the segment's verdict, comparing arguments if it has
// conditional rules.
func emitLeaf(a *asm, s segment) {
	if s.v != nil {
		for _, r := range s.v.conds {
			fail := a.newLabel()
			for _, c := range r.args {
				_ = emitCond(a, c, fail) // checked in compile
			}
			a.ret(r.ret)
			a.mark(fail)
		}
	}
	a.ret(s.ret)
}

package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
)

// Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6].
// The 64-bit arguments are read as two 32-bit words; every architecture
// berth has a table for is little-endian, so the low word comes first.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

func argLo(i uint) uint32 { return offArgs + 8*uint32(i) }
func argHi(i uint) uint32 { return offArgs + 8*uint32(i) + 4 }

// emitCond emits code that falls through when the condition holds and jumps
// to fail when it does not. A is clobbered.
func emitCond(a *asm, c specs.LinuxSeccompArg, fail label) error {
	if c.Index > 5 {
		return fmt.Errorf("argument index %d: want 0 to 5: %w", c.Index, ErrInvalid)
	}
	vhi, vlo := uint32(c.Value>>32), uint32(c.Value)
	pass := a.newLabel()
	switch c.Op {
	case specs.OpEqualTo:
		a.load(argHi(c.Index))
		a.jump(bpf.JumpEqual, vhi, next, fail)
		a.load(argLo(c.Index))
		a.jump(bpf.JumpEqual, vlo, next, fail)
	case specs.OpNotEqual:
		a.load(argHi(c.Index))
		a.jump(bpf.JumpEqual, vhi, next, pass)
		a.load(argLo(c.Index))
		a.jump(bpf.JumpEqual, vlo, fail, next)
	case specs.OpMaskedEqual:
		// Value is the mask, ValueTwo the value the masked argument must equal.
		mhi, mlo := vhi, vlo
		dhi, dlo := uint32(c.ValueTwo>>32), uint32(c.ValueTwo)
		a.load(argHi(c.Index))
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mhi})
		a.jump(bpf.JumpEqual, dhi, next, fail)
		a.load(argLo(c.Index))
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mlo})
		a.jump(bpf.JumpEqual, dlo, next, fail)
	case specs.OpGreaterThan, specs.OpGreaterEqual:
		// hi > vhi: pass; hi < vhi: fail; equal: decide on the low word.
		a.load(argHi(c.Index))
		a.jump(bpf.JumpGreaterThan, vhi, pass, next)
		a.jump(bpf.JumpEqual, vhi, next, fail)
		a.load(argLo(c.Index))
		if c.Op == specs.OpGreaterThan {
			a.jump(bpf.JumpGreaterThan, vlo, next, fail)
		} else {
			a.jump(bpf.JumpGreaterOrEqual, vlo, next, fail)
		}
	case specs.OpLessThan, specs.OpLessEqual:
		// hi > vhi: fail; hi < vhi: pass; equal: decide on the low word.
		a.load(argHi(c.Index))
		a.jump(bpf.JumpGreaterThan, vhi, fail, next)
		a.jump(bpf.JumpEqual, vhi, next, pass)
		a.load(argLo(c.Index))
		if c.Op == specs.OpLessThan {
			a.jump(bpf.JumpGreaterOrEqual, vlo, fail, next)
		} else {
			a.jump(bpf.JumpGreaterThan, vlo, fail, next)
		}
	default:
		return fmt.Errorf("operator %q: %w", c.Op, ErrInvalid)
	}
	a.mark(pass)
	return nil
}

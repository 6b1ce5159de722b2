package seccomp

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// label names a position in a program being assembled.
type label int

// next is the label of the following instruction.
const next label = -1

// insn is one instruction with symbolic jump targets, or a label mark.
type insn struct {
	ins    bpf.Instruction
	cond   bool // ins is a JumpIf whose targets are jt and jf
	jt, jf label
	ja     label // for an unconditional jump; next otherwise
	mark   label // a label definition, not an instruction; -1 otherwise
}

// asm collects instructions and resolves labels into offsets.
type asm struct {
	code   []insn
	labels int
}

func (a *asm) newLabel() label {
	a.labels++
	return label(a.labels - 1)
}

func (a *asm) emit(i bpf.Instruction) {
	a.code = append(a.code, insn{ins: i, jt: next, jf: next, ja: next, mark: next})
}

// jump emits "if A <cond> k goto t else goto f".
func (a *asm) jump(cond bpf.JumpTest, k uint32, t, f label) {
	a.code = append(a.code, insn{ins: bpf.JumpIf{Cond: cond, Val: k}, cond: true, jt: t, jf: f, ja: next, mark: next})
}

// jumpTo emits an unconditional jump, which reaches any distance.
func (a *asm) jumpTo(l label) {
	a.code = append(a.code, insn{ins: bpf.Jump{}, jt: next, jf: next, ja: l, mark: next})
}

func (a *asm) mark(l label) {
	a.code = append(a.code, insn{mark: l, jt: next, jf: next, ja: next})
}

func (a *asm) ret(v uint32) { a.emit(bpf.RetConstant{Val: v}) }

func (a *asm) load(off uint32) { a.emit(bpf.LoadAbsolute{Off: off, Size: 4}) }

// assemble resolves labels. A conditional jump reaches at most 255
// instructions ahead; the code is laid out so that only short, local jumps
// are conditional, and a longer one is an error rather than a wrong program.
func (a *asm) assemble() ([]bpf.Instruction, error) {
	pos := make([]int, a.labels)
	n := 0
	for _, i := range a.code {
		if i.mark != next {
			pos[i.mark] = n
			continue
		}
		n++
	}
	out := make([]bpf.Instruction, 0, n)
	for _, i := range a.code {
		if i.mark != next {
			continue
		}
		here := len(out)
		skip := func(l label) (int, error) {
			if l == next {
				return 0, nil
			}
			d := pos[l] - here - 1
			if d < 0 {
				return 0, fmt.Errorf("backward jump at %d: %w", here, ErrInvalid)
			}
			return d, nil
		}
		switch {
		case i.cond:
			t, err := skip(i.jt)
			if err != nil {
				return nil, err
			}
			f, err := skip(i.jf)
			if err != nil {
				return nil, err
			}
			if t > 255 || f > 255 {
				return nil, fmt.Errorf("conditional jump of %d instructions at %d: %w", max(t, f), here, ErrTooLarge)
			}
			j := i.ins.(bpf.JumpIf)
			j.SkipTrue, j.SkipFalse = uint8(t), uint8(f)
			out = append(out, j)
		case i.ja != next:
			d, err := skip(i.ja)
			if err != nil {
				return nil, err
			}
			out = append(out, bpf.Jump{Skip: uint32(d)})
		default:
			out = append(out, i.ins)
		}
	}
	return out, nil
}

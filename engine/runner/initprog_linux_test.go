package runner

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine/runner/nsenter"
	"github.com/berth-dev/berth/engine/runner/seccomp"
)

// decoded is one operation of an init program, read back.
type decoded struct {
	op   int
	args [][]byte
}

// decode reads a program back as the init reads it.
func decode(t *testing.T, b []byte) []decoded {
	t.Helper()
	var ops []decoded
	u32 := func() uint32 {
		if len(b) < 4 {
			t.Fatal("truncated program")
		}
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return v
	}
	for len(b) > 0 {
		d := decoded{op: int(u32())}
		for n := u32(); n > 0; n-- {
			l := u32()
			if uint32(len(b)) < l+1 || b[l] != 0 {
				t.Fatal("an argument without its NUL")
			}
			d.args = append(d.args, b[:l])
			b = b[l+1:]
		}
		ops = append(ops, d)
	}
	return ops
}

func opIndex(ops []decoded, op int) int {
	return slices.IndexFunc(ops, func(d decoded) bool { return d.op == op })
}

// The init gets the seccomp filter berth compiled, instruction for
// instruction, and installs it before it drops to its user unless
// no_new_privs lets it come after.
func TestProgramCarriesTheCompiledSeccompFilter(t *testing.T) {
	spec := DefaultSpec()
	spec.Root.Path = "/rootfs"
	want, err := seccomp.Compile(spec.Linux.Seccomp)
	if err != nil {
		t.Fatal(err)
	}
	for _, nnp := range []bool{false, true} {
		spec.Process.NoNewPrivileges = nnp
		prog, err := compileInit(initConfig{Spec: spec, Rootfs: "/rootfs", Fifo: "/fifo"})
		if err != nil {
			t.Fatal(err)
		}
		ops := decode(t, prog)
		i := opIndex(ops, nsenter.OpSeccomp)
		if i < 0 {
			t.Fatal("no seccomp filter in the program")
		}
		filter := ops[i].args[0]
		if len(filter) != 8*len(want) {
			t.Fatalf("the init would install %d bytes, not the %d instructions compiled", len(filter), len(want))
		}
		for j, in := range want {
			b := filter[8*j:]
			got := struct {
				code   uint16
				jt, jf uint8
				k      uint32
			}{binary.LittleEndian.Uint16(b), b[2], b[3], binary.LittleEndian.Uint32(b[4:])}
			if got.code != in.Code || got.jt != in.Jt || got.jf != in.Jf || got.k != in.K {
				t.Fatalf("instruction %d differs: %+v, compiled %+v", j, got, in)
			}
		}
		if user := opIndex(ops, nsenter.OpUser); (i < user) == nnp {
			t.Errorf("no_new_privs %v: seccomp at %d, the user switch at %d", nnp, i, user)
		}
		if last := ops[len(ops)-1].op; last != nsenter.OpExec {
			t.Errorf("the program ends with %d, not an exec", last)
		}
	}
}

// A program is refused, before any init runs it, for what the config gets
// wrong: the error names the field.
func TestProgramRefusesBadConfigs(t *testing.T) {
	for _, tc := range []struct {
		field  string
		change func(*specs.Spec)
	}{
		{"linux.devices[0].type", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "q"}} }},
		{"linux.rootfsPropagation", func(s *specs.Spec) { s.Linux.RootfsPropagation = "sideways" }},
		{"mounts[0] (/data): source", func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/data", Type: "bind", Source: "/nonexistent-source"}}
		}},
	} {
		s := DefaultSpec()
		tc.change(s)
		_, err := compileInit(initConfig{Spec: s, Rootfs: "/rootfs", Fifo: "/fifo"})
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
	if !errors.Is(func() error {
		s := DefaultSpec()
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "q"}}
		_, err := compileInit(initConfig{Spec: s})
		return err
	}(), ErrInvalidConfig) {
		t.Error("a bad device type is not an invalid config")
	}
}

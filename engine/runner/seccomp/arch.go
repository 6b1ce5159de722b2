package seccomp

import (
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Audit architecture values (linux/audit.h) as seen in seccomp_data.arch.
const (
	auditArchX86_64  = 0xC000003E
	auditArchI386    = 0x40000003
	auditArchAArch64 = 0xC00000B7
	auditArchARM     = 0x40000028

	// x32BIT marks x32 system call numbers under the x86_64 audit value.
	x32Bit = 0x40000000
)

// arch describes one ABI: its audit value, its system call table and the
// range of numbers it owns under that audit value.
type arch struct {
	name   specs.Arch
	audit  uint32
	table  func() map[string]uint32
	bias   uint32 // added to table numbers (x32's bit 30)
	lo, hi uint32 // the numbers this ABI owns under its audit value
}

var arches = map[specs.Arch]arch{
	specs.ArchX86_64:  {name: specs.ArchX86_64, audit: auditArchX86_64, table: sysnumAMD64, lo: 0, hi: x32Bit - 1},
	specs.ArchX32:     {name: specs.ArchX32, audit: auditArchX86_64, table: sysnumX32, bias: x32Bit, lo: x32Bit, hi: 0xFFFFFFFF},
	specs.ArchX86:     {name: specs.ArchX86, audit: auditArchI386, table: sysnumX86, hi: 0xFFFFFFFF},
	specs.ArchAARCH64: {name: specs.ArchAARCH64, audit: auditArchAArch64, table: sysnumARM64, hi: 0xFFFFFFFF},
	specs.ArchARM:     {name: specs.ArchARM, audit: auditArchARM, table: sysnumARM, hi: 0xFFFFFFFF},
}

// foreignArches are architecture names libseccomp knows but berth has no
// table for. A profile may list them (docker's lists many); they are left out
// of the filter, and a process of such an ABI, which cannot run on the hosts
// berth supports, is killed like any other foreign one.
var foreignArches = map[specs.Arch]bool{
	specs.ArchMIPS: true, specs.ArchMIPS64: true, specs.ArchMIPS64N32: true,
	specs.ArchMIPSEL: true, specs.ArchMIPSEL64: true, specs.ArchMIPSEL64N32: true,
	specs.ArchPPC: true, specs.ArchPPC64: true, specs.ArchPPC64LE: true,
	specs.ArchS390: true, specs.ArchS390X: true, specs.ArchPARISC: true,
	specs.ArchPARISC64: true, specs.ArchRISCV64: true, specs.ArchLOONGARCH64: true,
}

// nativeArch is the architecture of the running binary, used when a profile
// names none.
func nativeArch() specs.Arch {
	switch runtime.GOARCH {
	case "amd64":
		return specs.ArchX86_64
	case "386":
		return specs.ArchX86
	case "arm64":
		return specs.ArchAARCH64
	case "arm":
		return specs.ArchARM
	}
	return specs.Arch("SCMP_ARCH_" + runtime.GOARCH)
}

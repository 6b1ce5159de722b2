// Package nsenter is the C half of berth's runtime: the code that runs in a
// container's processes before the Go runtime would start, and instead of
// it.
//
// A container's init (`berth runtime init`) never starts the Go runtime.
// Its constructor (init.c) reads an init program, the container's config
// compiled by the runner into the system calls to make (initprog.h), carries
// it out and execs the workload. A Go runtime would cost the init some
// milliseconds on every container start, mostly page faults of a large
// binary and package initialisation, for work that is a few dozen system
// calls; the decisions stay in Go, where they are tested.
//
// The process berth execs into a running container (`berth runtime
// exec-init`) joins the container's namespaces here too, before any Go
// runtime: a Go process is multi-threaded from its first instruction, and
// the kernel refuses setns(2) into a mount namespace (and a user namespace)
// from a process with more than one thread; setns into a PID namespace
// moreover affects only children. It joins, forks once so that the child is
// a member of the container's PID namespace, and the child runs its own
// init program. This is the approach runc takes (libcontainer/nsenter); the
// alternatives, a separate helper binary or a raw fork from Go with only raw
// system calls after it, would either break the one-binary rule or be
// fragile. It joins a container only when the environment variable
// _BERTH_NSENTER is set to "PIDFD:SYNCFD:FLAGS": a pidfd of the container's
// init, the init protocol's sync socket and the CLONE_NEW* flags to join.
// It reports the pid of the process that goes on, or an error, on the sync
// socket, in the init protocol's JSON messages.
//
// The constructor leaves every other berth process alone.
//
// The C part links berth statically: a supervisor (the berth binary, living
// as long as its container) then maps no libc of its own, and pages out the
// little of it that berth uses with the rest of the binary (4.8 MB resident
// instead of 6.2). Build with -tags netgo,osusergo so that name and user
// lookups stay in Go and no glibc function that needs shared libraries at
// run time is linked; without them the linker warns of exactly that.
package nsenter

// #cgo LDFLAGS: -static
// #include "initprog.h"
import "C"

// Env is the name of the environment variable that turns the constructor on.
const Env = "_BERTH_NSENTER"

// The operations of an init program, as initprog.h lists them.
const (
	OpField           = C.BERTH_OP_FIELD
	OpJoinCgroup      = C.BERTH_OP_JOIN_CGROUP
	OpSetns           = C.BERTH_OP_SETNS
	OpUnshare         = C.BERTH_OP_UNSHARE
	OpHostname        = C.BERTH_OP_HOSTNAME
	OpDomainname      = C.BERTH_OP_DOMAINNAME
	OpFifo            = C.BERTH_OP_FIFO
	OpRootPropagation = C.BERTH_OP_ROOT_PROPAGATION
	OpRootfs          = C.BERTH_OP_ROOTFS
	OpMount           = C.BERTH_OP_MOUNT
	OpRemount         = C.BERTH_OP_REMOUNT
	OpPropagation     = C.BERTH_OP_PROPAGATION
	OpSymlink         = C.BERTH_OP_SYMLINK
	OpUnlink          = C.BERTH_OP_UNLINK
	OpMkdir           = C.BERTH_OP_MKDIR
	OpMknod           = C.BERTH_OP_MKNOD
	OpPivotRoot       = C.BERTH_OP_PIVOT_ROOT
	OpCheckFS         = C.BERTH_OP_CHECK_FS
	OpWrite           = C.BERTH_OP_WRITE
	OpMask            = C.BERTH_OP_MASK
	OpReadonly        = C.BERTH_OP_READONLY
	OpRootReadonly    = C.BERTH_OP_ROOT_READONLY
	OpConsole         = C.BERTH_OP_CONSOLE
	OpSetsid          = C.BERTH_OP_SETSID
	OpArgs            = C.BERTH_OP_ARGS
	OpEnv             = C.BERTH_OP_ENV
	OpHome            = C.BERTH_OP_HOME
	OpLookPath        = C.BERTH_OP_LOOKPATH
	OpReady           = C.BERTH_OP_READY
	OpWaitStart       = C.BERTH_OP_WAIT_START
	OpRlimit          = C.BERTH_OP_RLIMIT
	OpOOMScoreAdj     = C.BERTH_OP_OOM_SCORE_ADJ
	OpChdir           = C.BERTH_OP_CHDIR
	OpNoNewPrivileges = C.BERTH_OP_NO_NEW_PRIVS
	OpSeccomp         = C.BERTH_OP_SECCOMP
	OpBounding        = C.BERTH_OP_BOUNDING
	OpUser            = C.BERTH_OP_USER
	OpCaps            = C.BERTH_OP_CAPS
	OpCloseFds        = C.BERTH_OP_CLOSE_FDS
	OpExec            = C.BERTH_OP_EXEC
	OpShim            = C.BERTH_OP_SHIM
)

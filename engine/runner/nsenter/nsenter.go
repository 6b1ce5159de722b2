// Package nsenter joins a running container's namespaces before the Go
// runtime starts.
//
// A Go process is multi-threaded from its first instruction, and the kernel
// refuses setns(2) into a mount namespace (and a user namespace) from a
// process with more than one thread; setns into a PID namespace moreover
// affects only children. So the berth process that execs into a container
// (`berth runtime exec-init`) joins the namespaces in a C constructor, which
// runs before the Go runtime creates its threads, and forks once so that the
// Go side runs as a member of the container's PID namespace. This is the
// approach runc takes (libcontainer/nsenter); the alternatives, a separate
// helper binary or a raw fork from Go with only raw system calls after it,
// would either break the one-binary rule or be fragile.
//
// The constructor does nothing unless the environment variable
// _BERTH_NSENTER is set to "PIDFD:SYNCFD:FLAGS": a pidfd of the container's
// init, the init protocol's sync socket and the CLONE_NEW* flags to join.
// It reports the pid of the process that goes on, or an error, on the sync
// socket, in the init protocol's JSON messages.
//
// The C part links berth statically: a supervisor (the berth binary, living
// as long as its container) then maps no libc of its own, and pages out the
// little of it that berth uses with the rest of the binary (4.8 MB resident
// instead of 6.2). Build with -tags netgo,osusergo so that name and user
// lookups stay in Go and no glibc function that needs shared libraries at
// run time is linked; without them the linker warns of exactly that.
package nsenter

// #cgo LDFLAGS: -static
import "C"

// Env is the name of the environment variable that turns the constructor on.
const Env = "_BERTH_NSENTER"

// Package seccomp turns an OCI seccomp profile into a classic BPF program and
// installs it.
//
// # Why a compiler of our own, not libseccomp
//
// libseccomp is the reference (runc and crun link it), but it is C: using it
// means cgo, a libseccomp-dev at build time and a shared library or a static
// archive at run time, and the container init, which is the berth binary
// re-executed, would carry the C runtime on the path every container start
// takes. A seccomp filter is a small, fully specified thing: check the
// architecture, pick the system call number, compare arguments, return an
// action. Written in Go (assembled with golang.org/x/net/bpf), it keeps berth
// a single static binary, costs nothing at init time, and can be tested
// instruction by instruction in x/net/bpf's interpreter.
//
// # The program
//
// The program first compares seccomp_data.arch with each architecture of the
// profile (x32 shares x86_64's audit value and is told apart by bit 30 of
// the system call number); a foreign architecture kills the process. Within
// an architecture, the system call number is found by binary search over
// ranges of numbers that share a verdict, so the docker profile (about 720
// instructions for x86_64, x32 and x86) decides most system calls in under
// twenty instructions, and none in more than 33, not hundreds.
// A system call whose rules compare arguments gets a small block: each rule
// is an AND of 64-bit comparisons (done on the 32-bit halves), the rules are
// tried in order (OR), and the call's unconditional action, or the default
// action, follows.
//
// Numbers above the highest system call this package knows for an
// architecture return ENOSYS when the default action is an errno, as runc
// does, so that a C library probing a system call newer than the profile
// (clone3 was one) falls back instead of failing with EPERM.
//
// Names the tables do not know are skipped, as runc skips names libseccomp
// does not know; a profile in which no name is known is an error.
package seccomp

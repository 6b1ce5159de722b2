// Package runner is berth's OCI runtime: it starts a process inside
// namespaces and a cgroup of its own from an OCI runtime-spec config, with
// the hardening docker applies, and runs further processes inside it.
//
// # The init protocol
//
// Create re-executes the berth binary as `berth runtime init` with new
// namespaces (clone flags) and sends it its program on a pipe: the config
// compiled into the system calls to make (compileInit). The init never
// starts the Go runtime; package nsenter's C constructor carries the
// program out. The init, pid 1 of its own PID namespace, is born in the
// container's cgroup where clone can place it and moves itself in
// elsewhere (cgroup v1), builds the container's root filesystem (mounts,
// devices, pivot_root, masked and read-only paths), opens its terminal,
// checks that the command exists, and reports "ready" on a sync socket
// (SOCK_SEQPACKET, one JSON message per packet). It then blocks opening the
// container's exec FIFO for writing;
// Start opens it for reading, possibly from another process (`berth runtime
// start`), and the init drops to the configured user, capabilities and
// seccomp filter and execs the workload. Every descriptor it holds is
// close-on-exec, so a successful exec shows as end-of-file on the sync
// socket; a failed one as an error message carrying docker's exit code
// (126 or 127).
//
// Exec joins a running container through package nsenter, which enters its
// namespaces, and then runs a program of the same steps as the init's final
// ones.
package runner

// The operations of an init program: what a container's init does between
// its clone and the exec of the workload, worked out by berth (Go, in the
// runner) and carried out here, in C, before the Go runtime would start.
//
// A program is a sequence of operations, each encoded as
//
//	u32 op, u32 nargs, then nargs times: u32 len, len bytes, one NUL
//
// (integers little-endian; an integer argument is 8 bytes). The NUL after
// every argument lets a string argument be used in place. The arguments of
// each operation are listed beside it; "path" arguments name a file inside
// the container's root and are resolved there, never outside it.

#ifndef BERTH_INITPROG_H
#define BERTH_INITPROG_H

enum berth_op {
	BERTH_OP_FIELD = 1,      // label: what the following operations set up, for errors
	BERTH_OP_JOIN_CGROUP,    // file: write "0" to it (a tasks file), unless it does not exist
	BERTH_OP_SETNS,          // file, nstype: join the namespace at file
	BERTH_OP_UNSHARE,        // flags
	BERTH_OP_HOSTNAME,       // name
	BERTH_OP_DOMAINNAME,     // name
	BERTH_OP_FIFO,           // file: open the exec FIFO (O_PATH) while the host is in reach
	BERTH_OP_ROOT_PROPAGATION, // flags: of / in the new mount namespace
	BERTH_OP_ROOTFS,         // dir: bind it on itself and resolve paths under it from now on
	BERTH_OP_MOUNT,          // source, path, type, flags, data, file (0/1), magic (0: none), onproc (0/1)
	BERTH_OP_REMOUNT,        // path, flags: a bind remount that keeps the locked flags
	BERTH_OP_PROPAGATION,    // path, flags
	BERTH_OP_SYMLINK,        // target, path
	BERTH_OP_UNLINK,         // path (errors ignored)
	BERTH_OP_MKDIR,          // path: with its parents, as root
	BERTH_OP_MKNOD,          // path, mode (whatever the umask), major, minor, uid, gid
	BERTH_OP_PIVOT_ROOT,     // (none): the rootfs becomes /
	BERTH_OP_CHECK_FS,       // path, magic
	BERTH_OP_WRITE,          // path, value (a sysctl)
	BERTH_OP_MASK,           // path
	BERTH_OP_READONLY,       // path
	BERTH_OP_ROOT_READONLY,  // (none)
	BERTH_OP_CONSOLE,        // rows, cols: a terminal, its controlling side sent to berth
	BERTH_OP_SETSID,         // (none)
	BERTH_OP_ARGS,           // the process's arguments, one each
	BERTH_OP_ENV,            // its environment, one variable each
	BERTH_OP_HOME,           // uid: set HOME from /etc/passwd when the environment has none
	BERTH_OP_LOOKPATH,       // cwd, PATH: find args[0] as execve would
	BERTH_OP_READY,          // (none): tell berth, on the sync socket
	BERTH_OP_WAIT_START,     // (none): block on the exec FIFO until berth starts the container
	BERTH_OP_RLIMIT,         // resource, soft, hard
	BERTH_OP_OOM_SCORE_ADJ,  // value
	BERTH_OP_CHDIR,          // dir
	BERTH_OP_NO_NEW_PRIVS,   // (none)
	BERTH_OP_SECCOMP,        // filter (sock_filter instructions), flags
	BERTH_OP_BOUNDING,       // set, last: drop every capability up to last that set lacks
	BERTH_OP_USER,           // uid, gid, then the additional gids
	BERTH_OP_CAPS,           // effective, permitted, inheritable, ambient, last
	BERTH_OP_CLOSE_FDS,      // (none): everything above stdio closes at exec
	BERTH_OP_EXEC,           // (none)
	BERTH_OP_SHIM,           // (none): stay on as pid 1, the workload as its child
};

// berth_init runs the program read from progfd, reporting on the sync
// socket syncfd; it never returns.
void berth_init(int syncfd, int progfd) __attribute__((noreturn));

#endif

// A container's init, in C: it carries out the program berth compiled from
// the container's config (see initprog.h) and execs the workload, and the
// Go runtime never starts in it. Every decision (what to mount where, in
// which order, with which flags) was made by berth; what is left here is
// what can only happen inside the container's namespaces: resolving paths
// in its root, the system calls, and the exec.

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "initprog.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

// init is the state a program works on.
struct init {
	int sync;               // the sync socket
	int root;               // O_PATH of the container's root: where paths resolve
	const char *rootfs;     // the rootfs on the host, until pivot_root
	int fifo;               // the exec FIFO, O_PATH
	const char *field;      // what is being set up, for errors
	char **args;            // the process's arguments, NULL-terminated
	size_t nargs;
	char **env;             // its environment, NULL-terminated
	size_t nenv, envcap;
	char path[PATH_MAX];    // the executable args[0] resolved to
};

// arg is one argument of an operation.
struct arg {
	const char *p;
	uint32_t len;
};

// jsonstr appends s to out as the inside of a JSON string.
static size_t jsonstr(char *out, size_t cap, size_t n, const char *s)
{
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	return n;
}

// fail reports msg on the sync socket in the init protocol's JSON and exits
// with code: 125 for a setup error, 126 and 127 as docker's.
static void fail(struct init *in, int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
static void fail(struct init *in, int code, const char *fmt, ...)
{
	char msg[2048], buf[4608];
	size_t n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = (size_t)snprintf(buf, sizeof buf, "{\"type\":\"error\",\"code\":%d,\"message\":\"", code);
	if (in->field != NULL && in->field[0] != '\0') {
		n = jsonstr(buf, sizeof buf, n, in->field);
		n = jsonstr(buf, sizeof buf, n, ": ");
	}
	n = jsonstr(buf, sizeof buf, n, msg);
	n += (size_t)snprintf(buf + n, sizeof buf - n, "\"}");
	(void)send(in->sync, buf, n, MSG_NOSIGNAL);
	_exit(code);
}

// errstr is strerror as Go spells it, lower case.
static const char *errstr(int err)
{
	static char buf[128];
	snprintf(buf, sizeof buf, "%s", strerror(err));
	if (buf[0] != '\0' && !(buf[0] == 'I' && buf[1] == '/'))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

static void sendmsg_type(struct init *in, const char *type, int fd)
{
	char buf[64], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {buf, (size_t)snprintf(buf, sizeof buf, "{\"type\":\"%s\"}", type)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		memset(cbuf, 0, sizeof cbuf);
		m.msg_control = cbuf;
		m.msg_controllen = sizeof cbuf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	if (sendmsg(in->sync, &m, MSG_NOSIGNAL) < 0)
		_exit(125);
}

static void fdpath(char *buf, size_t cap, int fd) { snprintf(buf, cap, "/proc/self/fd/%d", fd); }

// resolve opens path inside the container's root, following symbolic links
// as if the root were / (never out of it) and refusing magic links: an
// O_PATH handle, or -1 with errno set.
static int resolve(struct init *in, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	// The kernel answers EAGAIN (or EXDEV) when a rename or a mount
	// anywhere on the host raced a lookup that went through "..": try
	// again, as pathrs does.
	for (int i = 0;; i++) {
		int fd = (int)syscall(SYS_openat2, in->root, path, &how, sizeof how);
		if (fd >= 0 || (errno != EAGAIN && errno != EXDEV) || i == 128)
			return fd;
	}
}

// mkdir_at makes the directory path inside the root, known not to exist,
// and every missing parent: it goes up to the deepest parent that exists,
// then down, making each directory and resolving it again in the root. An
// O_PATH handle.
static int mkdir_at(struct init *in, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	int fd = -1;

	if (n >= sizeof buf || path[0] != '/') {
		errno = n >= sizeof buf ? ENAMETOOLONG : EINVAL;
		return -1;
	}
	memcpy(buf, path, n + 1);
	// Up: cut the path at each slash until what is left exists.
	char *end = buf + n;
	for (;;) {
		char *slash = strrchr(buf, '/');
		if (slash == buf) {
			fd = resolve(in, "/", O_DIRECTORY);
			end = slash;
			break;
		}
		*slash = '\0';
		fd = resolve(in, buf, O_DIRECTORY);
		if (fd >= 0 || errno != ENOENT) {
			end = slash;
			break;
		}
	}
	if (fd < 0)
		return -1;
	// Down: make each missing directory in the last one resolved.
	while (end < buf + n) {
		*end = '/';
		char *name = end + 1;
		char *next = name + strlen(name);
		if (*name == '\0') { // a trailing or doubled slash
			end = next;
			continue;
		}
		if (mkdirat(fd, name, mode) < 0 && errno != EEXIST) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		close(fd);
		fd = resolve(in, buf, O_DIRECTORY);
		if (fd < 0)
			return -1;
		end = next;
	}
	return fd;
}

// mkdir_all makes the directory path inside the root, and every missing
// parent: an O_PATH handle.
static int mkdir_all(struct init *in, const char *path, mode_t mode)
{
	int fd = resolve(in, path, O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	return mkdir_at(in, path, mode);
}

// split copies path's directory into dir and returns its last element.
static const char *split(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL || slash == path ? 1 : (size_t)(slash - path);
	if (n >= cap) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (slash == NULL || slash == path)
		strcpy(dir, "/");
	else {
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	return slash == NULL ? path : slash + 1;
}

// target resolves a mount's target in the root, making it, as a directory
// or (file) an empty file, when it does not exist.
static int target(struct init *in, const char *path, int file)
{
	char dir[PATH_MAX];
	int fd = resolve(in, path, 0);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (!file)
		return mkdir_at(in, path, 0755);
	const char *base = split(path, dir, sizeof dir);
	int d = base == NULL ? -1 : mkdir_all(in, dir, 0755);
	if (d < 0)
		return -1;
	fd = openat(d, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_RDONLY, 0644);
	int e = errno;
	close(d);
	if (fd < 0 && e != EEXIST) {
		errno = e;
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return resolve(in, path, 0);
}

// locked are the flags of a mount that a bind remount must repeat: the
// kernel refuses to clear them in a mount namespace that did not set them.
static unsigned long locked(int fd)
{
	struct statfs st;
	unsigned long f = 0;

	if (fstatfs(fd, &st) < 0)
		return 0;
	if (st.f_flags & ST_RDONLY)
		f |= MS_RDONLY;
	if (st.f_flags & ST_NOSUID)
		f |= MS_NOSUID;
	if (st.f_flags & ST_NODEV)
		f |= MS_NODEV;
	if (st.f_flags & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (st.f_flags & ST_NOATIME)
		f |= MS_NOATIME;
	if (st.f_flags & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (st.f_flags & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

// resolved is resolve for a path that must exist: an O_PATH handle, and
// its name under /proc/self/fd in p.
static int resolved(struct init *in, const char *path, char p[64])
{
	int h = resolve(in, path, 0);
	if (h < 0)
		fail(in, 125, "%s: %s", path, errstr(errno));
	fdpath(p, 64, h);
	return h;
}

// remount remounts the bind mount at path with flags added.
static void remount(struct init *in, const char *path, unsigned long flags)
{
	char p[64];
	int h = resolved(in, path, p);

	if (mount("", p, NULL, MS_BIND | MS_REMOUNT | flags | locked(h), NULL) < 0)
		fail(in, 125, "remounting with flags %#lx: %s", flags, errstr(errno));
	close(h);
}

// check_fs verifies that path is on a filesystem of type magic, so that
// berth never writes to a fake /proc (CVE-2019-16884).
static void check_fs(struct init *in, const char *path, unsigned long magic)
{
	struct statfs st;
	int h = resolve(in, path, 0);

	if (h < 0)
		fail(in, 125, "%s: %s", path, errstr(errno));
	if (fstatfs(h, &st) < 0)
		fail(in, 125, "%s: %s", path, errstr(errno));
	if ((unsigned long)st.f_type != magic)
		fail(in, 125, "%s is not the expected filesystem (type %#lx)", path, (unsigned long)st.f_type);
	close(h);
}

// mount_one makes one mount: the target (a handle resolved in the root,
// named through /proc/self/fd so that the mount lands on the very file
// resolved, whatever happens to the path: CVE-2021-30465).
static void mount_one(struct init *in, const char *src, const char *path, const char *type,
		      unsigned long flags, const char *data, int file, unsigned long magic, int onproc)
{
	char p[64];
	struct statfs st;
	int t = target(in, path, file);

	if (t < 0)
		fail(in, 125, "resolving the target in the rootfs: %s", errstr(errno));
	// Nothing but a procfs lands in a procfs, wherever the target's path
	// led, except the files berth allows there (lxcfs's): a mount over
	// /proc/self/attr or /proc/sys would undo the container's confinement
	// (CVE-2019-16884).
	if (!onproc && strcmp(type, "proc") != 0 && fstatfs(t, &st) == 0 && st.f_type == PROC_SUPER_MAGIC)
		fail(in, 125, "%s is inside /proc", path);
	fdpath(p, sizeof p, t);
	if (strcmp(type, "bind") == 0) {
		if (mount(src, p, NULL, flags & (MS_BIND | MS_REC), NULL) < 0)
			fail(in, 125, "bind mount of %s: %s", src, errstr(errno));
		close(t);
		// A bind mount takes other flags only on a remount, and that
		// remount must act on the new mount, not the file below it.
		if (flags & ~(unsigned long)(MS_BIND | MS_REC))
			remount(in, path, flags & ~(unsigned long)(MS_BIND | MS_REC));
		return;
	}
	if (mount(src, p, type, flags, data[0] ? data : NULL) < 0)
		fail(in, 125, "mounting %s: %s", type, errstr(errno));
	close(t);
	if (magic)
		check_fs(in, path, magic);
}

// pivot makes the rootfs the root and detaches the old one. Where
// pivot_root cannot work (a rootfs on the initramfs) it moves the rootfs
// over / and chroots, as runc's no-pivot mode does.
static void pivot(struct init *in)
{
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int newroot = open(in->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (oldroot < 0 || newroot < 0 || fchdir(newroot) < 0)
		fail(in, 125, "pivot_root: %s", errstr(errno));
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		if (errno != EINVAL)
			fail(in, 125, "pivot_root: %s", errstr(errno));
		if (mount(in->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
			fail(in, 125, "moving the rootfs over /: %s", errstr(errno));
		if (chroot(".") < 0 || chdir("/") < 0)
			fail(in, 125, "chroot: %s", errstr(errno));
	} else {
		// The old root is stacked below the new one: detach it, after
		// making sure its unmount cannot propagate to the host.
		if (fchdir(oldroot) < 0)
			fail(in, 125, "pivot_root: %s", errstr(errno));
		if (mount("", ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			fail(in, 125, "making the old root a slave: %s", errstr(errno));
		if (umount2(".", MNT_DETACH) < 0)
			fail(in, 125, "detaching the old root: %s", errstr(errno));
		if (chdir("/") < 0)
			fail(in, 125, "chdir /: %s", errstr(errno));
	}
	close(oldroot);
	close(newroot);
	close(in->root);
	in->rootfs = NULL;
	in->root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (in->root < 0)
		fail(in, 125, "opening the new root: %s", errstr(errno));
}

// mask hides path: /dev/null bound over a file, an empty read-only tmpfs
// over a directory. /dev/null is checked to be the real null device first,
// so that a container that replaced it with something else cannot make
// berth bind that over the masked path (the /dev/null races of 2025).
static void mask(struct init *in, const char *path)
{
	char p[64], np[64];
	struct stat st;
	int null = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (null < 0)
		fail(in, 125, "opening /dev/null: %s", errstr(errno));
	if (fstat(null, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
		fail(in, 125, "/dev/null is not the null device");
	int h = resolve(in, path, 0);
	if (h < 0 && errno == ENOENT) {
		close(null);
		return;
	}
	if (h < 0 || fstat(h, &st) < 0)
		fail(in, 125, "%s: %s", path, errstr(errno));
	fdpath(p, sizeof p, h);
	fdpath(np, sizeof np, null);
	int r = S_ISDIR(st.st_mode)
		? mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
		: mount(np, p, NULL, MS_BIND, NULL);
	if (r < 0)
		fail(in, 125, "%s: %s", path, errstr(errno));
	close(h);
	close(null);
}

// console gives the process a terminal from the container's own devpts and
// sends its controlling side to berth.
static void console(struct init *in, unsigned rows, unsigned cols)
{
	int unlock = 0;
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (master < 0)
		fail(in, 125, "opening /dev/ptmx: %s", errstr(errno));
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		fail(in, 125, "unlocking the pty: %s", errstr(errno));
	// TIOCGPTPEER opens the peer through the master itself, never by a
	// path the container could have swapped.
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		fail(in, 125, "opening the pty's peer: %s", errstr(errno));
	if (rows || cols) {
		struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	}
	if (setsid() < 0)
		fail(in, 125, "setsid: %s", errstr(errno));
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		fail(in, 125, "TIOCSCTTY: %s", errstr(errno));
	for (int fd = 0; fd < 3; fd++)
		if (dup3(slave, fd, 0) < 0)
			fail(in, 125, "%s", errstr(errno));
	close(slave);
	sendmsg_type(in, "console", master);
	close(master);
}


static void add_env(struct init *in, char *kv)
{
	if (in->nenv + 2 > in->envcap) {
		in->envcap = in->envcap ? 2 * in->envcap : 32;
		in->env = realloc(in->env, in->envcap * sizeof *in->env);
		if (in->env == NULL)
			fail(in, 125, "out of memory");
	}
	in->env[in->nenv++] = kv;
	in->env[in->nenv] = NULL;
}

// home sets HOME, when the environment has none or an empty one, as runc
// does: the home directory of uid's entry in the container's /etc/passwd,
// or / when there is none. It runs as root, before the process drops to its
// user, who may not be able to read /etc/passwd.
static void home(struct init *in, unsigned long uid)
{
	static char kv[PATH_MAX + 8];
	char line[4096];
	const char *dir = "/";

	for (size_t i = 0; i < in->nenv; i++)
		if (strncmp(in->env[i], "HOME=", 5) == 0 && in->env[i][5] != '\0')
			return;
	size_t j = 0;
	for (size_t i = 0; i < in->nenv; i++)
		if (strcmp(in->env[i], "HOME=") != 0)
			in->env[j++] = in->env[i];
	in->nenv = j;
	in->env[j] = NULL;
	// The container's file: only a regular one is read, and only so far,
	// so that a FIFO or a device in its place cannot hold the init up.
	FILE *f = NULL;
	struct stat st;
	int fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		f = fdopen(fd, "r");
	else if (fd >= 0)
		close(fd);
	char want[32];
	snprintf(want, sizeof want, "%lu", uid);
	for (int lines = 0; f != NULL && lines < 100000 && fgets(line, sizeof line, f) != NULL; lines++) {
		if (strchr(line, '\n') == NULL && !feof(f)) {
			// A line longer than the buffer is no entry: skip the rest.
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		// name:password:uid:gid:gecos:home:shell
		char *fields[7] = {0};
		int n = 0;
		char *s = line;
		line[strcspn(line, "\n")] = '\0';
		while (n < 7) {
			fields[n++] = s;
			s = strchr(s, ':');
			if (s == NULL)
				break;
			*s++ = '\0';
		}
		if (n >= 6 && strcmp(fields[2], want) == 0) {
			if (fields[5][0] != '\0')
				dir = fields[5];
			break;
		}
	}
	snprintf(kv, sizeof kv, "HOME=%s", dir);
	if (f != NULL)
		fclose(f);
	add_env(in, kv);
}

// check says why path cannot be executed, with docker's exit code: 0 when
// it can, else 126 (a directory, no execute bit), or -1 with errno set.
static int check(const char *path, const char **why)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		*why = "is a directory";
		return 126;
	}
	if (!(st.st_mode & 0111)) {
		*why = "permission denied";
		return 126;
	}
	return 0;
}

// setpath sets in->path; a path too long for it is an error, not a cut.
static void setpath(struct init *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void setpath(struct init *in, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(in->path, sizeof in->path, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof in->path)
		fail(in, 126, "exec: \"%s\": %s", in->args[0], errstr(ENAMETOOLONG));
}

// lookpath finds args[0] as execve would see it: 127 when it does not
// exist, 126 when it cannot be executed.
static void lookpath(struct init *in, const char *cwd, const char *pathenv)
{
	const char *name = in->args[0], *why = NULL;
	int code;

	if (strchr(name, '/') != NULL) {
		if (name[0] == '/')
			setpath(in, "%s", name);
		else
			setpath(in, "%s/%s", cwd, name);
		code = check(in->path, &why);
		if (code < 0 && errno == ENOENT)
			fail(in, 127, "exec: \"%s\": no such file or directory", name);
		if (code < 0)
			fail(in, 125, "exec: \"%s\": %s", name, errstr(errno));
		if (code > 0)
			fail(in, code, "exec: \"%s\": %s", name, why);
		setpath(in, "%s", name);
		return;
	}
	const char *denied = NULL;
	for (const char *p = pathenv;; p++) {
		const char *end = strchrnul(p, ':');
		int n = (int)(end - p);
		if (n == 0)
			setpath(in, "./%s", name);
		else
			setpath(in, "%.*s/%s", n, p, name);
		code = check(in->path, &why);
		if (code == 0)
			return;
		if (code > 0 && denied == NULL)
			denied = why;
		p = end;
		if (*p == '\0')
			break;
	}
	if (denied != NULL)
		fail(in, 126, "exec: \"%s\": %s", name, denied);
	fail(in, 127, "exec: \"%s\": executable file not found in $PATH", name);
}

// wait_start blocks until berth opens the exec FIFO for reading.
static void wait_start(struct init *in)
{
	char p[64];
	fdpath(p, sizeof p, in->fifo);
	int f = open(p, O_WRONLY | O_CLOEXEC);
	if (f < 0)
		fail(in, 125, "waiting on the exec fifo: %s", errstr(errno));
	// A reader gone already is an error to report, not a SIGPIPE.
	signal(SIGPIPE, SIG_IGN);
	ssize_t n = write(f, "", 1);
	int e = errno;
	signal(SIGPIPE, SIG_DFL);
	if (n != 1)
		fail(in, 125, "waiting on the exec fifo: %s", errstr(e));
	close(f);
	close(in->fifo);
	in->fifo = -1;
}

// chdir_in enters the working directory, making it as docker does when the
// image lacks it, and checks that it lies inside the container's root: a
// directory reached through a descriptor leaked from the host would not
// (CVE-2024-21626).
static void chdir_in(struct init *in, const char *cwd)
{
	char wd[PATH_MAX];

	if (chdir(cwd) < 0) {
		if (errno != ENOENT)
			fail(in, 125, "%s", errstr(errno));
		int d = mkdir_all(in, cwd, 0755);
		if (d < 0)
			fail(in, 125, "%s", errstr(errno));
		close(d);
		if (chdir(cwd) < 0)
			fail(in, 125, "%s", errstr(errno));
	}
	if (getcwd(wd, sizeof wd) == NULL || wd[0] != '/')
		fail(in, 125, "it lies outside the container's root");
}

static void caps(struct init *in, uint64_t eff, uint64_t perm, uint64_t inh, uint64_t amb, unsigned last)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {
		{(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
		{(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		fail(in, 125, "setting capabilities: %s", errstr(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		fail(in, 125, "clearing ambient capabilities: %s", errstr(errno));
	for (unsigned i = 0; i <= last && i < 64; i++)
		if ((amb >> i) & 1)
			if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
				fail(in, 125, "raising ambient capability %u: %s", i, errstr(errno));
}

// exec_failed reports a failed execve with docker's codes.
static void exec_failed(struct init *in, int err) __attribute__((noreturn));
static void exec_failed(struct init *in, int err)
{
	fail(in, err == ENOENT ? 127 : 126, "exec: \"%s\": %s", in->args[0], errstr(err));
}

// shim is the minimal init `docker run --init` gives. The container's init,
// already confined (user, capabilities, seccomp, no_new_privs as
// configured), starts the workload as its only child instead of becoming
// it, forwards every signal it gets to the child's process group, reaps the
// zombies the container's orphans leave, and exits as the child did. It
// stays non-dumpable, so nothing in the container can open its
// /proc/1/exe, which is berth's binary. Blocked signals reach pid 1 of a
// PID namespace even without handlers, and wait in sigwaitinfo.
static void shim(struct init *in) __attribute__((noreturn));
static void shim(struct init *in)
{
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	// Every signal is blocked from before berth hears the workload start
	// (BERTH_OP_SHIM), so that none sent from then on is lost.
	pid_t pid = fork();
	if (pid < 0)
		fail(in, 125, "fork: %s", errstr(errno));
	if (pid == 0) {
		setpgid(0, 0);
		if (isatty(0))
			(void)tcsetpgrp(0, getpid());
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(in->path, in->args, in->env);
		int e = errno;
		fprintf(stderr, "berth-init: exec \"%s\": %s\n", in->args[0], errstr(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	// Both sides set the group, so that a signal forwarded at once finds it.
	(void)setpgid(pid, pid);
	// The shim itself needs nothing but its stdio.
	(void)syscall(SYS_close_range, 3U, ~0U, 0U);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			(void)kill(-pid, sig);
			continue;
		}
		for (;;) {
			int ws;
			pid_t got = waitpid(-1, &ws, WNOHANG);
			if (got <= 0)
				break;
			if (got == pid)
				_exit(WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws));
		}
	}
}

// reader walks a program.
struct reader {
	struct init *in;
	const unsigned char *p, *end;
};

static uint32_t u32(struct reader *r)
{
	uint32_t v;
	if (r->end - r->p < 4)
		fail(r->in, 125, "a truncated init program");
	memcpy(&v, r->p, 4);
	r->p += 4;
	return v;
}

static struct arg next(struct reader *r)
{
	struct arg a;
	a.len = u32(r);
	if ((size_t)(r->end - r->p) < (size_t)a.len + 1 || r->p[a.len] != '\0')
		fail(r->in, 125, "a truncated init program");
	a.p = (const char *)r->p;
	r->p += a.len + 1;
	return a;
}

static uint64_t num(struct init *in, struct arg a)
{
	uint64_t v;
	if (a.len != 8)
		fail(in, 125, "a malformed init program");
	memcpy(&v, a.p, 8);
	return v;
}

// run carries out the program in buf.
static void run(struct init *in, const unsigned char *buf, size_t n)
{
	struct reader rd = {in, buf, buf + n};
	struct arg a[8];

	while (rd.p < rd.end) {
		uint32_t op = u32(&rd), nargs = u32(&rd), i;
		uint32_t want;
		switch (op) {
		case BERTH_OP_PIVOT_ROOT: case BERTH_OP_ROOT_READONLY: case BERTH_OP_SETSID:
		case BERTH_OP_READY: case BERTH_OP_WAIT_START: case BERTH_OP_NO_NEW_PRIVS:
		case BERTH_OP_CLOSE_FDS: case BERTH_OP_EXEC: case BERTH_OP_SHIM:
			want = 0;
			break;
		case BERTH_OP_FIELD: case BERTH_OP_JOIN_CGROUP: case BERTH_OP_UNSHARE: case BERTH_OP_HOSTNAME: case BERTH_OP_DOMAINNAME:
		case BERTH_OP_FIFO: case BERTH_OP_ROOT_PROPAGATION: case BERTH_OP_ROOTFS: case BERTH_OP_UNLINK:
		case BERTH_OP_MKDIR:
		case BERTH_OP_MASK: case BERTH_OP_READONLY: case BERTH_OP_HOME:
		case BERTH_OP_OOM_SCORE_ADJ: case BERTH_OP_CHDIR:
			want = 1;
			break;
		case BERTH_OP_SETNS: case BERTH_OP_REMOUNT: case BERTH_OP_PROPAGATION: case BERTH_OP_SYMLINK:
		case BERTH_OP_CHECK_FS: case BERTH_OP_WRITE: case BERTH_OP_CONSOLE: case BERTH_OP_LOOKPATH:
		case BERTH_OP_SECCOMP: case BERTH_OP_BOUNDING:
			want = 2;
			break;
		case BERTH_OP_RLIMIT:
			want = 3;
			break;
		case BERTH_OP_CAPS:
			want = 5;
			break;
		case BERTH_OP_MKNOD:
			want = 6;
			break;
		case BERTH_OP_MOUNT:
			want = 8;
			break;
		case BERTH_OP_ARGS: case BERTH_OP_ENV: case BERTH_OP_USER:
			want = nargs;
			break;
		default:
			fail(in, 125, "init program: unknown operation %u", op);
		}
		if (nargs != want)
			fail(in, 125, "init program: operation %u with %u arguments", op, nargs);
		if (op == BERTH_OP_ARGS || op == BERTH_OP_ENV) {
			if (op == BERTH_OP_ARGS) {
				in->args = realloc(in->args, (in->nargs + nargs + 1) * sizeof *in->args);
				if (in->args == NULL)
					fail(in, 125, "out of memory");
			}
			for (i = 0; i < nargs; i++) {
				struct arg s = next(&rd);
				if (op == BERTH_OP_ENV)
					add_env(in, (char *)s.p);
				else
					in->args[in->nargs++] = (char *)s.p;
			}
			if (op == BERTH_OP_ARGS)
				in->args[in->nargs] = NULL;
			continue;
		}
		if (op == BERTH_OP_USER) {
			gid_t gids[NGROUPS_MAX];
			if (nargs < 2 || nargs - 2 > NGROUPS_MAX)
				fail(in, 125, "init program: user with %u arguments", nargs);
			uid_t uid = (uid_t)num(in, next(&rd));
			gid_t gid = (gid_t)num(in, next(&rd));
			for (i = 0; i + 2 < nargs; i++)
				gids[i] = (gid_t)num(in, next(&rd));
			// The permitted set survives the change of uid through
			// PR_SET_KEEPCAPS; the caller sets the sets after.
			if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
				fail(in, 125, "keeping capabilities: %s", errstr(errno));
			if (syscall(SYS_setgroups, (size_t)(nargs - 2), gids) < 0)
				fail(in, 125, "process.user.additionalGids: %s", errstr(errno));
			if (syscall(SYS_setresgid, gid, gid, gid) < 0)
				fail(in, 125, "process.user.gid %u: %s", gid, errstr(errno));
			if (syscall(SYS_setresuid, uid, uid, uid) < 0)
				fail(in, 125, "process.user.uid %u: %s", uid, errstr(errno));
			if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
				fail(in, 125, "keeping capabilities: %s", errstr(errno));
			continue;
		}
		for (i = 0; i < nargs; i++)
			a[i] = next(&rd);
		switch (op) {
		case BERTH_OP_FIELD:
			in->field = a[0].p;
			break;
		case BERTH_OP_JOIN_CGROUP: {
			// The init, one thread, moves itself: no lock global to the
			// kernel, as moving it by its pid would take.
			int fd = open(a[0].p, O_WRONLY | O_CLOEXEC);
			if (fd < 0 && errno == ENOENT)
				break;
			if (fd < 0 || write(fd, "0", 1) != 1)
				fail(in, 125, "joining %s: %s", a[0].p, errstr(errno));
			close(fd);
			break;
		}
		case BERTH_OP_SETNS: {
			int fd = open(a[0].p, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, (int)num(in, a[1])) < 0)
				fail(in, 125, "joining %s: %s", a[0].p, errstr(errno));
			close(fd);
			break;
		}
		case BERTH_OP_UNSHARE:
			if (unshare((int)num(in, a[0])) < 0)
				fail(in, 125, "%s", errstr(errno));
			break;
		case BERTH_OP_HOSTNAME:
			if (sethostname(a[0].p, a[0].len) < 0)
				fail(in, 125, "%s", errstr(errno));
			break;
		case BERTH_OP_DOMAINNAME:
			if (setdomainname(a[0].p, a[0].len) < 0)
				fail(in, 125, "%s", errstr(errno));
			break;
		case BERTH_OP_FIFO:
			in->fifo = open(a[0].p, O_PATH | O_CLOEXEC);
			if (in->fifo < 0)
				fail(in, 125, "opening the exec fifo: %s", errstr(errno));
			break;
		case BERTH_OP_ROOT_PROPAGATION:
			// Nothing mounted from here on may reach the host's mounts.
			if (mount("", "/", NULL, num(in, a[0]), NULL) < 0)
				fail(in, 125, "%s", errstr(errno));
			break;
		case BERTH_OP_ROOTFS:
			// pivot_root needs the new root to be a mount point.
			if (mount(a[0].p, a[0].p, NULL, MS_BIND | MS_REC, NULL) < 0)
				fail(in, 125, "bind mount of %s: %s", a[0].p, errstr(errno));
			in->rootfs = a[0].p;
			close(in->root);
			in->root = open(a[0].p, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (in->root < 0)
				fail(in, 125, "%s", errstr(errno));
			break;
		case BERTH_OP_MOUNT:
			mount_one(in, a[0].p, a[1].p, a[2].p, num(in, a[3]), a[4].p, (int)num(in, a[5]), num(in, a[6]),
				  (int)num(in, a[7]));
			break;
		case BERTH_OP_REMOUNT:
			remount(in, a[0].p, num(in, a[1]));
			break;
		case BERTH_OP_PROPAGATION: {
			char p[64];
			int h = resolved(in, a[0].p, p);
			if (mount("", p, NULL, num(in, a[1]), NULL) < 0)
				fail(in, 125, "setting propagation: %s", errstr(errno));
			close(h);
			break;
		}
		case BERTH_OP_SYMLINK:
		case BERTH_OP_UNLINK: {
			char dir[PATH_MAX];
			const char *path = op == BERTH_OP_SYMLINK ? a[1].p : a[0].p;
			const char *base = split(path, dir, sizeof dir);
			int d = base == NULL ? -1 : resolve(in, dir, O_DIRECTORY);
			if (d < 0)
				fail(in, 125, "%s: %s", path, errstr(errno));
			if (op == BERTH_OP_UNLINK)
				(void)unlinkat(d, base, 0);
			else if (symlinkat(a[0].p, d, base) < 0 && errno != EEXIST)
				fail(in, 125, "linking %s: %s", path, errstr(errno));
			close(d);
			break;
		}
		case BERTH_OP_MKNOD: {
			char dir[PATH_MAX];
			// Nodes and their directories take their modes whatever the
			// umask.
			const char *base = split(a[0].p, dir, sizeof dir);
			mode_t old = umask(0);
			int d = base == NULL ? -1 : mkdir_all(in, dir, 0755);
			if (d < 0)
				fail(in, 125, "device %s: %s", a[0].p, errstr(errno));
			int r = mknodat(d, base, (mode_t)num(in, a[1]), makedev((unsigned)num(in, a[2]), (unsigned)num(in, a[3])));
			int e = errno;
			umask(old);
			if (r < 0 && e != EEXIST)
				fail(in, 125, "device %s: %s", a[0].p, errstr(e));
			uid_t uid = (uid_t)num(in, a[4]);
			gid_t gid = (gid_t)num(in, a[5]);
			if ((uid || gid) && fchownat(d, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
				fail(in, 125, "device %s: %s", a[0].p, errstr(errno));
			close(d);
			break;
		}
		case BERTH_OP_MKDIR: {
			int d = mkdir_all(in, a[0].p, 0755);
			if (d < 0)
				fail(in, 125, "%s", errstr(errno));
			close(d);
			break;
		}
		case BERTH_OP_PIVOT_ROOT:
			pivot(in);
			break;
		case BERTH_OP_CHECK_FS:
			check_fs(in, a[0].p, num(in, a[1]));
			break;
		case BERTH_OP_WRITE: {
			char p[64];
			int h = resolved(in, a[0].p, p);
			int f = open(p, O_WRONLY | O_CLOEXEC);
			if (f < 0)
				fail(in, 125, "%s", errstr(errno));
			if (write(f, a[1].p, a[1].len) != (ssize_t)a[1].len)
				fail(in, 125, "writing %s: %s", a[1].p, errstr(errno));
			close(f);
			close(h);
			break;
		}
		case BERTH_OP_MASK:
			mask(in, a[0].p);
			break;
		case BERTH_OP_READONLY: {
			char p[64];
			int h = resolve(in, a[0].p, 0);
			if (h < 0 && errno == ENOENT)
				break;
			if (h < 0)
				fail(in, 125, "%s", errstr(errno));
			fdpath(p, sizeof p, h);
			if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
				fail(in, 125, "%s", errstr(errno));
			close(h);
			remount(in, a[0].p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
			break;
		}
		case BERTH_OP_ROOT_READONLY:
			if (mount("", "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
				fail(in, 125, "%s", errstr(errno));
			break;
		case BERTH_OP_CONSOLE:
			console(in, (unsigned)num(in, a[0]), (unsigned)num(in, a[1]));
			break;
		case BERTH_OP_SETSID:
			(void)setsid();
			break;
		case BERTH_OP_HOME:
			home(in, (unsigned long)num(in, a[0]));
			break;
		case BERTH_OP_LOOKPATH:
			if (in->nargs == 0)
				fail(in, 125, "process.args: empty");
			lookpath(in, a[0].p, a[1].p);
			break;
		case BERTH_OP_READY:
			sendmsg_type(in, "ready", -1);
			break;
		case BERTH_OP_WAIT_START:
			wait_start(in);
			break;
		case BERTH_OP_RLIMIT: {
			struct rlimit rl = {(rlim_t)num(in, a[1]), (rlim_t)num(in, a[2])};
			if (setrlimit((int)num(in, a[0]), &rl) < 0)
				fail(in, 125, "%s", errstr(errno));
			break;
		}
		case BERTH_OP_OOM_SCORE_ADJ: {
			int f = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
			if (f < 0 || write(f, a[0].p, a[0].len) != (ssize_t)a[0].len)
				fail(in, 125, "%s", errstr(errno));
			close(f);
			break;
		}
		case BERTH_OP_CHDIR:
			chdir_in(in, a[0].p);
			break;
		case BERTH_OP_NO_NEW_PRIVS:
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				fail(in, 125, "%s", errstr(errno));
			break;
		case BERTH_OP_SECCOMP: {
			if (a[0].len == 0 || a[0].len % sizeof(struct sock_filter) || a[0].len / sizeof(struct sock_filter) > 4096)
				fail(in, 125, "a filter of %u bytes", a[0].len);
			// The argument is not aligned for sock_filter: copy it.
			struct sock_filter *f = malloc(a[0].len);
			if (f == NULL)
				fail(in, 125, "out of memory");
			memcpy(f, a[0].p, a[0].len);
			struct sock_fprog prog = {(unsigned short)(a[0].len / sizeof *f), f};
			long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					 (unsigned)num(in, a[1]) | SECCOMP_FILTER_FLAG_TSYNC, &prog);
			if (r < 0)
				fail(in, 125, "installing seccomp filter: %s", errstr(errno));
			free(f);
			break;
		}
		case BERTH_OP_BOUNDING: {
			uint64_t set = num(in, a[0]);
			unsigned last = (unsigned)num(in, a[1]);
			for (unsigned c = 0; c <= last && c < 64; c++)
				if (!((set >> c) & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
					fail(in, 125, "dropping capability %u from the bounding set: %s", c, errstr(errno));
			break;
		}
		case BERTH_OP_CAPS:
			caps(in, num(in, a[0]), num(in, a[1]), num(in, a[2]), num(in, a[3]), (unsigned)num(in, a[4]));
			break;
		case BERTH_OP_CLOSE_FDS:
			// Whatever berth has open goes at exec: the workload starts
			// with its stdio only (CVE-2024-21626).
			if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
				fail(in, 125, "marking descriptors close-on-exec: %s", errstr(errno));
			break;
		case BERTH_OP_EXEC:
			execve(in->path, in->args, in->env);
			exec_failed(in, errno);
		case BERTH_OP_SHIM: {
			sigset_t all;
			sigfillset(&all);
			sigprocmask(SIG_BLOCK, &all, NULL);
			// The end of the sync socket tells berth the workload started.
			close(in->sync);
			in->sync = -1;
			shim(in);
		}
		}
	}
	fail(in, 125, "the init program ended without an exec");
}

void berth_init(int syncfd, int progfd)
{
	static struct init in;
	size_t n = 0, cap = 1 << 16;
	unsigned char *buf = malloc(cap);

	in.sync = syncfd;
	in.fifo = -1;
	// Paths resolve under / until a container's rootfs is set up: for a
	// process exec'd into a running container, / is the container's.
	in.root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (in.root < 0)
		fail(&in, 125, "opening /: %s", errstr(errno));
	if (buf == NULL)
		fail(&in, 125, "out of memory");
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (buf == NULL)
				fail(&in, 125, "out of memory");
		}
		ssize_t r = read(progfd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail(&in, 125, "reading the init program: %s", errstr(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(progfd);
	if (n == 0)
		_exit(125); // berth gave up on this init before sending it anything
	in.envcap = 32;
	in.env = calloc(in.envcap, sizeof *in.env);
	if (in.env == NULL)
		fail(&in, 125, "out of memory");
	run(&in, buf, n);
	_exit(125);
}

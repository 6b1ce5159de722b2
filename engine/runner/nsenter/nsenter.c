// The constructor below runs before the Go runtime starts any thread.
// See nsenter.go for why it exists.

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "initprog.h"

// The descriptors an init finds open: the sync socket and its program.
enum { SYNC_FD = 3, PROGRAM_FD = 4 };

// fail reports why joining failed on the sync socket, as the Go side's
// error message, and exits. The message format is the init protocol's.
static void fail(int syncfd, const char *what, int err)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "{\"type\":\"error\",\"code\":125,\"message\":\"%s: %s\"}", what, strerror(err));
	if (n > 0)
		(void)send(syncfd, buf, (size_t)n, MSG_NOSIGNAL);
	_exit(125);
}

// container_init is `berth runtime init`: a container's init, which never starts the
// Go runtime.
static void container_init(void)
{
	struct stat st;

	if (fstat(SYNC_FD, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fputs("berth runtime init: not started by berth (it sets up a container's process)\n", stderr);
		_exit(125);
	}
	// Nothing in the container may open /proc/<pid>/exe of this process,
	// which is still berth's binary (CVE-2019-5736).
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	berth_init(SYNC_FD, PROGRAM_FD);
}

__attribute__((constructor)) static void berth_nsenter(int argc, char **argv)
{
	const char *env;
	int pidfd, syncfd;
	unsigned long flags;
	char buf[64];
	pid_t child;
	int n;

	if (argc >= 3 && strcmp(argv[1], "runtime") == 0 && strcmp(argv[2], "init") == 0)
		container_init();
	env = getenv("_BERTH_NSENTER");
	if (env == NULL)
		return;
	if (sscanf(env, "%d:%d:%lu", &pidfd, &syncfd, &flags) != 3)
		_exit(125);
	unsetenv("_BERTH_NSENTER");

	// From here on this process runs among the container's processes: they
	// must not be able to open /proc/<pid>/exe and reach berth's binary
	// (CVE-2019-5736). execve of the workload makes it dumpable again.
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(syncfd, "prctl(PR_SET_DUMPABLE)", errno);

	// One setns on a pidfd joins all the namespaces in flags at once
	// (Linux 5.8), against the very process the pidfd names, so that a
	// reused pid can never redirect us into another container.
	if (setns(pidfd, (int)flags) < 0)
		fail(syncfd, "joining the container's namespaces", errno);
	close(pidfd);

	// Joining a PID namespace affects children only: fork once more.
	// CLONE_PARENT makes berth, not this short-lived process, the parent,
	// so that berth can wait for the exec'd process and read its status.
	child = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (child < 0)
		fail(syncfd, "clone", errno);
	if (child > 0) {
		n = snprintf(buf, sizeof buf, "{\"type\":\"pid\",\"pid\":%d}", child);
		if (send(syncfd, buf, (size_t)n, MSG_NOSIGNAL) < 0) {
			kill(child, SIGKILL);
			_exit(125);
		}
		_exit(0);
	}
	// The child goes on, already inside, to set up the process and exec it.
	berth_init(syncfd, PROGRAM_FD);
}

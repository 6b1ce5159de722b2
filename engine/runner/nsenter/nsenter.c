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
#include <sys/syscall.h>
#include <unistd.h>

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

__attribute__((constructor)) static void berth_nsenter(void)
{
	const char *env = getenv("_BERTH_NSENTER");
	int pidfd, syncfd;
	unsigned long flags;
	char buf[64];
	pid_t child;
	int n;

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
	// The child goes on to start the Go runtime, already inside.
}

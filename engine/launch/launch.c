// `berth run` launches its container's supervisor from this constructor,
// before the Go runtime starts: the supervisor's own start, a whole Go
// process, then overlaps this one's from its first millisecond. The Go side
// (launch.go) finds it in the variables below; where anything here fails it
// launches one itself.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

// What the constructor launched: the supervisor's pid (0: none), its
// container ID, the root as given, and this process's ends of its pipes.
pid_t berth_launch_pid;
char berth_launch_id[65];
const char *berth_launch_root;
int berth_launch_ready_fd = -1, berth_launch_go_fd = -1;

// verb is the first argument that is not a global flag or its value, as
// launch.VerbOf finds it.
static const char *verb(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0)
			i++;
		else if (argv[i][0] != '-')
			return argv[i];
	}
	return NULL;
}

// root is the berth root the arguments name before their verb, as
// launch.RootOf finds it.
static const char *root(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--root=", 7) == 0)
			return argv[i] + 7;
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (argv[i][0] != '-')
			break;
	}
	const char *env = getenv("BERTH_ROOT");
	return env != NULL && env[0] != '\0' ? env : "/var/lib/berth";
}

__attribute__((constructor)) static void berth_launch(int argc, char **argv)
{
	static char abs[4096], id[65], logpath[4200], self[4096];
	unsigned char rnd[32];
	int ready[2], go[2];

	const char *v = verb(argc, argv);
	if (v == NULL || strcmp(v, "run") != 0)
		return;
	// The supervisor runs in /: a relative root is made absolute.
	const char *r = root(argc, argv);
	if (r[0] != '/') {
		char cwd[2048];
		if (getcwd(cwd, sizeof cwd) == NULL)
			return;
		snprintf(abs, sizeof abs, "%s/%s", cwd, r);
	} else {
		snprintf(abs, sizeof abs, "%s", r);
	}
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		return;
	// The binary by its path, so that the supervisor is named berth.
	ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
	if (sn <= 0)
		return;
	self[sn] = '\0';
	for (int i = 0; i < 32; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	// A CPU profile is for the berth call that asked for it.
	size_t n = 0;
	while (environ[n] != NULL)
		n++;
	char **env = calloc(n + 1, sizeof *env);
	if (env == NULL)
		return;
	for (size_t i = 0, j = 0; i < n; i++)
		if (strncmp(environ[i], "BERTH_CPUPROFILE=", 17) != 0)
			env[j++] = environ[i];
	// What a supervisor says on its way out has no terminal to go to: it
	// goes to the root's log.
	snprintf(logpath, sizeof logpath, "%s/supervisor.log", abs);
	int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		free(env);
		return;
	}
	char *args[] = {"berth", "--root", abs, "supervise", id, "--ready-fd", "3", "--go-fd", "4", NULL};
	pid_t pid = vfork();
	if (pid == 0) {
		// Only system calls here: this child shares the parent's memory
		// until it execs.
		int w = fcntl(ready[1], F_DUPFD_CLOEXEC, 10), g = fcntl(go[0], F_DUPFD_CLOEXEC, 10);
		if (w < 0 || g < 0 || dup2(w, 3) < 0 || dup2(g, 4) < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(logfd >= 0 ? logfd : null, 2) < 0 || setsid() < 0 || chdir("/") < 0)
			_exit(127);
		execve(self, args, env);
		_exit(127);
	}
	free(env);
	close(ready[1]);
	close(go[0]);
	close(null);
	if (logfd >= 0)
		close(logfd);
	if (pid < 0) {
		close(ready[0]);
		close(go[1]);
		return;
	}
	memcpy(berth_launch_id, id, sizeof id);
	berth_launch_root = abs;
	berth_launch_ready_fd = ready[0];
	berth_launch_go_fd = go[1];
	berth_launch_pid = pid;
}

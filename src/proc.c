#include "leakgate/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "leakgate/error.h"
#include "leakgate/format.h"

extern char **environ;

/* The live children's process groups, for lg_proc_kill_all: 0 is free. */
static volatile sig_atomic_t live_groups[LG_PROC_TRACKED];

static void track(pid_t pid)
{
	for (size_t i = 0; i < LG_PROC_TRACKED; i++) {
		if (live_groups[i] == 0) {
			live_groups[i] = pid;
			return;
		}
	}
}

static void untrack(pid_t pid)
{
	for (size_t i = 0; i < LG_PROC_TRACKED; i++)
		if (live_groups[i] == pid)
			live_groups[i] = 0;
}

/* Set once this process is the reaper of its children's orphans. */
static volatile sig_atomic_t adopting;

/* pid is a live child's process group leader, or in such a group. */
static int in_live_group(pid_t pid)
{
	pid_t group = getpgid(pid);

	for (size_t i = 0; i < LG_PROC_TRACKED; i++)
		if (live_groups[i] > 0 && (live_groups[i] == pid || live_groups[i] == group))
			return 1;
	return 0;
}

static int any_live_group(void)
{
	for (size_t i = 0; i < LG_PROC_TRACKED; i++)
		if (live_groups[i] > 0)
			return 1;
	return 0;
}

/*
 * SIGKILL this process's children that are in no live child's group (the
 * adopted orphans: every child started here is tracked while it runs) and
 * put up to max of their pids in killed; the count killed. The list is
 * /proc/<pid>/task/<pid>/children (leakgate has one thread), read with
 * open and read only: async-signal-safe.
 */
static size_t kill_orphans(pid_t *killed, size_t max)
{
	char path[96], buf[8192], self[24];
	size_t n = 0, len, found = 0;
	ssize_t got;
	int fd;

	/* No snprintf: this runs in a signal handler too. */
	lg_format_integer(self, sizeof(self), getpid());
	len = strlen(self);
	memcpy(path, "/proc/", 6);
	memcpy(path + 6, self, len);
	memcpy(path + 6 + len, "/task/", 6);
	memcpy(path + 12 + len, self, len);
	memcpy(path + 12 + 2 * len, "/children", sizeof("/children"));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return 0;
	/* A full buffer may end in part of a number: left to the next round. */
	if ((size_t)got == sizeof(buf) - 1)
		while (got > 0 && buf[got - 1] != ' ')
			got--;
	buf[got] = '\0';
	for (char *p = buf; *p;) {
		pid_t pid = 0;

		while (*p == ' ' || *p == '\n')
			p++;
		while (*p >= '0' && *p <= '9')
			pid = pid * 10 + (*p++ - '0');
		if (*p && *p != ' ' && *p != '\n')
			break;
		if (pid <= 0 || in_live_group(pid))
			continue;
		kill(pid, SIGKILL);
		found++;
		if (n < max)
			killed[n++] = pid;
	}
	return found;
}

void lg_proc_kill_all(void)
{
	for (size_t i = 0; i < LG_PROC_TRACKED; i++)
		if (live_groups[i] > 0)
			kill(-(pid_t)live_groups[i], SIGKILL);
	if (adopting)
		kill_orphans(NULL, 0);
}

int lg_proc_adopt_orphans(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return lg_error_set_os("cannot become the reaper of orphaned workloads");
	adopting = 1;
	return 0;
}

/* Rounds of kill and reap: an orphan's own children come to us when it
 * dies, and are the next round's. Bounded, as is the wait for each. */
#define ORPHAN_ROUNDS 16
#define ORPHAN_BATCH 256
#define ORPHAN_WAIT_MS 1000

void lg_proc_end_orphans(void)
{
	pid_t killed[ORPHAN_BATCH];
	int waited = 0;

	if (!adopting || any_live_group())
		return;
	for (int round = 0; round < ORPHAN_ROUNDS; round++) {
		size_t found = kill_orphans(killed, ORPHAN_BATCH), n;

		if (found == 0)
			return;
		n = found < ORPHAN_BATCH ? found : ORPHAN_BATCH;
		/* SIGKILL is sure but not instant; never wait long for it (a
		 * process stuck in the kernel is left to the next call). */
		for (size_t i = 0; i < n; i++) {
			while (waitpid(killed[i], NULL, WNOHANG) == 0 &&
			       waited < ORPHAN_WAIT_MS) {
				struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };

				nanosleep(&ms, NULL);
				waited++;
			}
		}
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void close_pair(int p[2])
{
	close_fd(&p[0]);
	close_fd(&p[1]);
}

/* In the child: put fd at target, without close-on-exec. */
static int move_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

static void child_fail(int err_fd, const char *what, const char *argv0)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "leakgate: cannot %s '%s': %s\n",
			 what, argv0, strerror(errno));

	if (n > 0 && write(err_fd, msg, (size_t)n) < 0)
		_exit(127);
	_exit(127);
}

/* Everything between fork and exec: async-signal-safe calls only. */
static void child_exec(const lg_proc *p, char **envp, int out[2], int err[2],
		       int chan[2], int given, int orders)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	setpgid(0, 0);
	/* The parent may ignore SIGPIPE; the workload gets the defaults. */
	signal(SIGPIPE, SIG_DFL);
	if (devnull < 0 || move_fd(devnull, 0) < 0 ||
	    move_fd(out[1], 1) < 0 || move_fd(err[1], 2) < 0)
		child_fail(err[1] >= 0 ? err[1] : 2, "set up stdio for", p->argv[0]);
	if (move_fd(chan[1], p->channel_fd) < 0)
		child_fail(2, "set up the record pipe for", p->argv[0]);
	/* After the record pipe: lg_proc_start keeps `given` off its number. */
	if (given >= 0 && move_fd(given, p->given_fd_at) < 0)
		child_fail(2, "hand the agent's modules to", p->argv[0]);
	/* Kept above every fd number the child gets (lg_proc_start). */
	if (orders >= 0 && move_fd(orders, p->control_fd) < 0)
		child_fail(2, "set up the order pipe for", p->argv[0]);
	execvpe(p->argv[0], (char *const *)p->argv, envp);
	child_fail(2, "run", p->argv[0]);
}

/* entry is NAME=value and one of extra[0..k) sets NAME too. */
static int replaced(const char *entry, const char *const *extra, size_t k)
{
	size_t name = strcspn(entry, "=");

	for (size_t i = 0; i < k; i++)
		if (strncmp(entry, extra[i], name + 1) == 0)
			return 1;
	return 0;
}

int lg_proc_environment(char ***out, const lg_proc *p)
{
	const char *const *base = p->base_env ? p->base_env
				  : (const char *const *)environ;
	const char *const *extra = p->env;
	size_t n = 0, k = 0;
	char **env;

	*out = NULL;
	while (base[n])
		n++;
	while (extra && extra[k])
		k++;
	env = calloc(n + k + 1, sizeof(*env));
	if (!env)
		return lg_error_oom();
	/* Extra entries first: getenv() returns the first match. The ones
	 * they replace are left out, for readers that take the last (the
	 * dynamic loader reading LD_PRELOAD). */
	for (size_t i = 0; i < k; i++)
		env[i] = (char *)extra[i];
	for (size_t i = 0, j = k; i < n; i++)
		if (!replaced(base[i], extra, k))
			env[j++] = (char *)base[i];
	*out = env;
	return 0;
}

/* *fd moved, close-on-exec, to a number above every one the child gets:
 * the moves into place (child_exec) must not overwrite it. */
static int keep_above(int *fd, const lg_proc *p)
{
	int floor = p->channel_fd, moved;

	if (p->given_fd_at > floor)
		floor = p->given_fd_at;
	if (p->control_fd > floor)
		floor = p->control_fd;
	if (*fd > floor)
		return 0;
	if ((moved = fcntl(*fd, F_DUPFD_CLOEXEC, floor + 1)) < 0)
		return -1;
	close(*fd);
	*fd = moved;
	return 0;
}

int lg_proc_start(lg_proc *p)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, chan[2] = { -1, -1 };
	int ctl[2] = { -1, -1 };
	int given = p->given_fd, given_copy = -1, rc = LG_EOS;
	char **envp;
	pid_t pid;

	if (!p->argv || !p->argv[0])
		return lg_error_set("no command to run");
	/* Keep the pipes clear of the fds the child needs: 0..channel_fd. */
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(chan, O_CLOEXEC) < 0) {
		lg_error_set_os("cannot create pipes");
		goto fail;
	}
	if (chan[1] <= p->channel_fd) {
		int moved = fcntl(chan[1], F_DUPFD_CLOEXEC, p->channel_fd + 1);

		if (moved < 0) {
			lg_error_set_os("cannot move the record pipe");
			goto fail;
		}
		close(chan[1]);
		chan[1] = moved;
	}
	if (p->control_fd >= 0 &&
	    (pipe2(ctl, O_CLOEXEC) < 0 || keep_above(&ctl[0], p) < 0)) {
		lg_error_set_os("cannot create the order pipe");
		goto fail;
	}
	/* The record pipe takes channel_fd first: a given fd there moves. */
	if (given >= 0 && given == p->channel_fd) {
		given = given_copy = fcntl(given, F_DUPFD_CLOEXEC, p->channel_fd + 1);
		if (given < 0) {
			lg_error_set_os("cannot move the fd handed to the child");
			goto fail;
		}
	}
	if ((rc = lg_proc_environment(&envp, p)) < 0)
		goto fail;
	pid = fork();
	if (pid < 0) {
		rc = lg_error_set_os("cannot fork");
		free(envp);
		goto fail;
	}
	if (pid == 0)
		child_exec(p, envp, out, err, chan, given, ctl[0]);
	free(envp);
	close_fd(&given_copy);
	/* Also from the parent, so a kill right after start reaches the group. */
	setpgid(pid, pid);
	track(pid);
	close_fd(&out[1]);
	close_fd(&err[1]);
	close_fd(&chan[1]);
	close_fd(&ctl[0]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	fcntl(chan[0], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->out_fd = out[0];
	p->err_fd = err[0];
	p->channel = chan[0];
	p->control = ctl[1];
	p->exited = 0;
	p->status = 0;
	return 0;

fail:
	close_pair(out);
	close_pair(err);
	close_pair(chan);
	close_pair(ctl);
	close_fd(&given_copy);
	return rc;
}

int lg_proc_tell(lg_proc *p, const char *data, size_t len)
{
	sigset_t pipe_signal, pending, saved;
	struct timespec none = { 0, 0 };
	int rc = 0, was_pending;

	if (p->control < 0) {
		lg_error_set("no order pipe to the child");
		return LG_EINVALID;
	}
	/* EPIPE, not SIGPIPE, when the child is gone: the signal is held
	 * while writing and the one the write raised taken back, so
	 * leakgate itself never dies of a workload's death. */
	sigemptyset(&pipe_signal);
	sigaddset(&pipe_signal, SIGPIPE);
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_signal, &saved);
	while (len > 0) {
		ssize_t n = write(p->control, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			if (err == EPIPE && !was_pending)
				while (sigtimedwait(&pipe_signal, NULL, &none) < 0 &&
				       errno == EINTR)
					;
			errno = err;
			rc = lg_error_set_os("cannot give the child its orders");
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return rc;
}

static long long usage_ns(const struct rusage *u)
{
	return ((long long)u->ru_utime.tv_sec + u->ru_stime.tv_sec) * 1000000000LL +
	       ((long long)u->ru_utime.tv_usec + u->ru_stime.tv_usec) * 1000LL;
}

int lg_proc_poll(lg_proc *p)
{
	struct rusage usage;
	pid_t r;

	if (p->exited || p->pid <= 0)
		return 1;
	do
		r = wait4(p->pid, &p->status, WNOHANG, &usage);
	while (r < 0 && errno == EINTR);
	if (r == p->pid) {
		p->exited = 1;
		p->cpu_ns = usage_ns(&usage);
		/* Reap-then-kill race: the group may outlive its leader. */
		kill(-p->pid, SIGKILL);
		untrack(p->pid);
		return 1;
	}
	return 0;
}

ssize_t lg_proc_read(int fd, void *buf, size_t size)
{
	ssize_t n;

	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	return n;
}

size_t lg_proc_read_available(int *fd, void *buf, size_t size)
{
	ssize_t n = lg_proc_read(*fd, buf, size);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	return (size_t)n;
}

void lg_proc_kill(lg_proc *p)
{
	if (p->pid > 0 && !p->exited)
		kill(-p->pid, SIGKILL);
}

int lg_proc_finish(lg_proc *p)
{
	struct rusage usage;
	pid_t r;

	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	close_fd(&p->channel);
	close_fd(&p->control);
	if (p->pid <= 0 || p->exited)
		return 0;
	do
		r = wait4(p->pid, &p->status, 0, &usage);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return lg_error_set_os("cannot wait for process %d", (int)p->pid);
	p->exited = 1;
	p->cpu_ns = usage_ns(&usage);
	kill(-p->pid, SIGKILL);
	untrack(p->pid);
	return 0;
}

double lg_proc_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int lg_proc_cpus(void)
{
	cpu_set_t set;
	long online;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	online = sysconf(_SC_NPROCESSORS_ONLN);
	return online > 0 ? (int)online : 1;
}

long long lg_proc_cpu_ns(const lg_proc *p)
{
	unsigned long long user, system;
	char path[64], text[1024], *fields;
	long ticks = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd;

	if (p->exited)
		return p->cpu_ns;
	if (p->pid <= 0 || ticks <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	/* After the command's name, which may hold spaces and parentheses:
	 * state is field 3, utime 14, stime 15. */
	if (!(fields = strrchr(text, ')')) ||
	    sscanf(fields + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &user, &system) != 2)
		return -1;
	return (long long)((user + system) * (1000000000ULL / (unsigned long long)ticks));
}

long long lg_proc_rss(const lg_proc *p)
{
	char path[64];
	long long size, resident;
	FILE *f;
	int n;

	if (p->pid <= 0 || p->exited)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)p->pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%lld %lld", &size, &resident);
	fclose(f);
	if (n != 2)
		return -1;
	return resident * sysconf(_SC_PAGESIZE);
}

void lg_proc_describe_status(char *out, size_t size, int status)
{
	if (WIFEXITED(status)) {
		snprintf(out, size, "exit status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);

		snprintf(out, size, "killed by signal %d (SIG%s)%s", sig,
			 abbrev ? abbrev : "?",
			 WCOREDUMP(status) ? ", core dumped" : "");
	} else {
		snprintf(out, size, "wait status 0x%x", (unsigned)status);
	}
}

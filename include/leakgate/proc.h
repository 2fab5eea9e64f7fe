#ifndef LEAKGATE_PROC_H
#define LEAKGATE_PROC_H

#include <sys/types.h>

/*
 * A child process as a lifecycle object (git's run-command): start it in a
 * process group of its own with stdin on /dev/null, stdout, stderr and one
 * extra pipe (the agent's records) readable by the parent, optionally one
 * pipe the parent writes to (orders to an agent that runs many tests) and
 * one fd of the parent's handed down (the agent's modules); kill the whole
 * group; reap it. EINTR is retried here for the pipes and the child, and
 * in file.c for files, nowhere else.
 */
typedef struct {
	const char *const *argv;  /* argv[0] is looked up on PATH */
	const char *const *env;   /* extra NAME=value entries, or NULL */
	const char *const *base_env; /* what env goes on, NULL-ended;
				      * NULL: the parent's environ */
	int channel_fd;           /* fd number the record pipe gets in the child */
	int given_fd;             /* the parent's fd the child gets too, or -1 */
	int given_fd_at;          /* ... as this fd number (not channel_fd) */
	int control_fd;           /* fd number of the order pipe's read end in
				   * the child, or -1: none */

	pid_t pid;
	int out_fd;       /* parent's read ends, nonblocking; -1 once closed */
	int err_fd;
	int channel;
	int control;      /* parent's write end of the order pipe; -1: none */
	int exited;       /* reaped */
	int status;       /* wait status once reaped */
	long long cpu_ns; /* its CPU time (user + system) once reaped */
} lg_proc;

#define LG_PROC_INIT { \
	.channel_fd = 3, .given_fd = -1, .given_fd_at = -1, .control_fd = -1, \
	.pid = -1, .out_fd = -1, .err_fd = -1, .channel = -1, .control = -1 \
}

/* One read of a parent's end (out_fd, err_fd, channel), EINTR retried:
 * read(2)'s result and errno. */
ssize_t lg_proc_read(int fd, void *buf, size_t size);

/* One read of a nonblocking parent's end: the bytes read, or 0 when there
 * is nothing now, or at EOF or an error, which also closes *fd and sets it
 * to -1. */
size_t lg_proc_read_available(int *fd, void *buf, size_t size);

/* Start. On error nothing is left open; if exec fails, the child exits 127
 * after writing the reason to its stderr. */
int lg_proc_start(lg_proc *p);

/* The environment p starts with, into *out: env's entries, then
 * base_env's (or environ's) whose names env does not set. The array is the
 * caller's (free() it), its strings are borrowed. 0, or LG_ENOMEM. */
int lg_proc_environment(char ***out, const lg_proc *p);

/*
 * Write all of data to the order pipe (blocking: orders are a few hundred
 * bytes, the pipe holds 64 KiB). A child that is gone is LG_EOS, never a
 * SIGPIPE for the caller. LG_EINVALID when p has no order pipe.
 */
int lg_proc_tell(lg_proc *p, const char *data, size_t len);

/* Reap without blocking: 1 if it has exited (p->status set), 0 if not. */
int lg_proc_poll(lg_proc *p);

/* SIGKILL the process group (a no-op once reaped). */
void lg_proc_kill(lg_proc *p);

/*
 * SIGKILL the process group of every child started and not yet reaped.
 * Async-signal-safe, for a signal handler that exits at once (cancel.h);
 * tracks up to LG_PROC_TRACKED children at a time.
 */
void lg_proc_kill_all(void);

#define LG_PROC_TRACKED 2048

/*
 * Orphans. A workload's descendant that leaves its process group (setsid,
 * setpgid) is out of reach of a group kill, and when its parent dies it
 * would be reparented to init and live on. lg_proc_adopt_orphans makes
 * this process their reaper instead (prctl PR_SET_CHILD_SUBREAPER), for a
 * process whose every child is an lg_proc (the leakgate binary: a test
 * that runs workloads in-process and has children of its own must not).
 * lg_proc_end_orphans then SIGKILLs the adopted orphans and reaps them,
 * bounded in time; lg_proc_kill_all ends them too. An orphan cannot be
 * told to belong to one workload or another running beside it: so
 * lg_proc_end_orphans does nothing while any child runs (its caller, the
 * runner, calls it whenever a workload ends, and at the end of the run).
 */
int lg_proc_adopt_orphans(void);
void lg_proc_end_orphans(void);

/* Close the pipes and reap (blocking); safe to call twice. */
int lg_proc_finish(lg_proc *p);

/* The processors this process may run on (its affinity mask: a CI
 * container's share, not the host's), at least 1: -j auto. */
int lg_proc_cpus(void);

/* Seconds on the monotonic clock, which deadlines and durations of
 * children are measured by. */
double lg_proc_clock(void);

/* The child's CPU time (user + system) so far, in ns: from /proc while it
 * runs (in clock ticks), from wait4 once reaped; -1 when unknown. */
long long lg_proc_cpu_ns(const lg_proc *p);

/* Resident set size of the child in bytes, -1 when unknown. */
long long lg_proc_rss(const lg_proc *p);

/* "exit status 3", "killed by signal 6 (SIGABRT)" into out. */
void lg_proc_describe_status(char *out, size_t size, int status);

#endif

#include "leakgate/runner.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leakgate/agent_bundle.h"
#include "leakgate/child.h"
#include "leakgate/error.h"
#include "leakgate/explain_rank.h"
#include "leakgate/explain_shim.h"
#include "leakgate/interpreter.h"
#include "leakgate/proc.h"
#include "leakgate/proto.h"
#include "leakgate/schedule.h"
#include "leakgate/session.h"
#include "leakgate/verdict.h"

/* The agent's leading arguments for a pytest target: the suite's pytest
 * arguments; returns the next index. */
static size_t test_arguments(const char **argv, size_t n, const lg_workload *wl)
{
	if (lg_workload_target_kind(wl->target) == LG_TARGET_PYTEST &&
	    wl->pytest_args) {
		argv[n++] = "--pytest-args";
		argv[n++] = wl->pytest_args;
	}
	return n;
}

/* How long output may keep flowing after the child exited (a grandchild
 * that escaped the process group can hold the pipes open). */
#define EXIT_GRACE_SECONDS 1.0

/* The explain pass aims for this many seconds of calls, whatever the
 * detection pass's --duration: enough points to fit (its counts are exact),
 * cheap enough for CI (the whole pass within about 2 s). */
#define EXPLAIN_MIN_SECONDS 0.5
#define EXPLAIN_MAX_SECONDS 1.0
/* Bytes of the explain child's stderr kept, for why it failed. */
#define EXPLAIN_ERR_LIMIT 4096

/* KILLED_SETTLED: the verdict was certain; the run completed. */
typedef enum {
	KILLED_NONE, KILLED_TIMEOUT, KILLED_MEMORY, KILLED_PROTOCOL, KILLED_SETTLED,
	KILLED_CANCELLED
} kill_reason;

/* Detection first; then, when the verdict asks for it, the explain pass. */
typedef enum { PHASE_DETECT, PHASE_EXPLAIN } slot_phase;

typedef struct {
	lg_workload_result *result; /* NULL: the slot is free */
	slot_phase phase;
	lg_child child;         /* its records go to session */
	/* The child runs test after test of a suite (`--serve`, schedule.h):
	 * it lives on between them, idle while result is NULL. */
	int serving;
	const lg_workload *served; /* the test it ran last */
	lg_buf hello;           /* its hello, given to every test's session */
	lg_buf order;
	lg_session session;    /* the detection's, then the explain pass's */
	struct runner_state *state; /* what the slots share */
	lg_tail explain_err;
	char calls_arg[32];
	char duration_arg[32];
	char max_calls_arg[32];
	size_t judged;          /* samples when the verdict was last tried */
	char native_arg[16];
	char *preload;          /* "LD_PRELOAD=..." for the explain child */
	const char *argv[16];
	const char *env[4];
	double started;
	long long cpu_from;     /* the child's CPU time when the test began */
	double exited_at;
	kill_reason killed;
	int cancel_signal;      /* with KILLED_CANCELLED: the signal */
	long long peak_rss;
} slot;

/* What the slots share: the agent's modules and the shim, written out
 * once when first needed; the interpreters as the children reported them. */
typedef struct runner_state {
	lg_interpreters interpreters;
	int modules_fd;         /* memory file of the agent's modules; -1: not yet */
	char modules_error[256];
	char *shim;             /* path of the allocator shim; NULL: not yet */
	int shim_failed;        /* could not be written: explain without it */
	char shim_error[256];
} runner_state;

/* Output reaches the tails even when the workload crashes. */
#define ENV_UNBUFFERED "PYTHONUNBUFFERED=1"
/* A crash prints the Python stack to stderr, into the report. */
#define ENV_FAULTHANDLER "PYTHONFAULTHANDLER=1"

static const char *const child_env[] = { ENV_UNBUFFERED, ENV_FAULTHANDLER, NULL };

/* The agent's modules in a memory file, made once and read by every child
 * (with pread: the file offset the children share never moves). -1 with
 * st->modules_error set when it cannot be made. */
static int modules_file(runner_state *st)
{
	if (st->modules_fd >= 0 || st->modules_error[0])
		return st->modules_fd;
	st->modules_fd = lg_agent_modules_open(st->modules_error,
					       sizeof(st->modules_error));
	return st->modules_fd;
}

/* The child's leading arguments, the interpreter's (learned past a shim,
 * with its environment: s->child.proc.base_env) to the suite's; returns the
 * next index. */
static size_t agent_arguments(slot *s, runner_state *st, const lg_workload *wl)
{
	size_t n = 0;

	s->argv[n++] = lg_interpreters_get(&st->interpreters, wl->python,
					   &s->child.proc.base_env);
	s->argv[n++] = "-c";
	s->argv[n++] = lg_agent_bootstrap();
	return test_arguments(s->argv, n, wl);
}

/* A suite's test runs in a child that runs many (schedule.h). */
static int serves(const lg_workload *wl)
{
	const char *file;
	size_t len;

	return lg_schedule_file(wl, &file, &len);
}

/* What the slot watches of its child, anew for a test or a pass. */
static void slot_watch_anew(slot *s)
{
	s->killed = KILLED_NONE;
	s->cancel_signal = 0;
	s->peak_rss = 0;
	lg_child_begin_session(&s->child, &s->session);
}

/* The slot's state for r's test; a child it has lives on. */
static void slot_begin(slot *s, lg_workload_result *r)
{
	const lg_workload *wl = &r->workload;

	s->result = r;
	s->phase = PHASE_DETECT;
	lg_session_init_detection(&s->session, r);
	s->child.out = &r->out;
	s->child.err = &r->err;
	s->judged = 0;
	slot_watch_anew(s);
	snprintf(s->calls_arg, sizeof(s->calls_arg), "%lld",
		 (long long)wl->max_calls);
	snprintf(s->duration_arg, sizeof(s->duration_arg), "%.3f", wl->duration);
	/* Early stop: the agent may go on to the extension's end, the runner
	 * ends it once the verdict is settled (lg_judge_settled). */
	snprintf(s->max_calls_arg, sizeof(s->max_calls_arg), "%lld",
		 (long long)(wl->no_early_stop ? wl->max_calls
			     : wl->max_calls > INT64_MAX / LG_EXTEND_FACTOR ? INT64_MAX
			     : wl->max_calls * LG_EXTEND_FACTOR));
	s->started = lg_proc_clock();
	s->cpu_from = s->serving ? lg_proc_cpu_ns(&s->child.proc) : 0;
}

/* Order the slot's serving child to run r's test. Its session starts
 * after the child's hello, given again when the child ran a test before.
 * LG_EOS when the child is gone. */
static int order_test(slot *s, lg_workload_result *r)
{
	const lg_field fields[] = {
		{ "target", r->workload.target }, { "calls", s->calls_arg },
		{ "duration", s->duration_arg }, { "max_calls", s->max_calls_arg },
	};
	lg_record hello;
	int rc;

	s->served = &r->workload;
	if (s->hello.len) {
		if ((rc = lg_record_parse(&hello, s->hello.ptr, s->hello.len - 1)) < 0)
			return rc;
		rc = lg_session_apply(&s->session, &hello);
		lg_record_dispose(&hello);
		if (rc < 0)
			return rc;
	}
	lg_buf_clear(&s->order);
	if ((rc = lg_order_format(&s->order, "run", fields,
				  sizeof(fields) / sizeof(*fields))) < 0)
		return rc;
	return lg_proc_tell(&s->child.proc, s->order.ptr, s->order.len);
}

/* End the slot's child, reaped; its reader and hello go with it. */
static void slot_end_child(slot *s)
{
	lg_child_end(&s->child);
	lg_buf_clear(&s->hello);
	s->serving = 0;
	s->served = NULL;
}

/* The slot's last child reaped; a new one to start. Nothing of the last
 * (a torn line) reaches it. */
static void slot_new_child(slot *s)
{
	lg_proc proc = LG_PROC_INIT;

	lg_child_end(&s->child);
	s->child.proc = proc;
	s->exited_at = 0;
}

static int slot_start(slot *s, lg_workload_result *r, runner_state *st)
{
	const lg_workload *wl = &r->workload;
	char reason[256];
	size_t n;
	int rc;

	slot_begin(s, r);
	if (s->serving) {
		if ((rc = order_test(s, r)) == 0 || rc == LG_ENOMEM)
			return rc;
		/* Gone between two tests: this test gets a child of its own. */
		slot_end_child(s);
		slot_begin(s, r);
	}
	slot_new_child(s);
	n = agent_arguments(s, st, wl);
	if (serves(wl)) {
		s->argv[n++] = "--serve";
		s->child.proc.control_fd = LG_PROTO_CONTROL_FD;
	} else {
		s->argv[n++] = wl->target;
		s->argv[n++] = s->calls_arg;
		s->argv[n++] = s->duration_arg;
		s->argv[n++] = s->max_calls_arg;
	}
	s->argv[n] = NULL;
	s->child.proc.argv = s->argv;
	s->child.proc.env = child_env;
	s->child.proc.channel_fd = LG_PROTO_FD;
	s->child.proc.given_fd = modules_file(st);
	s->child.proc.given_fd_at = LG_PROTO_MODULES_FD;
	rc = s->child.proc.given_fd < 0 ? -1 : lg_proc_start(&s->child.proc);
	if (rc == 0 && serves(wl)) {
		s->serving = 1;
		/* A child that cannot take the order has died: seen as it is. */
		if ((rc = order_test(s, r)) == LG_ENOMEM)
			return rc;
		rc = 0;
		lg_error_clear();
	}
	if (rc < 0) {
		snprintf(reason, sizeof(reason), "%s", s->child.proc.given_fd < 0
			 ? st->modules_error : lg_error_last());
		r->outcome = LG_OUTCOME_SPAWN_FAILED;
		r->detail = strdup(reason);
		return r->detail ? 1 : LG_ENOMEM;
	}
	return 0;
}

static void slot_kill(slot *s, kill_reason why)
{
	if (s->killed == KILLED_NONE)
		s->killed = why;
	lg_proc_kill(&s->child.proc);
}

/* After new samples: end the run once its verdict is settled. */
static int try_settle(slot *s, const lg_runner_options *opts)
{
	lg_workload_result *r = s->result;
	int settled = 0, rc;

	if (s->phase != PHASE_DETECT || s->session.state != LG_SESSION_RUNNING ||
	    r->series.count == s->judged)
		return 0;
	s->judged = r->series.count;
	if (!r->workload.no_early_stop &&
	    (rc = lg_judge_settled(&settled, r, &opts->fit)) < 0)
		return rc;
	if (!s->serving) {
		if (settled)
			slot_kill(s, KILLED_SETTLED);
		return 0;
	}
	/* A serving child waits after every sample: no batch runs past the
	 * verdict. If it is gone, its exit says so. */
	if (lg_proc_tell(&s->child.proc, settled ? "stop\n" : "go\n", settled ? 5 : 3) < 0)
		lg_error_clear();
	return 0;
}

/* What a record tells besides the session's: the interpreter the child
 * runs (later children start it directly, past a version manager's
 * shim), and a serving child's hello, which every later test of it starts
 * after. */
static int heard(void *ctx, const lg_record *rec)
{
	slot *s = ctx;
	int rc;

	if (rec->type != LG_RECORD_HELLO)
		return 0;
	rc = lg_interpreters_learn(&s->state->interpreters, s->result->workload.python,
				   lg_record_get(rec, "executable"),
				   lg_record_get(rec, "pid"), &s->child.proc);
	if (rc == 0 && s->serving)
		rc = lg_order_format(&s->hello, "hello", rec->fields, rec->count);
	return rc;
}

/* Read what the slot's child sent; then end it if its records made no
 * sense, or its verdict is settled. */
static int slot_read(slot *s, const lg_runner_options *opts)
{
	int rc = lg_child_drain(&s->child);

	if (rc < 0)
		return rc;
	if (s->child.protocol_error && s->killed == KILLED_NONE)
		s->killed = KILLED_PROTOCOL;
	return s->killed == KILLED_NONE ? try_settle(s, opts) : 0;
}

static int set_detail(lg_workload_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int set_detail(lg_workload_result *r, const char *fmt, ...)
{
	lg_buf b = LG_BUF_INIT;
	va_list ap;
	char text[1024];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (lg_buf_puts(&b, text) < 0)
		return LG_ENOMEM;
	free(r->detail);
	r->detail = lg_buf_detach(&b);
	return 0;
}

/* lg_judge, then the caller's own judgement (the baseline's). */
static int judge(lg_workload_result *r, const lg_runner_options *opts)
{
	int rc = lg_judge(r, &opts->fit);

	if (rc == 0 && opts->judge)
		rc = opts->judge(opts->judge_ctx, r);
	return rc == LG_ENOMEM ? rc : 0;
}

/* Turn how the child ended into the result's outcome and detail. */
static int slot_conclude(slot *s, const lg_runner_options *opts)
{
	lg_workload_result *r = s->result;
	const lg_workload *wl = &r->workload;
	char status[128], line[512], calls[32];
	long long cpu = lg_proc_cpu_ns(&s->child.proc);
	int rc = 0;

	r->seconds = lg_proc_clock() - s->started;
	r->cpu_seconds = cpu >= 0 && s->cpu_from >= 0 && cpu > s->cpu_from
			 ? (double)(cpu - s->cpu_from) / 1e9 : 0;
	lg_proc_describe_status(status, sizeof(status), s->child.proc.status);
	snprintf(calls, sizeof(calls), "%lld", (long long)lg_series_calls(&r->series));
	/* Ended before the signal was seen: a whole result. */
	if (s->killed == KILLED_CANCELLED && s->session.state == LG_SESSION_ENDED)
		s->killed = KILLED_NONE;
	switch (s->killed) {
	case KILLED_TIMEOUT:
		r->outcome = LG_OUTCOME_TIMEOUT;
		rc = set_detail(r, "no result after %g s (timeout), %s calls made",
				wl->timeout, calls);
		break;
	case KILLED_MEMORY:
		r->outcome = LG_OUTCOME_MEMORY_LIMIT;
		rc = set_detail(r, "resident memory reached %lld MiB (limit %lld MiB) after %s calls",
				s->peak_rss >> 20, (long long)wl->memory_limit_mb, calls);
		break;
	case KILLED_PROTOCOL:
		r->outcome = LG_OUTCOME_PROTOCOL_ERROR;
		rc = set_detail(r, "%s", s->child.protocol_error);
		break;
	case KILLED_CANCELLED:
		r->outcome = LG_OUTCOME_CANCELLED;
		rc = set_detail(r, "leakgate was interrupted (SIG%s) after %s calls",
				sigabbrev_np(s->cancel_signal) ? sigabbrev_np(s->cancel_signal)
				: "?", calls);
		break;
	case KILLED_SETTLED:
		if (s->session.state != LG_SESSION_ENDED)
			r->outcome = LG_OUTCOME_COMPLETED;
		break;
	case KILLED_NONE:
		if (s->session.state == LG_SESSION_ENDED)
			break;
		lg_child_stderr_line(line, sizeof(line), &r->err);
		if (s->session.state == LG_SESSION_START) {
			/* The agent never spoke: not a Python 3 we can drive. */
			r->outcome = LG_OUTCOME_SPAWN_FAILED;
			rc = set_detail(r, "'%s' did not start the agent (%s)%s%s",
					wl->python, status, *line ? ": " : "", line);
		} else {
			r->outcome = LG_OUTCOME_CRASHED;
			rc = set_detail(r, "%s after %s calls%s%s", status, calls,
					*line ? ": " : "", line);
		}
		break;
	}
	if (rc < 0)
		return rc;
	return judge(r, opts);
}

/* The test is done and the slot free; a serving child stays for the next. */
static void slot_release(slot *s)
{
	if (!s->serving) {
		lg_proc_kill(&s->child.proc);
		lg_proc_finish(&s->child.proc);
	}
	lg_tail_dispose(&s->explain_err);
	free(s->preload);
	s->preload = NULL;
	s->result = NULL;
}

/* A serving child goes on to the next test unless this one leaked: the
 * explain pass, and the tests after it, start in a fresh interpreter. */
static int keeps_child(const lg_workload_result *r)
{
	return r->verdict != LG_VERDICT_LEAK && r->verdict != LG_VERDICT_EXPECTED_LEAK &&
	       r->verdict != LG_VERDICT_REGRESSION;
}

/* At the end of the run, whatever the slot holds. */
static void slot_dispose(slot *s)
{
	if (s->result || s->serving)
		slot_end_child(s);
	lg_child_dispose(&s->child);
	lg_buf_dispose(&s->hello);
	lg_buf_dispose(&s->order);
	slot_release(s);
}

/* -- the explain pass ---------------------------------------------------- */

/* Leaks are explained; everything with --explain; nothing with
 * --no-explain; never what could not be measured. */
static int wants_explanation(const lg_workload_result *r)
{
	if (r->verdict == LG_VERDICT_ERROR || r->series.count == 0)
		return 0;
	switch (r->workload.explain) {
	case LG_EXPLAIN_ALWAYS: return 1;
	case LG_EXPLAIN_NEVER: return 0;
	default: return r->verdict == LG_VERDICT_LEAK ||
			r->verdict == LG_VERDICT_REGRESSION;
	}
}

/* The C heap grows on its own: worth the allocator shim. */
static int wants_shim(const lg_workload_result *r)
{
	const lg_fit *f = &r->fits[LG_METRIC_MALLOC_BYTES];

	return ((r->fitted >> LG_METRIC_MALLOC_BYTES) & 1u) && f->enough &&
	       f->ci_low > 0 && f->slope > r->workload.threshold;
}

static const char *shim_path(runner_state *st)
{
	if (!st->shim && !st->shim_failed && lg_explain_shim_install(&st->shim) < 0) {
		st->shim_failed = 1;
		snprintf(st->shim_error, sizeof(st->shim_error), "%s", lg_error_last());
	}
	return st->shim;
}

/*
 * Start the explain child in the slot that measured the workload. Fewer
 * calls than the detection pass made when that one ended abnormally, so an
 * fd or thread leak does not hit the same wall. 1 when it could not start
 * (the explanation says why), 0 when it runs, < 0 when out of memory.
 */
static int slot_start_explain(slot *s, runner_state *st)
{
	lg_workload_result *r = s->result;
	const lg_workload *wl = &r->workload;
	int64_t calls = lg_series_calls(&r->series);
	double seconds = wl->duration;
	int native = wants_shim(r), rc;
	const char *shim = native ? shim_path(st) : NULL;
	lg_tail err = LG_TAIL_INIT(EXPLAIN_ERR_LIMIT);
	lg_buf preload = LG_BUF_INIT;
	const char *preloaded = getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "";
	size_t env = 0, n;

	lg_tail_dispose(&s->explain_err);
	if ((rc = lg_explanation_new(&r->explanation)) < 0)
		return rc;
	if (r->outcome != LG_OUTCOME_COMPLETED)
		calls = calls * 4 / 5;
	if (calls < 1)
		calls = 1;
	if (seconds < EXPLAIN_MIN_SECONDS)
		seconds = EXPLAIN_MIN_SECONDS;
	if (seconds > EXPLAIN_MAX_SECONDS)
		seconds = EXPLAIN_MAX_SECONDS;
	if (native && !shim &&
	    (rc = lg_buf_printf(&r->explanation->notes, "allocator shim "
				"unavailable: %s\n", st->shim_error)) < 0)
		return rc;
	/* Ahead of what the environment preloads already (kept). */
	if (shim && (rc = lg_buf_printf(&preload, "LD_PRELOAD=%s%s%s", shim,
					*preloaded ? ":" : "", preloaded)) < 0)
		return rc;

	s->phase = PHASE_EXPLAIN;
	slot_new_child(s);
	s->explain_err = err;
	/* Its output is not the workload's: stdout dropped, stderr kept
	 * apart for its failures. */
	s->child.out = NULL;
	s->child.err = &s->explain_err;
	slot_watch_anew(s);
	free(s->preload);
	s->preload = shim ? lg_buf_detach(&preload) : NULL;
	lg_session_init_explain(&s->session, r->explanation);
	snprintf(s->calls_arg, sizeof(s->calls_arg), "calls=%lld", (long long)calls);
	snprintf(s->duration_arg, sizeof(s->duration_arg), "duration=%.3f", seconds);
	snprintf(s->native_arg, sizeof(s->native_arg), "native=%d", shim != NULL);
	n = agent_arguments(s, st, wl);
	s->argv[n++] = "--explain";
	s->argv[n++] = wl->target;
	s->argv[n++] = s->calls_arg;
	s->argv[n++] = s->duration_arg;
	s->argv[n++] = s->native_arg;
	s->argv[n] = NULL;
	s->env[env++] = ENV_UNBUFFERED;
	s->env[env++] = ENV_FAULTHANDLER;
	if (s->preload)
		s->env[env++] = s->preload;
	s->env[env] = NULL;
	s->child.proc.argv = s->argv;
	s->child.proc.env = s->env;
	s->child.proc.channel_fd = LG_PROTO_FD;
	/* The detection child started with the same file. */
	s->child.proc.given_fd = st->modules_fd;
	s->child.proc.given_fd_at = LG_PROTO_MODULES_FD;
	s->started = lg_proc_clock();
	if (lg_proc_start(&s->child.proc) < 0) {
		r->explanation->stopped = strdup(lg_error_last());
		return r->explanation->stopped ? 1 : LG_ENOMEM;
	}
	return 0;
}

/* How the explain child ended, into the explanation; then finish it. */
static int slot_conclude_explain(slot *s)
{
	lg_workload_result *r = s->result;
	lg_explanation *e = r->explanation;
	char status[128], line[512], *why = NULL;
	int rc;

	e->seconds = lg_proc_clock() - s->started;
	lg_proc_describe_status(status, sizeof(status), s->child.proc.status);
	if (s->killed == KILLED_TIMEOUT)
		rc = asprintf(&why, "no result after %g s (timeout)", r->workload.timeout);
	else if (s->killed == KILLED_MEMORY)
		rc = asprintf(&why, "resident memory passed %lld MiB (the limit)",
			      (long long)r->workload.memory_limit_mb);
	else if (s->killed == KILLED_PROTOCOL)
		rc = asprintf(&why, "%s", s->child.protocol_error);
	else if (s->killed == KILLED_CANCELLED && s->session.state != LG_SESSION_ENDED)
		rc = asprintf(&why, "cancelled: leakgate was interrupted (SIG%s)",
			      sigabbrev_np(s->cancel_signal) ? sigabbrev_np(s->cancel_signal) : "?");
	else if (s->session.state != LG_SESSION_ENDED) {
		lg_child_stderr_line(line, sizeof(line), &s->explain_err);
		rc = asprintf(&why, "%s%s%s", status, *line ? ": " : "", line);
	} else
		rc = 0;
	if (rc < 0)
		return LG_ENOMEM;
	if (why) {
		free(e->stopped);
		e->stopped = why;
	}
	rc = lg_explain_finish(e, r);
	return rc == LG_ENOMEM ? rc : 0;
}

/* Deadlines, memory and exit; 1 when the slot is finished. */
static int slot_check(slot *s, double t)
{
	const lg_workload *wl = &s->result->workload;

	if (!s->child.proc.exited && lg_proc_poll(&s->child.proc)) {
		s->exited_at = t;
		/* What escaped its group (and may hold its pipes) ends with it,
		 * unless another child runs (proc.h: then at the end). */
		lg_proc_end_orphans();
	}
	if (!s->child.proc.exited) {
		if (t - s->started > wl->timeout)
			slot_kill(s, KILLED_TIMEOUT);
		if (wl->memory_limit_mb > 0) {
			long long rss = lg_proc_rss(&s->child.proc);

			if (rss > s->peak_rss)
				s->peak_rss = rss;
			if (rss > (long long)wl->memory_limit_mb << 20)
				slot_kill(s, KILLED_MEMORY);
		}
		return 0;
	}
	return !lg_child_open(&s->child) || t - s->exited_at > EXIT_GRACE_SECONDS;
}

/* A byte on the cancel pipe: the signal's number; 0 when none. */
static int cancel_requested(const lg_runner_options *opts)
{
	unsigned char signo;
	ssize_t n;

	if (opts->cancel_fd < 0)
		return 0;
	do
		n = read(opts->cancel_fd, &signo, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? (signo ? signo : SIGTERM) : 0;
}

/* Cancelled before it started: judged as such at once. */
static int cancel_unstarted(lg_workload_result *r, int signo,
			    const lg_runner_options *opts)
{
	int rc;

	r->outcome = LG_OUTCOME_CANCELLED;
	if ((rc = set_detail(r, "not started: leakgate was interrupted (SIG%s)",
			     sigabbrev_np(signo) ? sigabbrev_np(signo) : "?")) < 0)
		return rc;
	return judge(r, opts);
}

/* A serving child's test has ended (its end record came): concluded now,
 * while the child waits for the next. */
static int test_ended(const slot *s)
{
	return s->serving && s->phase == PHASE_DETECT &&
	       s->session.state == LG_SESSION_ENDED && !s->child.proc.exited;
}

/* schedule.h's pick for a slot (served: its child's last test), given
 * what the other slots run; running is scratch space for jobs pointers. */
static long next_workload(const slot *slots, int jobs, const lg_workload **running,
			  const lg_workload *workloads, size_t count,
			  const unsigned char *started, size_t from,
			  const lg_workload *served)
{
	size_t n = 0;

	for (int j = 0; j < jobs; j++)
		if (slots[j].result)
			running[n++] = &slots[j].result->workload;
	return lg_schedule_next(workloads, count, started, from, running, n, served);
}

int lg_runner_run(lg_run_result *out, const lg_workload *workloads,
		  size_t count, const lg_runner_options *opts)
{
	int jobs = opts->jobs > 0 ? opts->jobs : 1;
	slot *slots = NULL;
	struct pollfd *fds = NULL;
	unsigned char *started = NULL; /* per workload: it has started */
	const lg_workload **running = NULL;
	size_t next = 0, done = 0, active = 0;
	double run_start = lg_proc_clock();
	runner_state state;
	int rc = 0;

	memset(&state, 0, sizeof(state));
	state.modules_fd = -1;
	memset(out, 0, sizeof(*out));
	out->started = time(NULL);
	if ((size_t)jobs > count)
		jobs = count ? (int)count : 1;
	out->items = calloc(count ? count : 1, sizeof(*out->items));
	slots = calloc((size_t)jobs, sizeof(*slots));
	fds = calloc((size_t)jobs * LG_CHILD_FDS + 1, sizeof(*fds));
	started = calloc(count ? count : 1, 1);
	running = calloc((size_t)jobs, sizeof(*running));
	for (int j = 0; slots && j < jobs; j++) {
		lg_child_init(&slots[j].child);
		slots[j].child.heard = heard;
		slots[j].child.heard_ctx = &slots[j];
		slots[j].state = &state;
	}
	if (!out->items || !slots || !fds || !started || !running) {
		rc = lg_error_oom();
		goto done;
	}
	/* Fails only on kernels before 3.4: orphans then live on, as the
	 * README's trust model says. */
	if (opts->adopt_orphans && lg_proc_adopt_orphans() < 0)
		lg_error_clear();
	for (size_t i = 0; i < count; i++) {
		if ((rc = lg_workload_result_init(&out->items[i], &workloads[i],
						  opts->tail_limit)) < 0)
			goto done;
		out->count = i + 1;
	}

	while (done < count) {
		size_t nfds = 0;
		double t;

		for (int j = 0; j < jobs && !out->cancelled; j++) {
			slot *s = &slots[j];
			long pick;

			if (s->result)
				continue;
			pick = next_workload(slots, jobs, running, workloads, count,
					     started, next, s->served);
			if (pick < 0 && s->serving) {
				/* Nothing this child can run now: a fresh one may. */
				slot_end_child(s);
				pick = next_workload(slots, jobs, running, workloads, count,
						     started, next, NULL);
			}
			if (pick < 0)
				continue;
			started[pick] = 1;
			while (next < count && started[next])
				next++;
			rc = slot_start(s, &out->items[pick], &state);
			if (rc < 0)
				goto done;
			if (opts->progress)
				opts->progress(opts->progress_ctx, &out->items[pick],
					       done, count, 0);
			if (rc == 1) {
				/* Could not even start: judged at once. */
				s->result->seconds = 0;
				if ((rc = judge(s->result, opts)) == LG_ENOMEM)
					goto done;
				rc = 0;
				done++;
				if (opts->progress)
					opts->progress(opts->progress_ctx,
						       s->result, done, count, 1);
				slot_release(s);
				j--;
				continue;
			}
			active++;
		}
		for (int j = 0; out->cancelled && j < jobs; j++)
			if (!slots[j].result && slots[j].serving)
				slot_end_child(&slots[j]);
		for (int j = 0; j < jobs; j++)
			if (slots[j].result)
				nfds += lg_child_poll_fds(&slots[j].child, fds + nfds);
		if (opts->cancel_fd >= 0 && !out->cancelled) {
			fds[nfds].fd = opts->cancel_fd;
			fds[nfds].events = POLLIN;
			fds[nfds].revents = 0;
			nfds++;
		}
		if (active && poll(fds, nfds, LG_CHILD_POLL_MS) < 0 && errno != EINTR) {
			rc = lg_error_set_os("poll failed");
			goto done;
		}
		if (opts->tick)
			opts->tick(opts->progress_ctx);
		if (!out->cancelled && (out->cancelled = cancel_requested(opts))) {
			/* Every child's group now; they end as results. */
			for (int j = 0; j < jobs; j++) {
				if (!slots[j].result)
					continue;
				slots[j].cancel_signal = out->cancelled;
				slot_kill(&slots[j], KILLED_CANCELLED);
			}
		}
		t = lg_proc_clock();
		for (int j = 0; j < jobs; j++) {
			slot *s = &slots[j];

			if (!s->result)
				continue;
			if ((rc = slot_read(s, opts)) < 0)
				goto done;
			if (test_ended(s)) {
				/* A serving child's test ended; the child waits. */
			} else if (!slot_check(s, t)) {
				continue;
			} else if (s->serving) {
				slot_end_child(s);
			} else {
				lg_proc_finish(&s->child.proc);
			}
			if (s->phase == PHASE_EXPLAIN) {
				if ((rc = slot_conclude_explain(s)) < 0)
					goto done;
			} else {
				if ((rc = slot_conclude(s, opts)) < 0)
					goto done;
				if (s->serving && (out->cancelled || !keeps_child(s->result) ||
						   wants_explanation(s->result)))
					slot_end_child(s);
				if (!out->cancelled && wants_explanation(s->result)) {
					/* Same slot, second child: -j holds. */
					if ((rc = slot_start_explain(s, &state)) < 0)
						goto done;
					if (rc == 0)
						continue;
					rc = lg_explain_finish(s->result->explanation,
							       s->result);
					if (rc == LG_ENOMEM)
						goto done;
					rc = 0;
				}
			}
			done++;
			active--;
			if (opts->progress)
				opts->progress(opts->progress_ctx, s->result, done,
					       count, 1);
			slot_release(s);
		}
		for (; out->cancelled && active == 0 && next < count; next++) {
			if (started[next])
				continue;
			started[next] = 1;
			if ((rc = cancel_unstarted(&out->items[next], out->cancelled,
						   opts)) < 0)
				goto done;
			done++;
			if (opts->progress)
				opts->progress(opts->progress_ctx, &out->items[next],
					       done, count, 1);
		}
	}

done:
	for (int j = 0; slots && j < jobs; j++)
		slot_dispose(&slots[j]);
	free(slots);
	free(fds);
	free(started);
	free(running);
	lg_proc_end_orphans();
	lg_explain_shim_remove(state.shim);
	free(state.shim);
	lg_interpreters_dispose(&state.interpreters);
	if (state.modules_fd >= 0)
		close(state.modules_fd);
	out->seconds = lg_proc_clock() - run_start;
	return rc;
}

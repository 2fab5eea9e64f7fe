#include "leakgate/runner.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leakgate/error.h"
#include "leakgate/proc.h"
#include "leakgate/proto.h"
#include "leakgate/verdict.h"

extern const char lg_agent_py[];

const char *lg_agent_source(void)
{
	return lg_agent_py;
}

/* How long output may keep flowing after the child exited (a grandchild
 * that escaped the process group can hold the pipes open). */
#define EXIT_GRACE_SECONDS 1.0
#define POLL_INTERVAL_MS 100

typedef enum { KILLED_NONE, KILLED_TIMEOUT, KILLED_MEMORY, KILLED_PROTOCOL } kill_reason;

typedef struct {
	lg_workload_result *result;
	lg_proc proc;
	lg_proto_reader reader;
	lg_proto_session session;
	char calls_arg[32];
	char duration_arg[32];
	const char *argv[7];
	double started;
	double exited_at;
	kill_reason killed;
	long long peak_rss;
	char *protocol_error;
} slot;

static const char *const child_env[] = {
	/* Output reaches the tails even when the workload crashes. */
	"PYTHONUNBUFFERED=1",
	/* A crash prints the Python stack to stderr, into the report. */
	"PYTHONFAULTHANDLER=1",
	NULL
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int slot_start(slot *s, lg_workload_result *r)
{
	lg_proc proc = LG_PROC_INIT;
	lg_proto_reader reader = LG_PROTO_READER_INIT;
	const lg_workload *wl = &r->workload;
	char reason[256];
	int rc;

	memset(s, 0, sizeof(*s));
	s->result = r;
	s->proc = proc;
	s->reader = reader;
	lg_proto_session_init(&s->session, r);
	snprintf(s->calls_arg, sizeof(s->calls_arg), "%lld",
		 (long long)wl->max_calls);
	snprintf(s->duration_arg, sizeof(s->duration_arg), "%.3f", wl->duration);
	s->argv[0] = wl->python;
	s->argv[1] = "-c";
	s->argv[2] = lg_agent_source();
	s->argv[3] = wl->target;
	s->argv[4] = s->calls_arg;
	s->argv[5] = s->duration_arg;
	s->argv[6] = NULL;
	s->proc.argv = s->argv;
	s->proc.env = child_env;
	s->proc.channel_fd = LG_PROTO_FD;
	s->started = now();
	rc = lg_proc_start(&s->proc);
	if (rc < 0) {
		snprintf(reason, sizeof(reason), "%s", lg_error_last());
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
	lg_proc_kill(&s->proc);
}

static int handle_records(slot *s)
{
	lg_record rec;
	int rc;

	while ((rc = lg_proto_reader_next(&s->reader, &rec)) == 1) {
		rc = lg_proto_session_apply(&s->session, &rec);
		lg_record_dispose(&rec);
		if (rc < 0)
			break;
	}
	if (rc == LG_ENOMEM)
		return rc;
	if (rc < 0 && !s->protocol_error) {
		s->protocol_error = strdup(lg_error_last());
		if (!s->protocol_error)
			return LG_ENOMEM;
		slot_kill(s, KILLED_PROTOCOL);
	}
	return 0;
}

/* Drain one nonblocking fd; closes it at EOF. */
static int drain(slot *s, int *fd)
{
	char chunk[65536];
	ssize_t n;
	int rc = 0;

	/* Bounded, so a workload that prints without pause cannot starve the
	 * other children or the deadline checks. */
	for (int reads = 0; reads < 16; reads++) {
		n = read(*fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			return 0;
		}
		if (fd == &s->proc.out_fd)
			rc = lg_tail_add(&s->result->out, chunk, (size_t)n);
		else if (fd == &s->proc.err_fd)
			rc = lg_tail_add(&s->result->err, chunk, (size_t)n);
		else if (!s->protocol_error &&
			 (rc = lg_proto_reader_feed(&s->reader, chunk, (size_t)n)) == 0)
			rc = handle_records(s);
		if (rc < 0)
			return rc;
	}
	return 0;
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

/* The last non-empty line of the stderr tail: why an interpreter failed. */
/* The line of stderr that says most about a crash: faulthandler's innermost
 * frame outside the agent (PYTHONFAULTHANDLER is set), else the last line. */
static void crash_line(char *out, size_t size, const lg_workload_result *r)
{
	const char *text = lg_buf_cstr(&r->err.data);
	const char *at = strstr(text, "(most recent call first):\n");
	size_t end = r->err.data.len, start;

	for (const char *p = at; p && (p = strchr(p, '\n')) && p[1] == ' '; ) {
		const char *frame = p + 1 + strspn(p + 1, " ");

		p = strchr(frame, '\n');
		if (strncmp(frame, "File \"<string>\"", 15) != 0) {
			snprintf(out, size, "%.*s", p ? (int)(p - frame) : (int)strlen(frame), frame);
			return;
		}
	}
	while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && text[start - 1] != '\n')
		start--;
	snprintf(out, size, "%.*s", (int)(end - start), text + start);
}

static int64_t calls_so_far(const lg_workload_result *r)
{
	return r->series.count ? r->series.samples[r->series.count - 1].calls : 0;
}

/* Turn how the child ended into the result's outcome and detail. */
static int slot_conclude(slot *s, const lg_runner_options *opts)
{
	lg_workload_result *r = s->result;
	const lg_workload *wl = &r->workload;
	char status[128], line[512], calls[32];
	int rc = 0;

	r->seconds = now() - s->started;
	lg_proc_describe_status(status, sizeof(status), s->proc.status);
	snprintf(calls, sizeof(calls), "%lld", (long long)calls_so_far(r));
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
		rc = set_detail(r, "%s", s->protocol_error);
		break;
	case KILLED_NONE:
		if (s->session.state == LG_SESSION_ENDED)
			break;
		crash_line(line, sizeof(line), r);
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
	rc = lg_judge(r, &opts->fit);
	return rc == LG_ENOMEM ? rc : 0;
}

static void slot_dispose(slot *s)
{
	lg_proc_kill(&s->proc);
	lg_proc_finish(&s->proc);
	lg_proto_reader_dispose(&s->reader);
	free(s->protocol_error);
	s->protocol_error = NULL;
	s->result = NULL;
}

static int slot_open(const slot *s)
{
	return s->proc.out_fd >= 0 || s->proc.err_fd >= 0 || s->proc.channel >= 0;
}

/* Deadlines, memory and exit; 1 when the slot is finished. */
static int slot_check(slot *s, double t)
{
	const lg_workload *wl = &s->result->workload;

	if (!s->proc.exited && lg_proc_poll(&s->proc))
		s->exited_at = t;
	if (!s->proc.exited) {
		if (t - s->started > wl->timeout)
			slot_kill(s, KILLED_TIMEOUT);
		if (wl->memory_limit_mb > 0) {
			long long rss = lg_proc_rss(&s->proc);

			if (rss > s->peak_rss)
				s->peak_rss = rss;
			if (rss > (long long)wl->memory_limit_mb << 20)
				slot_kill(s, KILLED_MEMORY);
		}
		return 0;
	}
	return !slot_open(s) || t - s->exited_at > EXIT_GRACE_SECONDS;
}

int lg_runner_run(lg_run_result *out, const lg_workload *workloads,
		  size_t count, const lg_runner_options *opts)
{
	int jobs = opts->jobs > 0 ? opts->jobs : 1;
	slot *slots = NULL;
	struct pollfd *fds = NULL;
	size_t next = 0, done = 0, active = 0;
	double run_start = now();
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->started = time(NULL);
	if ((size_t)jobs > count)
		jobs = count ? (int)count : 1;
	out->items = calloc(count ? count : 1, sizeof(*out->items));
	slots = calloc((size_t)jobs, sizeof(*slots));
	fds = calloc((size_t)jobs * 3, sizeof(*fds));
	if (!out->items || !slots || !fds) {
		lg_error_set("out of memory");
		rc = LG_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < count; i++) {
		if ((rc = lg_workload_result_init(&out->items[i], &workloads[i],
						  opts->tail_limit)) < 0)
			goto done;
		out->count = i + 1;
	}

	while (done < count) {
		size_t nfds = 0;
		double t;

		for (int j = 0; j < jobs && next < count; j++) {
			if (slots[j].result)
				continue;
			rc = slot_start(&slots[j], &out->items[next]);
			if (rc < 0)
				goto done;
			if (opts->progress)
				opts->progress(opts->progress_ctx, &out->items[next],
					       done, count, 0);
			next++;
			if (rc == 1) {
				/* Could not even start: judged at once. */
				slots[j].result->seconds = 0;
				if ((rc = lg_judge(slots[j].result, &opts->fit)) == LG_ENOMEM)
					goto done;
				rc = 0;
				done++;
				if (opts->progress)
					opts->progress(opts->progress_ctx,
						       slots[j].result, done, count, 1);
				slot_dispose(&slots[j]);
				j--;
				continue;
			}
			active++;
		}
		for (int j = 0; j < jobs; j++) {
			int *ends[3] = { &slots[j].proc.out_fd, &slots[j].proc.err_fd,
					 &slots[j].proc.channel };

			if (!slots[j].result)
				continue;
			for (int k = 0; k < 3; k++) {
				if (*ends[k] < 0)
					continue;
				fds[nfds].fd = *ends[k];
				fds[nfds].events = POLLIN;
				fds[nfds].revents = 0;
				nfds++;
			}
		}
		if (active && poll(fds, nfds, POLL_INTERVAL_MS) < 0 && errno != EINTR) {
			rc = lg_error_set_os("poll failed");
			goto done;
		}
		t = now();
		for (int j = 0; j < jobs; j++) {
			slot *s = &slots[j];

			if (!s->result)
				continue;
			if ((s->proc.out_fd >= 0 && (rc = drain(s, &s->proc.out_fd)) < 0) ||
			    (s->proc.err_fd >= 0 && (rc = drain(s, &s->proc.err_fd)) < 0) ||
			    (s->proc.channel >= 0 && (rc = drain(s, &s->proc.channel)) < 0))
				goto done;
			if (!slot_check(s, t))
				continue;
			lg_proc_finish(&s->proc);
			if ((rc = slot_conclude(s, opts)) < 0)
				goto done;
			done++;
			active--;
			if (opts->progress)
				opts->progress(opts->progress_ctx, s->result, done,
					       count, 1);
			slot_dispose(s);
		}
	}

done:
	for (int j = 0; slots && j < jobs; j++)
		if (slots[j].result)
			slot_dispose(&slots[j]);
	free(slots);
	free(fds);
	out->seconds = now() - run_start;
	return rc;
}

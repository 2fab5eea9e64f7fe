/* Reading a child's pipes into its session (child.h). */
#include "leakgate/child.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"

#define READS_PER_DRAIN 16 /* reads of 64 KiB per pipe and drain */

void lg_child_init(lg_child *c)
{
	lg_proc proc = LG_PROC_INIT;
	lg_proto_reader reader = LG_PROTO_READER_INIT;

	memset(c, 0, sizeof(*c));
	c->proc = proc;
	c->reader = reader;
}

void lg_child_begin_session(lg_child *c, lg_session *session)
{
	c->session = session;
	c->record_bytes = 0;
	free(c->protocol_error);
	c->protocol_error = NULL;
}

int lg_child_open(const lg_child *c)
{
	return c->proc.out_fd >= 0 || c->proc.err_fd >= 0 || c->proc.channel >= 0;
}

size_t lg_child_poll_fds(const lg_child *c, struct pollfd *fds)
{
	const int ends[LG_CHILD_FDS] = { c->proc.out_fd, c->proc.err_fd, c->proc.channel };
	size_t n = 0;

	for (int k = 0; k < LG_CHILD_FDS; k++) {
		if (ends[k] < 0)
			continue;
		fds[n].fd = ends[k];
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

/* The records made no sense (lg_error_last says why): the child is done. */
static int protocol_failure(lg_child *c)
{
	if (c->protocol_error)
		return 0;
	if (!(c->protocol_error = strdup(lg_error_last())))
		return lg_error_oom();
	lg_error_clear();
	lg_proc_kill(&c->proc);
	return 0;
}

int lg_child_feed(lg_child *c, const char *data, size_t n)
{
	lg_record rec;
	int rc;

	if (c->protocol_error)
		return 0;
	c->record_bytes += n;
	if (c->record_bytes > LG_PROTO_MAX_BYTES) {
		lg_error_set("protocol: more than %d MiB of records", LG_PROTO_MAX_BYTES >> 20);
		return protocol_failure(c);
	}
	if ((rc = lg_proto_reader_feed(&c->reader, data, n)) < 0)
		return rc == LG_ENOMEM ? rc : protocol_failure(c);
	while ((rc = lg_proto_reader_next(&c->reader, &rec)) == 1) {
		rc = lg_session_apply(c->session, &rec);
		if (rc == 0 && c->heard)
			rc = c->heard(c->heard_ctx, &rec);
		lg_record_dispose(&rec);
		if (rc < 0)
			break;
	}
	if (rc == LG_ENOMEM)
		return rc;
	return rc < 0 ? protocol_failure(c) : 0;
}

int lg_child_drain(lg_child *c)
{
	int *ends[LG_CHILD_FDS] = { &c->proc.out_fd, &c->proc.err_fd, &c->proc.channel };
	lg_tail *tails[LG_CHILD_FDS] = { c->out, c->err, NULL };
	char chunk[65536];
	size_t n;
	int rc = 0;

	for (int k = 0; k < LG_CHILD_FDS; k++) {
		for (int reads = 0; reads < READS_PER_DRAIN && *ends[k] >= 0; reads++) {
			if ((n = lg_proc_read_available(ends[k], chunk, sizeof(chunk))) == 0)
				break;
			if (ends[k] == &c->proc.channel)
				rc = lg_child_feed(c, chunk, n);
			else if (tails[k])
				rc = lg_tail_add(tails[k], chunk, n);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int lg_child_wait(lg_child *c, double timeout)
{
	double deadline = lg_proc_clock() + timeout;
	struct pollfd fds[LG_CHILD_FDS];
	int rc;

	while (lg_child_open(c)) {
		if (lg_proc_clock() > deadline) {
			lg_proc_kill(&c->proc);
			lg_error_set("no result after %g s (timeout)", timeout);
			return LG_EINVALID;
		}
		if (poll(fds, lg_child_poll_fds(c, fds), LG_CHILD_POLL_MS) < 0 &&
		    errno != EINTR)
			return lg_error_set_os("poll failed");
		if ((rc = lg_child_drain(c)) < 0)
			return rc;
	}
	return 0;
}

void lg_child_end(lg_child *c)
{
	lg_proto_reader reader = LG_PROTO_READER_INIT;

	lg_proc_kill(&c->proc);
	lg_proc_finish(&c->proc);
	lg_proto_reader_dispose(&c->reader);
	c->reader = reader;
}

void lg_child_dispose(lg_child *c)
{
	if (!c)
		return;
	lg_child_end(c);
	free(c->protocol_error);
	c->protocol_error = NULL;
}

void lg_child_stderr_line(char *out, size_t size, const lg_tail *err)
{
	const char *text = lg_buf_cstr(&err->data);
	const char *at = strstr(text, "(most recent call first):\n");
	size_t end = err->data.len, start;

	for (const char *p = at; p && (p = strchr(p, '\n')) && p[1] == ' '; ) {
		const char *frame = p + 1 + strspn(p + 1, " ");

		p = strchr(frame, '\n');
		if (strncmp(frame, "File \"<string>\"", 15) != 0 &&
		    strncmp(frame, "File \"<leakgate>/", 17) != 0) {
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

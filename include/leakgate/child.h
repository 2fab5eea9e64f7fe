#ifndef LEAKGATE_CHILD_H
#define LEAKGATE_CHILD_H

#include <poll.h>
#include <stddef.h>

#include "leakgate/buf.h"
#include "leakgate/proc.h"
#include "leakgate/proto.h"
#include "leakgate/session.h"

/*
 * A child that speaks the record protocol (proto.h), and the session its
 * records drive (session.h): the one driver of every child leakgate
 * starts. The runner reads its slots' children through it, many at once
 * (lg_child_poll_fds, then lg_child_drain); a pytest suite's collection
 * reads its one child to the end (lg_child_wait); the fuzz target feeds it
 * bytes as the record pipe would (lg_child_feed). Records that make no
 * sense (a broken order, a bad field, over LG_PROTO_MAX_BYTES) end the
 * child: protocol_error says why, and no later record is read.
 */

/* Told of every record the session took, in order: what the caller learns
 * besides (the runner: the interpreter, a serving child's hello). A
 * negative return is a protocol failure, LG_ENOMEM aside. */
typedef int (*lg_child_heard_fn)(void *ctx, const lg_record *rec);

typedef struct {
	lg_proc proc;
	lg_proto_reader reader;
	lg_session *session;    /* borrowed: where the records go */
	lg_tail *out;           /* the child's stdout; NULL: read and dropped */
	lg_tail *err;           /* its stderr; NULL: read and dropped */
	lg_child_heard_fn heard;
	void *heard_ctx;
	size_t record_bytes;    /* read from the record pipe this session */
	char *protocol_error;   /* why the records made no sense; NULL */
} lg_child;

#define LG_CHILD_FDS 3 /* stdout, stderr, the record pipe */
/* How long a poll() of children's pipes waits at most: deadlines, exits
 * and the progress clock are checked at least this often. */
#define LG_CHILD_POLL_MS 100

void lg_child_init(lg_child *c);

/* The child's next session (a serving child's next test): records go to
 * session, the bound on their bytes counts anew, no protocol error. */
void lg_child_begin_session(lg_child *c, lg_session *session);

/* Any of its pipes still open. */
int lg_child_open(const lg_child *c);

/* Its open pipes into fds (at most LG_CHILD_FDS, events POLLIN); the
 * number filled. */
size_t lg_child_poll_fds(const lg_child *c, struct pollfd *fds);

/* Bytes of the record pipe: split into records and applied. 0, also on a
 * protocol failure (the child is killed); LG_ENOMEM. */
int lg_child_feed(lg_child *c, const char *data, size_t n);

/* Read what its pipes hold, a bounded amount, so that a child that
 * prints without pause cannot starve the others; closes a pipe at EOF.
 * 0, or LG_ENOMEM. */
int lg_child_drain(lg_child *c);

/* Drain the child until its pipes close: 0; killed after timeout seconds
 * (LG_EINVALID, "no result after N s (timeout)"); LG_EOS, LG_ENOMEM. */
int lg_child_wait(lg_child *c, double timeout);

/* Kill and reap the child; its reader forgets any torn record. Its
 * protocol error stays until the next session. */
void lg_child_end(lg_child *c);

void lg_child_dispose(lg_child *c);

/* The line of a child's stderr that says most about how it ended, into
 * out: faulthandler's innermost frame outside the agent (with
 * PYTHONFAULTHANDLER set), else the last line. */
void lg_child_stderr_line(char *out, size_t size, const lg_tail *err);

#endif

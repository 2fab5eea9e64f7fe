#ifndef LEAKGATE_ERROR_H
#define LEAKGATE_ERROR_H

/*
 * Errors: functions return 0 on success or one of the negative codes below;
 * the human-readable message is kept per thread and read with lg_error_last().
 * Modules set the message where the failure is detected and pass the code up
 * unchanged (libgit2 style). Project-wide, a returned int is negative for an
 * error, 0 when done, and positive only for a named non-error outcome: one
 * of the two below, or 1 from a lookup or a reader that found one
 * (lg_proto_reader_next, lg_baseline_locate), as libgit2's do; each such
 * function says so where it is declared.
 */

enum {
	LG_OK = 0,
	LG_ERROR = -1,    /* generic failure */
	LG_ENOMEM = -2,   /* allocation failed */
	LG_EINVALID = -3, /* bad input: arguments, configuration, values */
	LG_EOS = -4,      /* a system call failed */
	LG_EPROTO = -5,   /* the agent broke the wire protocol */
	LG_ENOTFOUND = -6 /* a file, key, revision or object does not exist */
};

#define LG_NOT_MINE 1 /* positive: this input is not for me; try the next handler */
/* positive: handled completely here (e.g. --help printed); the caller has
 * nothing left to do and succeeds */
#define LG_HANDLED 2

/* Set the message for the current thread (printf-style); returns LG_ERROR
 * so callers can write `return lg_error_set(...)` when no better code fits. */
int lg_error_set(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Like lg_error_set but appends ": strerror(errno)". */
int lg_error_set_os(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * A libgit2 call failed: "<fmt...>: <libgit2's message>", and the code for
 * what failed: LG_ENOMEM, LG_EOS (a system call), LG_EINVALID (a bad
 * configuration text), else LG_ERROR.
 */
int lg_error_git(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Sets "out of memory" and returns LG_ENOMEM: `return lg_error_oom();`. */
int lg_error_oom(void);
/* The last message set on this thread; never NULL ("" when none). */
const char *lg_error_last(void);

void lg_error_clear(void);

#endif

#ifndef LEAKGATE_BUF_H
#define LEAKGATE_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A growable NUL-terminated byte string (git's strbuf, reduced). */
typedef struct {
	char *ptr; /* NULL until something is added */
	size_t len;
	size_t cap;
} lg_buf;

#define LG_BUF_INIT { .ptr = NULL, .len = 0, .cap = 0 }

int lg_buf_add(lg_buf *b, const char *data, size_t len);
int lg_buf_puts(lg_buf *b, const char *s);
int lg_buf_printf(lg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Empty again, the memory kept, still NUL-terminated. */
void lg_buf_clear(lg_buf *b);
/* "" when empty, never NULL; borrowed. */
const char *lg_buf_cstr(const lg_buf *b);
/* Hand the string to the caller (free() it); the buffer is left empty. */
char *lg_buf_detach(lg_buf *b);
void lg_buf_dispose(lg_buf *b);

/*
 * *field becomes a copy of value (NULL stays NULL) and its old string is
 * freed; on LG_ENOMEM (lg_error_oom) *field is unchanged.
 */
int lg_string_set(char **field, const char *value);

/*
 * The last `limit` bytes of a stream (a workload's stdout or stderr):
 * older bytes are dropped and counted.
 */
typedef struct {
	lg_buf data;
	size_t limit;
	size_t dropped;
} lg_tail;

#define LG_TAIL_INIT(bytes) { .data = LG_BUF_INIT, .limit = (bytes) }

int lg_tail_add(lg_tail *t, const char *data, size_t len);
void lg_tail_dispose(lg_tail *t);

#endif

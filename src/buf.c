#include "leakgate/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"

static int grow(lg_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap = b->cap ? b->cap : 64;
	char *p;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(b->ptr, cap);
	if (!p)
		return lg_error_oom();
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int lg_buf_add(lg_buf *b, const char *data, size_t len)
{
	int rc = grow(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int lg_buf_puts(lg_buf *b, const char *s)
{
	return lg_buf_add(b, s, strlen(s));
}

int lg_buf_printf(lg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return lg_error_set("cannot format '%s'", fmt);
	rc = grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void lg_buf_clear(lg_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

const char *lg_buf_cstr(const lg_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *lg_buf_detach(lg_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void lg_buf_dispose(lg_buf *b)
{
	if (!b)
		return;
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

int lg_string_set(char **field, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		return lg_error_oom();
	free(*field);
	*field = copy;
	return 0;
}

int lg_tail_add(lg_tail *t, const char *data, size_t len)
{
	size_t keep;

	if (len >= t->limit) {
		t->dropped += t->data.len + (len - t->limit);
		t->data.len = 0;
		return lg_buf_add(&t->data, data + (len - t->limit), t->limit);
	}
	if (t->data.len + len > t->limit) {
		keep = t->limit - len;
		t->dropped += t->data.len - keep;
		memmove(t->data.ptr, t->data.ptr + (t->data.len - keep), keep);
		t->data.len = keep;
	}
	return lg_buf_add(&t->data, data, len);
}

void lg_tail_dispose(lg_tail *t)
{
	if (!t)
		return;
	lg_buf_dispose(&t->data);
	t->dropped = 0;
}

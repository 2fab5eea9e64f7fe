#ifndef LEAKGATE_PARSE_H
#define LEAKGATE_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Strict number parsing for the command line and the configuration file:
 * the whole string must be the number (no trailing text, no blanks), decimal
 * point '.', whatever the locale. LG_EINVALID (no message: callers name the
 * option or key) on anything else, including inf/nan and overflow.
 */
int lg_parse_double(double *out, const char *s);
int lg_parse_i64(int64_t *out, const char *s);
/* The same for the len bytes at s (a list item, a line's field). */
int lg_parse_i64n(int64_t *out, const char *s, size_t len);

#endif

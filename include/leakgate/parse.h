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

/*
 * A memory size in MiB (--memory-limit, memory-limit =): a bare whole
 * number is MiB; with a unit, a number (decimals allowed) and one of
 * M, G, T (MiB, GiB, TiB; "MiB", "GB" and lower case read the same):
 * "512", "512M", "2G", "1.5G". Rounded to the nearest MiB; a size with a
 * unit below 1 MiB, or past LG_PARSE_SIZE_MAX_MB, is LG_EINVALID.
 */
int lg_parse_size_mb(int64_t *out, const char *s);

#define LG_PARSE_SIZE_MAX_MB ((int64_t)1 << 40)

#endif

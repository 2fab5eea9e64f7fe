#include "leakgate/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leakgate/error.h"

int lg_parse_double(double *out, const char *s)
{
	char *end;
	double v;

	/* strtod would skip leading blanks and accept "inf", "nan", hex. */
	if (!s || !(isdigit((unsigned char)*s) || *s == '-' || *s == '+' || *s == '.'))
		return LG_EINVALID;
	for (const char *p = s; *p; p++)
		if (!(isdigit((unsigned char)*p) || *p == '.' || *p == '-' ||
		      *p == '+' || *p == 'e' || *p == 'E'))
			return LG_EINVALID;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return LG_EINVALID;
	*out = v;
	return 0;
}

/* A whole number in base 10, optionally signed, all of s[0..len): no
 * blanks, no overflow. Read in place, not copied for strtoll: a JUnit file
 * of 10,000 workloads has 800,000 of them. */
static int parse_i64(int64_t *out, const char *s, size_t len)
{
	uint64_t v = 0, limit;
	size_t i = 0;
	int negative = 0;

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		negative = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return LG_EINVALID;
	limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (limit - d) / 10)
			return LG_EINVALID;
		v = v * 10 + d;
	}
	*out = negative ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int lg_parse_i64(int64_t *out, const char *s)
{
	return s ? parse_i64(out, s, strlen(s)) : LG_EINVALID;
}

/* As before it read in place, at most 31 bytes. */
int lg_parse_i64n(int64_t *out, const char *s, size_t len)
{
	return len < 32 ? parse_i64(out, s, len) : LG_EINVALID;
}

int lg_parse_size_mb(int64_t *out, const char *s)
{
	static const struct {
		char unit;
		double mb;
	} units[] = { { 'm', 1 }, { 'g', 1024 }, { 't', 1024.0 * 1024 } };
	char number[64];
	size_t len = s ? strspn(s, "0123456789.") : 0;
	const char *suffix = s ? s + len : NULL;
	double v, scale = 0;
	int64_t whole;

	if (!s || len == 0 || len >= sizeof(number))
		return LG_EINVALID;
	if (!*suffix) {
		if (lg_parse_i64(&whole, s) < 0 || whole > LG_PARSE_SIZE_MAX_MB)
			return LG_EINVALID;
		*out = whole;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
		if (tolower((unsigned char)*suffix) == units[i].unit)
			scale = units[i].mb;
	/* After the letter: nothing, "B" or "iB". */
	if (!scale || !(suffix[1] == '\0' || strcasecmp(suffix + 1, "b") == 0 ||
			strcasecmp(suffix + 1, "ib") == 0))
		return LG_EINVALID;
	memcpy(number, s, len);
	number[len] = '\0';
	if (lg_parse_double(&v, number) < 0 || v * scale < 0.5 ||
	    v * scale > (double)LG_PARSE_SIZE_MAX_MB)
		return LG_EINVALID;
	*out = (int64_t)llround(v * scale);
	return 0;
}

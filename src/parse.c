#include "leakgate/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

int lg_parse_i64(int64_t *out, const char *s)
{
	char *end;
	long long v;

	if (!s || !(isdigit((unsigned char)*s) || *s == '-' || *s == '+'))
		return LG_EINVALID;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return LG_EINVALID;
	*out = v;
	return 0;
}

int lg_parse_i64n(int64_t *out, const char *s, size_t len)
{
	char digits[32];

	if (len == 0 || len >= sizeof(digits))
		return LG_EINVALID;
	memcpy(digits, s, len);
	digits[len] = '\0';
	return lg_parse_i64(out, digits);
}

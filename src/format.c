#include "leakgate/format.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *lg_format_integer(char *out, size_t size, int64_t n)
{
	char digits[24];
	uint64_t mag = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
	size_t i = sizeof(digits) - 1, len;

	digits[i] = '\0';
	do
		digits[--i] = (char)('0' + mag % 10);
	while ((mag /= 10) != 0);
	if (n < 0)
		digits[--i] = '-';
	if (size == 0)
		return out;
	len = sizeof(digits) - 1 - i;
	if (len >= size)
		len = size - 1;
	memcpy(out, digits + i, len);
	out[len] = '\0';
	return out;
}

char *lg_format_count(char *out, size_t size, int64_t n)
{
	char number[24];
	char grouped[48];
	const char *digits = lg_format_integer(number, sizeof(number), n) + (n < 0);
	size_t len = strlen(digits), j = 0;

	if (n < 0)
		grouped[j++] = '-';
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			grouped[j++] = ',';
		grouped[j++] = digits[i];
	}
	grouped[j] = '\0';
	snprintf(out, size, "%s", grouped);
	return out;
}

char *lg_format_number(char *out, size_t size, double v)
{
	char tmp[64];
	int decimals;
	double mag = fabs(v);
	char *end;

	if (!isfinite(v)) {
		snprintf(out, size, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
		return out;
	}
	/* Three significant digits below 1000, whole numbers above. */
	if (mag >= 100 || mag == 0)
		decimals = 0;
	else if (mag >= 10)
		decimals = 1;
	else if (mag >= 1)
		decimals = 2;
	else
		decimals = 2 - (int)floor(log10(mag));
	if (decimals > 9)
		decimals = 9;
	snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (strchr(tmp, '.')) {
		end = tmp + strlen(tmp) - 1;
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	if (strcmp(tmp, "-0") == 0)
		strcpy(tmp, "0");
	snprintf(out, size, "%s", tmp);
	return out;
}

/* The en dash (U+2013) between interval bounds, as UTF-8 bytes. */
#define EN_DASH "\xe2\x80\x93"

char *lg_format_rate(char *out, size_t size, double slope, double ci_low,
		     double ci_high, const lg_metric_info *info,
		     double confidence, unsigned flags)
{
	char level[LG_FORMAT_NUMBER_SIZE], rate[LG_FORMAT_NUMBER_SIZE],
	     low[LG_FORMAT_NUMBER_SIZE], high[LG_FORMAT_NUMBER_SIZE];
	int name = (flags & LG_FORMAT_RATE_NAME) != 0;
	int units = (flags & LG_FORMAT_RATE_UNITS) != 0;

	lg_format_number(level, sizeof(level), confidence * 100);
	lg_format_number(rate, sizeof(rate), slope);
	lg_format_number(low, sizeof(low), ci_low);
	lg_format_number(high, sizeof(high), ci_high);
	snprintf(out, size, "%s%s%s %s/call (%s%% CI %s" EN_DASH "%s%s%s)",
		 name ? info->name : "", name ? ": " : "", rate, info->unit,
		 level, low, high, units ? " " : "", units ? info->units : "");
	return out;
}

char *lg_format_seconds(char *out, size_t size, double seconds)
{
	snprintf(out, size, "%.3f", seconds);
	return out;
}

/* The part of path below dir ("" for dir itself), or NULL when outside it. */
static const char *below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		n = 0; /* the root: every absolute path is inside it */
	else if (strncmp(path, dir, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	while (path[n] == '/')
		n++;
	return path + n;
}

char *lg_format_path(char *out, size_t size, const char *path)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd))) {
		snprintf(out, size, "%s", path ? path : "");
		return out;
	}
	return lg_format_path_from(out, size, path, cwd);
}

char *lg_format_path_from(char *out, size_t size, const char *path,
			  const char *dir)
{
	const char *rel;
	char *real, *real_dir = NULL;

	if (!path)
		path = "";
	if (path[0] != '/' || !dir || dir[0] != '/') {
		snprintf(out, size, "%s", path);
		return out;
	}
	rel = below(path, dir);
	if (rel) {
		snprintf(out, size, "%s", *rel ? rel : ".");
		return out;
	}
	/* Reached through a symlink to the directory, or dir is one. */
	real = realpath(path, NULL);
	if (real)
		real_dir = realpath(dir, NULL);
	rel = real ? below(real, real_dir ? real_dir : dir) : NULL;
	snprintf(out, size, "%s", rel ? (*rel ? rel : ".") : path);
	free(real);
	free(real_dir);
	return out;
}

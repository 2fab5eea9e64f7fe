#ifndef LEAKGATE_FORMAT_H
#define LEAKGATE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "leakgate/metric.h"

/*
 * Numbers for people, independent of the locale (the program never calls
 * setlocale, and these never use thousands separators from it).
 * Each writes a NUL-terminated string into out (truncating) and returns out.
 * LG_FORMAT_NUMBER_SIZE holds any count, number or seconds.
 */
#define LG_FORMAT_NUMBER_SIZE 48

/* -4000 -> "-4000", without printf: async-signal-safe, and cheap where
 * a file holds 800,000 numbers (junit.c). */
char *lg_format_integer(char *out, size_t size, int64_t n);

/* 4000 -> "4,000" */
char *lg_format_count(char *out, size_t size, int64_t n);

/* A value with up to 3 significant decimals, trailing zeros trimmed:
 * 312 -> "312", 0.5 -> "0.5", 1.25 -> "1.25", 0.0004 -> "0.0004". */
char *lg_format_number(char *out, size_t size, double v);

/* Seconds for reports: 1.2345 -> "1.235" (fixed 3 decimals). */
char *lg_format_seconds(char *out, size_t size, double seconds);

/*
 * A growth rate with its confidence interval, the numbers as
 * lg_format_number gives them: "312 B/call (95% CI 305–320)" for a slope of
 * 312, an interval of 305 to 320 and a confidence of 0.95. flags add to it:
 *   LG_FORMAT_RATE_NAME   the metric first: "heap_bytes: 312 B/call (...)"
 *   LG_FORMAT_RATE_UNITS  the unit after the interval: "(95% CI 305–320 B)"
 * LG_FORMAT_RATE_SIZE holds any rate of any metric.
 */
#define LG_FORMAT_RATE_NAME  (1u << 0)
#define LG_FORMAT_RATE_UNITS (1u << 1)
#define LG_FORMAT_RATE_SIZE  512

char *lg_format_rate(char *out, size_t size, double slope, double ci_low,
		     double ci_high, const lg_metric_info *info,
		     double confidence, unsigned flags);

/* A source path for reports: relative to the current directory when it lies
 * inside it ("/repo/tests/x.py" run from /repo -> "tests/x.py"; the directory
 * itself -> "."), else unchanged; symlinks are resolved when needed to tell.
 * NULL gives "". */
char *lg_format_path(char *out, size_t size, const char *path);

/* The same relative to dir (an absolute directory, such as a repository
 * root) instead of the current directory. */
char *lg_format_path_from(char *out, size_t size, const char *path,
			  const char *dir);

#endif

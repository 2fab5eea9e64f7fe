#ifndef LEAKGATE_FORMAT_H
#define LEAKGATE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Numbers for people, independent of the locale (the program never calls
 * setlocale, and these never use thousands separators from it).
 * Each writes a NUL-terminated string into out (truncating) and returns out.
 */

/* 4000 -> "4,000" */
char *lg_format_count(char *out, size_t size, int64_t n);

/* A value with up to 3 significant decimals, trailing zeros trimmed:
 * 312 -> "312", 0.5 -> "0.5", 1.25 -> "1.25", 0.0004 -> "0.0004". */
char *lg_format_number(char *out, size_t size, double v);

/* Seconds for reports: 1.2345 -> "1.235" (fixed 3 decimals). */
char *lg_format_seconds(char *out, size_t size, double seconds);

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

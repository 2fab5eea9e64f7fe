#ifndef LEAKGATE_FILE_H
#define LEAKGATE_FILE_H

#include <stddef.h>

/*
 * Whole files for the report writers: never a half-written file (write to
 * "<path>.tmp.<pid>", then rename), and appends for files another program
 * owns (GITHUB_STEP_SUMMARY). Errors name the path.
 */

/* Replace path with len bytes of data. */
int lg_file_write_atomic(const char *path, const char *data, size_t len);

/* Append len bytes of data to path, creating it when missing. */
int lg_file_append(const char *path, const char *data, size_t len);

/* Create dir and its missing parents (mode 0777 before the umask). */
int lg_file_mkdirs(const char *dir);

#endif

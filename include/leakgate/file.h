#ifndef LEAKGATE_FILE_H
#define LEAKGATE_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "leakgate/buf.h"

/*
 * Where the reports rendered into buffers go, for the command layer: whole
 * files, never half written (written to "<path>.tmp.<pid>", then renamed;
 * a device or a pipe such as /dev/null or /dev/stdout is written as it is);
 * appends for files another program owns (GITHUB_STEP_SUMMARY); a stream
 * such as standard output. Errors name the path.
 */

/* Replace path with len bytes of data. Messages say "cannot write
 * '<path>'", or with the _named form "cannot write <what> '<path>'". */
int lg_file_write_atomic(const char *path, const char *data, size_t len);
int lg_file_write_atomic_named(const char *path, const char *what,
			       const char *data, size_t len);

/* Append len bytes of data to path, creating it when missing. */
int lg_file_append(const char *path, const char *data, size_t len);

/* All len bytes of data to out, flushed; "cannot write <what>: <why>". */
int lg_file_put(FILE *out, const char *data, size_t len, const char *what);

/* All len bytes of data to fd, EINTR retried; -1 with errno on failure
 * (no message: the caller names the file). */
int lg_file_write_fd(int fd, const void *data, size_t len);

/* The whole file at path appended to out; "cannot read '<path>'". */
int lg_file_read(lg_buf *out, const char *path);

/* Create dir and its missing parents (mode 0777 before the umask). */
int lg_file_mkdirs(const char *dir);

#endif

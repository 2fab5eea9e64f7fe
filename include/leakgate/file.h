#ifndef LEAKGATE_FILE_H
#define LEAKGATE_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "leakgate/buf.h"

/*
 * Where the reports rendered into buffers go, for the command layer: whole
 * files, never half written (written to ".leakgate.tmp.<pid>.<n>" in the
 * same directory, then renamed; through a symbolic link, its target is
 * replaced; a device or a pipe such as /dev/null or /dev/stdout is written
 * as it is, and a FIFO that nothing reads is an error, not a wait);
 * appends for files another program owns (GITHUB_STEP_SUMMARY); a stream
 * such as standard output. Errors name the path.
 */

/* Replace path with len bytes of data. Messages say "cannot write
 * '<path>'", or with the _named form "cannot write <what> '<path>'". */
int lg_file_write_atomic(const char *path, const char *data, size_t len);
int lg_file_write_atomic_named(const char *path, const char *what,
			       const char *data, size_t len);

/*
 * The same for a file written in pieces (not held whole at once):
 * lg_file_atomic_open creates the temporary file (or opens a device or a
 * pipe), the caller writes to f.fd, and lg_file_atomic_finish(&f, rc)
 * renames it over path when rc is 0, or removes it, returning the error.
 * lg_file_atomic_error: the "cannot write" message from errno, for a
 * failed write.
 */
typedef struct {
	const char *path;
	const char *what;  /* "" or what the file is, for messages */
	const char *space; /* " " after a what */
	lg_buf tmp;        /* its temporary name; none for a device or a pipe */
	lg_buf target;     /* what the rename replaces: path, or its link's target */
	int fd;
} lg_atomic_file;

int lg_file_atomic_open(lg_atomic_file *f, const char *path, const char *what);
int lg_file_atomic_error(const lg_atomic_file *f);
int lg_file_atomic_finish(lg_atomic_file *f, int rc);

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

/* The directory path is in, created when missing (none when path has no
 * slash but at its start). */
int lg_file_mkdir_parent(const char *path);

#endif

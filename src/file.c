#include "leakgate/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"

int lg_file_write_fd(int fd, const void *buf, size_t len)
{
	const char *data = buf;

	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The file a write to path reaches: path, or the end of its chain of
 * symbolic links (which need not exist yet). */
static int write_target(lg_buf *out, const char *path)
{
	char link[4096];
	int rc = lg_buf_puts(out, path);

	for (int hops = 0; rc == 0 && hops < 40; hops++) {
		ssize_t n = readlink(out->ptr, link, sizeof(link) - 1);
		const char *slash;

		if (n < 0)
			return 0; /* not a link (or not there): the target */
		link[n] = '\0';
		slash = strrchr(out->ptr, '/');
		if (link[0] == '/' || !slash) {
			out->len = 0;
		} else {
			out->len = (size_t)(slash - out->ptr) + 1;
		}
		out->ptr[out->len] = '\0';
		rc = lg_buf_puts(out, link);
	}
	if (rc == 0) {
		lg_error_set("cannot write '%s': too many levels of symbolic links", path);
		rc = LG_EINVALID;
	}
	return rc;
}

int lg_file_atomic_open(lg_atomic_file *f, const char *path, const char *what)
{
	static unsigned serial;
	struct stat st;
	const char *slash;
	int rc;

	f->path = path;
	f->what = what ? what : "";
	f->space = what ? " " : "";
	f->tmp = (lg_buf)LG_BUF_INIT;
	f->target = (lg_buf)LG_BUF_INIT;
	f->fd = -1;
	if (!path || !*path) {
		lg_error_set("cannot write %s: no file name", *f->what ? f->what : "a file");
		return LG_EINVALID;
	}
	/* A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written as
	 * it is: it has no contents to keep whole, and renaming over it
	 * would replace it with a file. A FIFO without a reader is an error,
	 * not a wait that no signal ends. */
	if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) ||
				     S_ISSOCK(st.st_mode))) {
		int flags = S_ISFIFO(st.st_mode) ? O_NONBLOCK : 0;

		f->fd = open(path, O_WRONLY | O_CLOEXEC | flags);
		if (f->fd < 0 && errno == ENXIO) {
			lg_error_set("cannot write %s%s'%s': a FIFO that nothing reads",
				     f->what, f->space, path);
			return LG_EOS;
		}
		if (f->fd < 0 || (flags && fcntl(f->fd, F_SETFL, 0) < 0)) {
			rc = lg_file_atomic_error(f);
			if (f->fd >= 0)
				close(f->fd);
			f->fd = -1;
			return rc;
		}
		return 0;
	}
	/* Through a symbolic link to its target, which the rename replaces
	 * (not the link); the temporary name is short, in the target's
	 * directory, so that a name of NAME_MAX bytes still has one. */
	if ((rc = write_target(&f->target, path)) < 0)
		goto fail;
	slash = strrchr(f->target.ptr, '/');
	if ((rc = lg_buf_printf(&f->tmp, "%.*s.leakgate.tmp.%ld.%u",
				slash ? (int)(slash - f->target.ptr + 1) : 0,
				f->target.ptr, (long)getpid(), serial++)) < 0)
		goto fail;
	unlink(f->tmp.ptr); /* a stale file of an earlier process with this pid */
	f->fd = open(f->tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (f->fd < 0) {
		rc = lg_error_set_os("cannot write %s%s'%s': cannot create '%s'",
				     f->what, f->space, path, f->tmp.ptr);
		goto fail;
	}
	return 0;
fail:
	lg_buf_dispose(&f->tmp);
	lg_buf_dispose(&f->target);
	return rc;
}

int lg_file_atomic_error(const lg_atomic_file *f)
{
	return lg_error_set_os("cannot write %s%s'%s'", f->what, f->space, f->path);
}

int lg_file_atomic_finish(lg_atomic_file *f, int rc)
{
	if (close(f->fd) < 0 && rc == 0)
		rc = lg_file_atomic_error(f);
	/* No temporary name: written in place. */
	if (f->tmp.ptr && rc == 0 && rename(f->tmp.ptr, f->target.ptr) < 0)
		rc = lg_error_set_os("cannot write %s%s'%s': cannot rename '%s' "
				     "over it", f->what, f->space, f->path, f->tmp.ptr);
	if (f->tmp.ptr && rc < 0)
		unlink(f->tmp.ptr);
	lg_buf_dispose(&f->tmp);
	lg_buf_dispose(&f->target);
	f->fd = -1;
	return rc;
}

int lg_file_write_atomic_named(const char *path, const char *what,
			       const char *data, size_t len)
{
	lg_atomic_file f;
	int rc = lg_file_atomic_open(&f, path, what);

	if (rc < 0)
		return rc;
	if (lg_file_write_fd(f.fd, data, len) < 0)
		rc = lg_file_atomic_error(&f);
	return lg_file_atomic_finish(&f, rc);
}

int lg_file_write_atomic(const char *path, const char *data, size_t len)
{
	return lg_file_write_atomic_named(path, NULL, data, len);
}

int lg_file_append(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	int rc = 0;

	if (fd < 0)
		return lg_error_set_os("cannot append to '%s'", path);
	if (lg_file_write_fd(fd, data, len) < 0)
		rc = lg_error_set_os("cannot append to '%s'", path);
	if (close(fd) < 0 && rc == 0)
		rc = lg_error_set_os("cannot append to '%s'", path);
	return rc;
}

int lg_file_read(lg_buf *out, const char *path)
{
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return lg_error_set_os("cannot read '%s'", path);
	while (rc == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = lg_error_set_os("cannot read '%s'", path);
		else
			rc = lg_buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	return rc;
}

int lg_file_put(FILE *out, const char *data, size_t len, const char *what)
{
	if ((len && fwrite(data, 1, len, out) != len) || fflush(out) != 0)
		return lg_error_set_os("cannot write %s", what);
	return 0;
}

int lg_file_mkdirs(const char *dir)
{
	char *path = *dir ? strdup(dir) : NULL;
	struct stat st;
	int rc = 0;

	if (!*dir) {
		lg_error_set("cannot create a directory with an empty name");
		return LG_EINVALID;
	}
	if (!path)
		return lg_error_oom();
	/* Each parent in turn, then dir itself (p at the terminating NUL). */
	for (char *p = path + 1; rc == 0; p++) {
		char saved = *p;

		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			rc = lg_error_set_os("cannot create directory '%s'", path);
		else if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			rc = lg_error_set("cannot create directory '%s': "
					  "'%s' is not a directory", dir, path);
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(path);
	return rc;
}

int lg_file_mkdir_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc;

	if (!slash || slash == path)
		return 0;
	if (!(dir = strndup(path, (size_t)(slash - path))))
		return lg_error_oom();
	rc = lg_file_mkdirs(dir);
	free(dir);
	return rc;
}

/*
 * The allocator shim ships inside the binary (src/shim/shim_blob.S); the
 * explain pass needs it as a file for LD_PRELOAD, so it is written to a
 * private directory of its own and removed after the run.
 */
#include "leakgate/explain_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/file.h"

extern const unsigned char lg_shim_so[];
extern const uint64_t lg_shim_so_size;

int lg_explain_shim_install(char **path_out)
{
	const char *tmp = getenv("TMPDIR");
	lg_buf dir = LG_BUF_INIT, path = LG_BUF_INIT;
	int fd = -1, rc;

	*path_out = NULL;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((rc = lg_buf_printf(&dir, "%s/leakgate-shim-XXXXXX", tmp)) < 0)
		return rc;
	if (!mkdtemp(dir.ptr)) {
		lg_error_set_os("cannot create a directory for the allocator "
				     "shim in %s", tmp);
		lg_buf_dispose(&dir);
		return LG_EOS;
	}
	if ((rc = lg_buf_printf(&path, "%s/lgshim.so", dir.ptr)) < 0)
		goto fail;
	fd = open(path.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0500);
	if (fd < 0 || lg_file_write_fd(fd, lg_shim_so, (size_t)lg_shim_so_size) < 0) {
		lg_error_set_os("cannot write the allocator shim '%s'", path.ptr);
		rc = LG_EOS;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		lg_error_set_os("cannot write the allocator shim '%s'", path.ptr);
		rc = LG_EOS;
		goto fail;
	}
	lg_buf_dispose(&dir);
	*path_out = lg_buf_detach(&path);
	return *path_out ? 0 : LG_ENOMEM;

fail:
	if (fd >= 0)
		close(fd);
	if (path.ptr)
		unlink(path.ptr);
	rmdir(dir.ptr);
	lg_buf_dispose(&dir);
	lg_buf_dispose(&path);
	return rc;
}

void lg_explain_shim_remove(const char *path)
{
	char *dir, *slash;

	if (!path)
		return;
	unlink(path);
	dir = strdup(path);
	slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = '\0';
		rmdir(dir);
	}
	free(dir);
}

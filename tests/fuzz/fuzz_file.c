/* lg_fuzz_file: the one scratch file a fuzz target reuses for every input. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char path[64];

static void remove_file(void)
{
	unlink(path);
}

const char *lg_fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	size_t done = 0;

	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/lg-fuzz-%d-XXXXXX", (int)getpid());
		if ((fd = mkstemp(path)) < 0)
			return NULL;
		atexit(remove_file);
	}
	if (ftruncate(fd, 0) < 0)
		return NULL;
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);

		if (n <= 0)
			return NULL;
		done += (size_t)n;
	}
	return path;
}

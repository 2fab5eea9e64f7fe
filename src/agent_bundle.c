/* The agent's modules embedded in the binary, and how a child gets them. */
#include "leakgate/agent_bundle.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "leakgate/proto.h"

/*
 * What `ps` shows of the agent: it reads the modules from fd
 * LG_PROTO_MODULES_FD (name NUL source NUL ..., boot first) and hands them
 * to boot.py (src/agent/boot.py).
 */
static const char bootstrap[] =
	"import os;b=os.pread(4,os.fstat(4).st_size,0);os.close(4);g={};"
	"exec(compile(b.split(b'\\0')[1],'<leakgate>/boot.py','exec'),g);"
	"g['boot'](b)";

_Static_assert(LG_PROTO_MODULES_FD == 4, "the bootstrap reads fd 4");

const char *lg_agent_bootstrap(void)
{
	return bootstrap;
}

int lg_agent_modules_open(char *error, size_t size)
{
	size_t total = 0, at = 0;
	char *map;
	int fd;

	for (const lg_agent_module *m = lg_agent_modules; m->name; m++)
		total += strlen(m->name) + strlen(m->source) + 2;
	fd = memfd_create("leakgate-agent", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)total) < 0 ||
	    (map = mmap(NULL, total, PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		snprintf(error, size, "cannot hold the agent in memory: %s",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (const lg_agent_module *m = lg_agent_modules; m->name; m++) {
		size_t name = strlen(m->name) + 1, source = strlen(m->source) + 1;

		memcpy(map + at, m->name, name);
		memcpy(map + at + name, m->source, source);
		at += name + source;
	}
	munmap(map, total);
	return fd;
}

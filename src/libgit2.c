#include "leakgate/libgit2.h"

#include <git2.h>

#include "leakgate/error.h"

static int started;

int lg_libgit2_start(void)
{
	if (started)
		return 0;
	if (git_libgit2_init() < 0)
		return lg_error_git("cannot start libgit2");
	started = 1;
	return 0;
}

void lg_libgit2_stop(void)
{
	if (!started)
		return;
	git_libgit2_shutdown();
	started = 0;
}

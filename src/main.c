#include <git2.h>
#include <stdio.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
	int code;

	git_libgit2_init();
	code = lg_cli_main(argc, argv);
	git_libgit2_shutdown();
	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		perror("leakgate: writing standard output");
		if (code == 0)
			code = LG_EXIT_USAGE;
	}
	return code;
}

#include <stdio.h>

#include "cli/cli.h"
#include "leakgate/libgit2.h"

int main(int argc, char **argv)
{
	int code;

	code = lg_cli_main(argc, argv);
	lg_libgit2_stop();
	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		perror("leakgate: writing standard output");
		if (code == 0)
			code = LG_EXIT_USAGE;
	}
	return code;
}

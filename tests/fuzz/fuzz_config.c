/* The configuration file (git-config syntax through libgit2, then our keys). */
#include "fuzz.h"

#include <git2.h>

#include "leakgate/config.h"
#include "leakgate/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialized;
	lg_workload base;
	lg_config cfg;
	const char *path = lg_fuzz_file(data, size);

	if (!initialized)
		initialized = git_libgit2_init() > 0;
	if (!path || lg_workload_init_defaults(&base) < 0)
		return 0;
	if (lg_config_load(&cfg, path, &base) == 0)
		lg_config_dispose(&cfg);
	lg_workload_dispose(&base);
	lg_error_clear();
	return 0;
}

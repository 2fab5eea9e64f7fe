/*
 * The baseline, as read from a file in the base commit's tree or from a
 * git note (both text through lg_baseline_parse), then formatted again as
 * `baseline record` would.
 */
#include "fuzz.h"

#include <git2.h>

#include "leakgate/baseline.h"
#include "leakgate/buf.h"
#include "leakgate/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialized;
	lg_baseline b;
	lg_buf text = LG_BUF_INIT;

	if (!initialized)
		initialized = git_libgit2_init() > 0;
	if (lg_baseline_parse(&b, (const char *)data, size, "fuzz") == 0) {
		lg_baseline_format(&text, &b);
		lg_buf_dispose(&text);
	}
	lg_baseline_dispose(&b);
	lg_error_clear();
	return 0;
}

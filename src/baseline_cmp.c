/* The plain data of baseline_cmp.h: entries copied and freed. */
#include "leakgate/baseline_cmp.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/buf.h"

static const char *const status_names[] = {
	[LG_BASELINE_NONE] = "none",
	[LG_BASELINE_SAME] = "same",
	[LG_BASELINE_REGRESSION] = "regression",
	[LG_BASELINE_IMPROVEMENT] = "improvement",
	[LG_BASELINE_INCOMPARABLE] = "incomparable",
};

const char *lg_baseline_status_name(lg_baseline_status s)
{
	return (size_t)s < sizeof(status_names) / sizeof(*status_names)
		? status_names[s] : "unknown";
}

int lg_baseline_entry_copy(lg_baseline_entry *out, const lg_baseline_entry *src)
{
	int rc;

	*out = *src;
	out->workload = out->target = out->python_version = NULL;
	out->implementation = out->platform = out->leakgate_version = NULL;
	if ((rc = lg_string_set(&out->workload, src->workload)) < 0 ||
	    (rc = lg_string_set(&out->target, src->target)) < 0 ||
	    (rc = lg_string_set(&out->python_version, src->python_version)) < 0 ||
	    (rc = lg_string_set(&out->implementation, src->implementation)) < 0 ||
	    (rc = lg_string_set(&out->platform, src->platform)) < 0 ||
	    (rc = lg_string_set(&out->leakgate_version, src->leakgate_version)) < 0) {
		lg_baseline_entry_dispose(out);
		return rc;
	}
	return 0;
}

void lg_baseline_entry_dispose(lg_baseline_entry *e)
{
	if (!e)
		return;
	free(e->workload);
	free(e->target);
	free(e->python_version);
	free(e->implementation);
	free(e->platform);
	free(e->leakgate_version);
	memset(e, 0, sizeof(*e));
}

void lg_baseline_cmp_free(lg_baseline_cmp *cmp)
{
	if (!cmp)
		return;
	free(cmp->rev);
	free(cmp->store);
	free(cmp->reason);
	lg_baseline_entry_dispose(&cmp->entry);
	free(cmp);
}

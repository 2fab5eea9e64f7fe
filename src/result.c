#include "leakgate/result.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/baseline_cmp.h"
#include "leakgate/explanation.h"

static const char *const outcome_names[] = {
	[LG_OUTCOME_COMPLETED] = "completed",
	[LG_OUTCOME_EXCEPTION] = "exception",
	[LG_OUTCOME_IMPORT_ERROR] = "import-error",
	[LG_OUTCOME_CRASHED] = "crashed",
	[LG_OUTCOME_TIMEOUT] = "timeout",
	[LG_OUTCOME_MEMORY_LIMIT] = "memory-limit",
	[LG_OUTCOME_PROTOCOL_ERROR] = "protocol-error",
	[LG_OUTCOME_SPAWN_FAILED] = "spawn-failed",
	[LG_OUTCOME_CANCELLED] = "cancelled",
	[LG_OUTCOME_SKIPPED] = "skipped",
};

static const char *const verdict_names[] = {
	[LG_VERDICT_CLEAN] = "clean",
	[LG_VERDICT_LEAK] = "leak",
	[LG_VERDICT_ERROR] = "error",
	[LG_VERDICT_EXPECTED_LEAK] = "expected-leak",
	[LG_VERDICT_LEAK_FIXED] = "leak-fixed",
	[LG_VERDICT_REGRESSION] = "regression",
	[LG_VERDICT_SKIPPED] = "skipped",
	[LG_VERDICT_INCONCLUSIVE] = "inconclusive",
};

const char *lg_outcome_name(lg_outcome o)
{
	return (size_t)o < sizeof(outcome_names) / sizeof(*outcome_names)
		? outcome_names[o] : "unknown";
}

const char *lg_verdict_name(lg_verdict v)
{
	return (size_t)v < sizeof(verdict_names) / sizeof(*verdict_names)
		? verdict_names[v] : "unknown";
}

int lg_workload_result_init(lg_workload_result *r, const lg_workload *wl,
			    size_t tail_limit)
{
	lg_tail tail = LG_TAIL_INIT(tail_limit);
	lg_series series = LG_SERIES_INIT;

	memset(r, 0, sizeof(*r));
	r->out = tail;
	r->err = tail;
	r->series = series;
	return lg_workload_copy(&r->workload, wl);
}

void lg_workload_result_dispose(lg_workload_result *r)
{
	if (!r)
		return;
	lg_workload_dispose(&r->workload);
	free(r->module);
	free(r->function);
	free(r->file);
	free(r->python_version);
	free(r->implementation);
	free(r->platform);
	free(r->detail);
	free(r->traceback);
	free(r->raised_file);
	free(r->message);
	lg_baseline_cmp_free(r->baseline);
	lg_explanation_free(r->explanation);
	free(r->attachment);
	lg_series_dispose(&r->series);
	lg_tail_dispose(&r->out);
	lg_tail_dispose(&r->err);
	memset(r, 0, sizeof(*r));
}

void lg_run_result_dispose(lg_run_result *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->count; i++)
		lg_workload_result_dispose(&run->items[i]);
	free(run->items);
	run->items = NULL;
	run->count = 0;
}

#ifndef LEAKGATE_RUNNER_H
#define LEAKGATE_RUNNER_H

#include <stddef.h>

#include "leakgate/fit.h"
#include "leakgate/result.h"
#include "leakgate/workload.h"

typedef struct {
	int jobs;               /* children at once */
	size_t tail_limit;      /* bytes of stdout/stderr kept per workload */
	lg_fit_options fit;
	/* Called on the runner's thread when a workload starts (finished = 0)
	 * or has been judged (finished = 1); may be NULL. */
	void (*progress)(void *ctx, const lg_workload_result *r,
			 size_t done, size_t total, int finished);
	void *progress_ctx;
	/* Called with progress_ctx at every turn of the wait for children
	 * (at least every 100 ms while one runs), so a progress line's clock
	 * moves between events; may be NULL. */
	void (*tick)(void *ctx);
	/* Called right after lg_judge, before anything reads the verdict
	 * (the explain pass, progress): a second judgement, such as the
	 * baseline's; may be NULL. < 0 (out of memory) stops the run. */
	int (*judge)(void *ctx, lg_workload_result *r);
	void *judge_ctx;
	/* Readable when the run is to stop (cancel.h): the byte read is a
	 * signal's number. Every child's process group is killed, nothing new
	 * starts, and what did not finish is LG_OUTCOME_CANCELLED; -1: none. */
	int cancel_fd;
	/* Become the reaper of the workloads' orphans and end them
	 * (lg_proc_adopt_orphans, proc.h): for the leakgate binary, whose
	 * every child is the runner's; 0 in a test that has children too. */
	int adopt_orphans;
} lg_runner_options;

#define LG_RUNNER_OPTIONS_INIT { \
	.jobs = 1, .tail_limit = 16384, .fit = LG_FIT_OPTIONS_INIT, \
	.cancel_fd = -1 \
}

/*
 * Measure and judge every workload. Workload failures of any kind are
 * results, not errors: the return value is < 0 only when the runner itself
 * could not go on (out of memory). out->items is in the order given.
 */
int lg_runner_run(lg_run_result *out, const lg_workload *workloads,
		  size_t count, const lg_runner_options *opts);

#endif

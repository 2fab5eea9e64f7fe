#ifndef LEAKGATE_VERDICT_H
#define LEAKGATE_VERDICT_H

#include "leakgate/fit.h"
#include "leakgate/result.h"

/*
 * Judge one finished workload: derive heap_bytes, fit every metric present,
 * decide the verdict and write the one-line message. Pure: reads r->outcome,
 * r->series and r->workload, writes r->fits, r->fitted, r->verdict,
 * r->culprit, r->message.
 *
 * A run that ended abnormally (exception, crash, timeout, memory limit) but
 * whose samples already show a leak is a leak, with the ending in the message
 * ("... ; stopped at call 1,020: OSError: [Errno 24] Too many open files").
 */
int lg_judge(lg_workload_result *r, const lg_fit_options *opts);

/* A whole run: failed when a workload leaks or regresses, else unmeasured
 * when one could not be measured, else passed. */
lg_run_status lg_run_status_of(const lg_run_result *run);

#endif

#ifndef LEAKGATE_EXPLAIN_RANK_H
#define LEAKGATE_EXPLAIN_RANK_H

#include "leakgate/explanation.h"
#include "leakgate/result.h"

/*
 * Rank (LG_EXPLAIN_TOP rows per table, growing ones only, largest first),
 * decide the kind from the detection pass's fits in r and what the
 * explain pass saw, and pick the line to annotate. Pure.
 */
int lg_explain_finish(lg_explanation *e, const lg_workload_result *r);

#endif

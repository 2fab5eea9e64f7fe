/*
 * The sample channel: whatever a workload writes to fd 3, split into
 * records and applied to a session by the driver of every child
 * (child.h), as the runner and the collection do, then judged (or
 * the explanation finished), since forged samples reach the fit. The first
 * byte picks the session (detection, explain, a pytest suite's
 * collection) and how the bytes arrive (in pieces of 1 to 64 bytes, or at
 * once), so that records torn across reads are covered.
 */
#include "fuzz.h"

#include <string.h>

#include "leakgate/child.h"
#include "leakgate/error.h"
#include "leakgate/explain_rank.h"
#include "leakgate/pytest_suite.h"
#include "leakgate/session.h"
#include "leakgate/verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lg_workload wl;
	lg_workload_result r;
	lg_fit_options fit = LG_FIT_OPTIONS_INIT;
	lg_child child;
	lg_session session;
	lg_explanation *e = NULL;
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;
	size_t piece, at = 0;
	int explaining, collecting;

	if (size < 1)
		return 0;
	explaining = data[0] & 1;
	collecting = !explaining && (data[0] & 2);
	piece = (data[0] >> 1) ? (size_t)(data[0] >> 2) + 1 : size;
	data++;
	size--;
	if (lg_workload_init_defaults(&wl) < 0)
		return 0;
	if (lg_string_set(&wl.name, "fuzz") < 0 ||
	    lg_string_set(&wl.target, "fuzz.py:f") < 0 ||
	    lg_workload_result_init(&r, &wl, 4096) < 0) {
		lg_workload_dispose(&wl);
		return 0;
	}
	lg_workload_dispose(&wl);
	lg_child_init(&child);
	lg_session_init_detection(&session, &r);
	if (explaining) {
		if (lg_explanation_new(&e) < 0)
			goto out;
		lg_session_init_explain(&session, e);
	} else if (collecting) {
		lg_session_init_collection(&session, &suite);
	}
	lg_child_begin_session(&child, &session);
	while (at < size && !child.protocol_error) {
		size_t n = size - at < piece ? size - at : piece;

		if (lg_child_feed(&child, (const char *)data + at, n) < 0)
			break;
		at += n;
	}
	lg_proto_reader_pending(&child.reader);
	/* What the runner does next: judge what arrived, then explain it. */
	if (r.outcome == LG_OUTCOME_COMPLETED || r.series.count)
		lg_judge(&r, &fit);
	if (e)
		lg_explain_finish(e, &r);
out:
	lg_pytest_suite_dispose(&suite);
	lg_explanation_free(e);
	lg_child_dispose(&child);
	lg_workload_result_dispose(&r);
	lg_error_clear();
	return 0;
}

#ifndef LEAKGATE_REPORT_GITHUB_H
#define LEAKGATE_REPORT_GITHUB_H

#include "leakgate/buf.h"
#include "leakgate/result.h"

/*
 * GitHub Actions workflow commands, escaped as actions/toolkit's command.ts
 * does. In a message ("data"): '%' -> %25, CR -> %0D, LF -> %0A. In a
 * property value additionally ':' -> %3A and ',' -> %2C.
 */
int lg_github_escape_data(lg_buf *out, const char *s);
int lg_github_escape_property(lg_buf *out, const char *s);

typedef struct {
	/* The repository root that file= is relative to (GITHUB_WORKSPACE);
	 * NULL: the current directory. A file outside it gets no file=. */
	const char *root;
} lg_github_options;

#define LG_GITHUB_OPTIONS_INIT { .root = NULL }

/*
 * One annotation line per workload worth a look, appended to out:
 *   ::error file=F,line=L,title=T::message   a leak, a regression, an error
 *   ::warning ...                            a known leak that stopped
 * Clean workloads and known leaks get none. At the allocation site when the
 * explain pass found one, else at the workload function.
 */
int lg_report_github(lg_buf *out, const lg_run_result *run,
		     const lg_github_options *opts);

#endif

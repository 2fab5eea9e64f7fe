/*
 * The JUnit reader behind `report` and `merge` (files other jobs wrote),
 * then what `report` does with the result: the terminal report.
 */
#include "fuzz.h"

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/junit_read.h"
#include "leakgate/report_term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_report_options opts = LG_REPORT_OPTIONS_INIT;
	lg_buf text = LG_BUF_INIT;

	opts.verbose = size & 1;
	if (lg_junit_read_memory(&run, (const char *)data, size, "fuzz.xml") == 0)
		lg_report_terminal(&text, &run, &opts);
	lg_buf_dispose(&text);
	lg_run_result_dispose(&run);
	lg_error_clear();
	return 0;
}

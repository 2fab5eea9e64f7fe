/*
 * `merge` over a file another job wrote: the input as one shard, or as two
 * (the same file twice: the overlap check), into a file of this process's
 * own, then the summary of what was merged. A merged file that is not
 * well-formed XML is a finding (abort): merge copies the shards' suites as
 * written, and must never write a broken report.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/junit_merge.h"
#include "leakgate/report_term.h"

static char output[64];

static void remove_output(void)
{
	unlink(output);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_report_options opts = LG_REPORT_OPTIONS_INIT;
	lg_buf text = LG_BUF_INIT;
	const char *shard = lg_fuzz_file(data, size);
	const char *paths[2];

	if (!shard)
		return 0;
	if (!*output) {
		snprintf(output, sizeof(output), "/tmp/lg-fuzz-merge-%d.xml", (int)getpid());
		atexit(remove_output);
	}
	paths[0] = paths[1] = shard;
	/* Two shards for one input in four (they overlap: an error); the
	 * samples kept for every other length. */
	if (lg_junit_merge(output, &run, paths, size % 4 == 3 ? 2 : 1,
			   (size / 4) & 1) == 0) {
		xmlDocPtr doc = xmlReadFile(output, NULL, XML_PARSE_NONET |
					    XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					    XML_PARSE_HUGE);

		if (!doc)
			abort();
		xmlFreeDoc(doc);
		lg_report_terminal(&text, &run, &opts);
	}
	lg_buf_dispose(&text);
	lg_run_result_dispose(&run);
	lg_error_clear();
	return 0;
}

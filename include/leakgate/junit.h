#ifndef LEAKGATE_JUNIT_H
#define LEAKGATE_JUNIT_H

#include "leakgate/buf.h"
#include "leakgate/result.h"

/*
 * JUnit XML sink (libxml2 xmlTextWriter). One <testsuite> per workload, so
 * that its <properties> hold every fitted figure (the schema allows no
 * properties inside <testcase>), with one <testcase> inside:
 *   leak           -> <failure type="leak" message="leaks ...">details</failure>
 *   error          -> <error type="<outcome>" message="...">traceback</error>
 *   expected leak  -> <skipped type="expected-leak" message="known leak: ..."/>
 *   leak fixed     -> passes; the note goes to <system-out>
 * The properties also keep the message, detail and culprit, and the
 * samples to chart ("<metric>.samples"), so that lg_junit_read can render
 * the run again; a result's attachment (its SVG chart) is the first line
 * of <system-out>, as [[ATTACHMENT|path]].
 * Appended to out (for lg_file_write_atomic, file.h).
 */
int lg_junit_render(lg_buf *out, const lg_run_result *run);

/* Samples kept per charted metric ("heap_bytes.samples" and the culprit's),
 * picked evenly; read back by lg_junit_read (junit_read.h). */
#define LG_JUNIT_SAMPLES_MAX 60

#endif

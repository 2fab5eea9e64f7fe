/*
 * Merging shard reports in one pass over each file: lg_junit_read_each
 * validates it into the model and hands over each <testsuite> as read,
 * which is serialized (libxml2) as it was, so that what this reader does
 * not know still reaches the merged file. The suites go to a temporary
 * file as they come, not to memory: the <testsuites> totals before them
 * are known only at the end, when the frame is written to the output's
 * temporary file around a copy of them, and that is renamed into place.
 * The workloads seen are in a hash table, and without a summary to write
 * their samples are dropped shard by shard: 10,000 workloads from 50
 * shards merge in 0.7 s of CPU and 30 MB (README, "Scale").
 */
#include "leakgate/junit_merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <libxml/hash.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#include "leakgate/error.h"
#include "leakgate/file.h"
#include "leakgate/junit_read.h"
#include "leakgate/parse.h"
#include "leakgate/xml_text.h"

/* Bytes of the suites written at a time (glibc's default is 4 KB). */
#define WRITE_BUFFER (1 << 20)

typedef struct {
	const char *path;       /* the merged file, for messages */
	FILE *suites;           /* the suites as the shards wrote them */
	char *buffer;           /* suites's, WRITE_BUFFER bytes */
	xmlOutputBufferPtr out; /* over suites */
	long long failures, errors;
} merged;

/* A whole-number attribute of a testsuite (0 when absent). */
static long long count_attr(const xmlNode *node, const char *name)
{
	char *value = (char *)xmlGetProp(node, BAD_CAST name);
	int64_t n = 0;

	if (value && lg_parse_i64(&n, value) < 0)
		n = 0;
	xmlFree(value);
	return (long long)n;
}

/* lg_junit_suite_fn: the suite onto m->sink, on its own line, indented
 * as junit.c writes; its counts into the totals. */
static int copy_suite(void *ctx, const xmlNode *suite)
{
	merged *m = ctx;

	if (xmlOutputBufferWrite(m->out, 3, "\n  ") < 0)
		return lg_error_oom();
	xmlNodeDumpOutput(m->out, suite->doc, (xmlNodePtr)suite, 0, 0, NULL);
	if (m->out->error)
		return lg_error_set_os("cannot write '%s'", m->path);
	m->failures += count_attr(suite, "failures");
	m->errors += count_attr(suite, "errors");
	return 0;
}

/* Move the items of part (read from paths[k]) to the end of run, without
 * their samples unless with_samples; part is left empty. seen: the
 * workloads of the files before, each to the path it came from. */
static int append(lg_run_result *run, lg_run_result *part, xmlHashTablePtr seen,
		  const char *const *paths, size_t k, int with_samples)
{
	lg_workload_result *items;

	for (size_t i = 0; i < part->count; i++) {
		const char *owner = xmlHashLookup(seen, BAD_CAST part->items[i].workload.name);

		if (owner) {
			lg_error_set("%s: workload '%s' is also in %s: the shards "
				     "overlap", paths[k], part->items[i].workload.name,
				     owner);
			return LG_EINVALID;
		}
	}
	/* A name twice in one file is not an overlap: the first one stays. */
	for (size_t i = 0; i < part->count; i++)
		if (xmlHashAddEntry(seen, BAD_CAST part->items[i].workload.name,
				    (void *)paths[k]) < 0 &&
		    !xmlHashLookup(seen, BAD_CAST part->items[i].workload.name))
			return lg_error_oom();
	/* 4 KB a workload, needed by the summary's charts only. */
	for (size_t i = 0; i < part->count && !with_samples; i++)
		lg_series_dispose(&part->items[i].series);
	items = realloc(run->items, (run->count + part->count + 1) * sizeof(*items));
	if (!items)
		return lg_error_oom();
	run->items = items;
	if (part->count)
		memcpy(items + run->count, part->items, part->count * sizeof(*items));
	run->count += part->count;
	if (part->started && (!run->started || part->started < run->started))
		run->started = part->started;
	if (part->seconds > run->seconds)
		run->seconds = part->seconds;
	free(part->items);
	part->items = NULL;
	part->count = 0;
	return 0;
}

static int attribute(xmlTextWriterPtr w, const char *name, const char *value)
{
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

/* Only empty shards: one suite of no tests, as junit.c writes for an empty
 * run (viewers fail on a bare <testsuites>). */
static int empty_suite(xmlTextWriterPtr w)
{
	static const char *const attrs[][2] = {
		{ "name", "leakgate" }, { "tests", "0" }, { "failures", "0" },
		{ "errors", "0" }, { "skipped", "0" },
	};

	if (xmlTextWriterWriteString(w, BAD_CAST "\n  ") < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0)
		return -1;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (attribute(w, attrs[i][0], attrs[i][1]) < 0)
			return -1;
	return xmlTextWriterEndElement(w);
}

/* <testsuites> with the totals, written without the copied suites (they
 * keep their own indentation: no reformatting); *split: where they go. */
static int write_frame(xmlTextWriterPtr w, const lg_xml_sink *sink, size_t *split,
		       const merged *m, const lg_run_result *run)
{
	char tests[32], failures[32], errors[32], seconds[64];

	snprintf(tests, sizeof(tests), "%zu", run->count);
	snprintf(failures, sizeof(failures), "%lld", m->failures);
	snprintf(errors, sizeof(errors), "%lld", m->errors);
	snprintf(seconds, sizeof(seconds), "%.3f", run->seconds);
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
	    attribute(w, "name", "leakgate") < 0 || attribute(w, "tests", tests) < 0 ||
	    attribute(w, "failures", failures) < 0 || attribute(w, "errors", errors) < 0 ||
	    attribute(w, "time", seconds) < 0)
		return -1;
	if (run->count == 0 && empty_suite(w) < 0)
		return -1;
	/* Nothing, written raw: the start tag is closed, the suites go here. */
	if (xmlTextWriterWriteRawLen(w, BAD_CAST "", 0) < 0 || xmlTextWriterFlush(w) < 0)
		return -1;
	*split = sink->buf->len;
	if (xmlTextWriterWriteString(w, BAD_CAST "\n") < 0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndDocument(w) < 0)
		return -1;
	return 0;
}

/* The frame into frame, *split bytes of it before the suites. */
static int frame_of(lg_buf *frame, size_t *split, const merged *m,
		    const lg_run_result *run)
{
	lg_xml_sink sink = { .buf = frame, .failed = 0 };
	xmlOutputBufferPtr xml = lg_xml_sink_open(&sink);
	xmlTextWriterPtr w = xml ? xmlNewTextWriter(xml) : NULL;
	int rc;

	if (!w) {
		if (xml)
			xmlOutputBufferClose(xml);
		return lg_error_oom();
	}
	rc = write_frame(w, &sink, split, m, run);
	xmlFreeTextWriter(w); /* closes xml, flushing what is left */
	return rc < 0 || sink.failed ? lg_error_oom() : 0;
}

/* All of the suites file onto fd, copied by the kernel. */
static int copy_suites(int fd, FILE *suites)
{
	off_t at = 0, end;

	if ((end = lseek(fileno(suites), 0, SEEK_END)) < 0)
		return -1;
	while (at < end) {
		ssize_t n = sendfile(fd, fileno(suites), &at, (size_t)(end - at));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
	}
	return 0;
}

/* The merged file: the frame around the suites, put in place whole. */
static int write_merged(const char *path, const merged *m, const lg_run_result *run)
{
	lg_buf frame = LG_BUF_INIT;
	lg_atomic_file f;
	size_t split = 0;
	int rc = frame_of(&frame, &split, m, run);

	if (rc == 0 && (rc = lg_file_atomic_open(&f, path, NULL)) == 0) {
		if (lg_file_write_fd(f.fd, frame.ptr, split) < 0 ||
		    copy_suites(f.fd, m->suites) < 0 ||
		    lg_file_write_fd(f.fd, frame.ptr + split, frame.len - split) < 0)
			rc = lg_file_atomic_error(&f);
		rc = lg_file_atomic_finish(&f, rc);
	}
	lg_buf_dispose(&frame);
	return rc;
}

int lg_junit_merge(const char *path, lg_run_result *run_out,
		   const char *const *paths, size_t count, int with_samples)
{
	xmlStructuredErrorFunc saved_handler = xmlStructuredError;
	void *saved_context = xmlStructuredErrorContext;
	lg_run_result run = LG_RUN_RESULT_INIT, part;
	merged m = { .path = path, .suites = NULL, .buffer = NULL, .out = NULL, .failures = 0, .errors = 0 };
	xmlHashTablePtr seen = NULL;
	int rc = 0;

	*run_out = run;
	if (count == 0) {
		lg_error_set("nothing to merge: no JUnit files");
		return LG_EINVALID;
	}
	xmlSetStructuredErrorFunc(NULL, lg_xml_quiet);
	/* Unlinked already: nothing is left behind, whatever happens. */
	if (!(m.suites = tmpfile()))
		rc = lg_error_set_os("cannot write '%s': no temporary file", path);
	else if (!(m.buffer = malloc(WRITE_BUFFER)) ||
		 setvbuf(m.suites, m.buffer, _IOFBF, WRITE_BUFFER) != 0 ||
		 !(m.out = xmlOutputBufferCreateFile(m.suites, NULL)) ||
		 !(seen = xmlHashCreate(1024)))
		rc = lg_error_oom();
	for (size_t k = 0; k < count && rc == 0; k++) {
		if ((rc = lg_junit_read_each(&part, paths[k], copy_suite, &m)) < 0)
			break;
		rc = append(&run, &part, seen, paths, k, with_samples);
		lg_run_result_dispose(&part);
	}
	/* The suites' last bytes. */
	if (m.out && (xmlOutputBufferClose(m.out) < 0 || ferror(m.suites)) && rc == 0)
		rc = lg_error_set_os("cannot write '%s'", path);
	if (rc == 0)
		rc = write_merged(path, &m, &run);
	if (m.suites)
		fclose(m.suites);
	free(m.buffer);
	xmlHashFree(seen, NULL);
	xmlSetStructuredErrorFunc(saved_context, saved_handler);
	if (rc < 0) {
		lg_run_result_dispose(&run);
		return rc;
	}
	*run_out = run;
	return 0;
}

/*
 * JUnit XML sink: the results model in, the document out (into a buffer). Everything goes through
 * libxml2's xmlTextWriter, which escapes; this file only filters out what XML
 * 1.0 cannot carry at all (control characters, invalid UTF-8).
 */
#include "leakgate/junit.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlerror.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlwriter.h>

#include "leakgate/baseline.h"
#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/explain_text.h"
#include "leakgate/format.h"
#include "leakgate/junit_schema.h"
#include "leakgate/metric.h"
#include "leakgate/report_view.h"
#include "leakgate/series.h"
#include "leakgate/xml_text.h"

#define BODY_LIMIT 4096 /* bytes of a <failure> body */
#define EXPLAIN_LIMIT 4096 /* and of the explanation after it */

typedef struct {
	xmlTextWriterPtr w;
	lg_xml_sink out;  /* the document */
	lg_buf text;      /* scratch: filtered text */
	char host[256];   /* "" when unknown */
	char stamp[32];   /* ISO 8601 UTC; "" when unknown */
} writer;

/* x->text = data made fit for XML (xml_text.h). */
static int filter(writer *x, const char *data, size_t len)
{
	return lg_xml_filter(&x->text, data, len);
}

/* A libxml2 call failed: say why. */
static int failed(writer *x, const char *what)
{
	const xmlError *e = xmlGetLastError();
	char reason[256];
	size_t n;

	if (x->out.failed)
		return lg_error_oom();
	snprintf(reason, sizeof(reason), "%s",
		 e && e->message ? e->message : "libxml2 writer failed");
	n = strlen(reason);
	while (n && (reason[n - 1] == '\n' || reason[n - 1] == ' '))
		reason[--n] = '\0';
	return lg_error_set("cannot write the JUnit report: %s: %s", what, reason);
}

static int start(writer *x, const char *name)
{
	if (xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
		return failed(x, name);
	return 0;
}

static int end(writer *x)
{
	if (xmlTextWriterEndElement(x->w) < 0)
		return failed(x, "closing an element");
	return 0;
}

/* An attribute with any text as its value. */
static int attr(writer *x, const char *name, const char *value)
{
	int rc = filter(x, value, strlen(value));

	if (rc < 0)
		return rc;
	if (xmlTextWriterWriteAttribute(x->w, BAD_CAST name,
					BAD_CAST lg_buf_cstr(&x->text)) < 0)
		return failed(x, name);
	return 0;
}

static int attr_count(writer *x, const char *name, long long n)
{
	char value[LG_FORMAT_NUMBER_SIZE];

	snprintf(value, sizeof(value), "%lld", n);
	return attr(x, name, value);
}

static int attr_seconds(writer *x, const char *name, double seconds)
{
	char value[LG_FORMAT_NUMBER_SIZE];

	return attr(x, name, lg_format_seconds(value, sizeof(value), seconds));
}

/* Element content: any bytes, NULs included. */
static int text(writer *x, const char *data, size_t len)
{
	int rc;

	if (len == 0)
		return 0;
	if ((rc = filter(x, data, len)) < 0)
		return rc;
	if (xmlTextWriterWriteString(x->w, BAD_CAST lg_buf_cstr(&x->text)) < 0)
		return failed(x, "text");
	return 0;
}

static int property(writer *x, const char *name, const char *value)
{
	int rc;

	if (!value)
		return 0;
	if ((rc = start(x, "property")) < 0 ||
	    (rc = attr(x, "name", name)) < 0 ||
	    (rc = attr(x, "value", value)) < 0)
		return rc;
	return end(x);
}

static int is_fitted(const lg_workload_result *r, int m)
{
	return (r->fitted >> m) & 1u;
}

/* The schema's rows of section s (junit_schema.h), their fields in base,
 * each named prefix + the row's name. */
static int schema_properties(writer *x, lg_junit_section s, const char *prefix,
			     const void *base)
{
	char name[96], text[LG_JUNIT_TEXT_SIZE];
	size_t len = strlen(prefix);
	const char *value;
	int rc;

	/* The prefix once, then each name after it (no printf: 10,000
	 * workloads have 450,000 of these names). */
	if (len >= sizeof(name))
		return lg_error_set("property name too long: %s", prefix);
	memcpy(name, prefix, len);
	for (size_t i = 0; i < lg_junit_schema_count; i++) {
		const lg_junit_property *p = &lg_junit_schema[i];
		size_t n = strlen(p->name);

		if (p->section != s || !(value = lg_junit_property_text(p, base, text)))
			continue;
		if (len + n + 1 > sizeof(name))
			return lg_error_set("property name too long: %s%s", prefix, p->name);
		memcpy(name + len, p->name, n + 1);
		if ((rc = property(x, name, value)) < 0)
			return rc;
	}
	return 0;
}

/* "<metric>." and the like, or an error when too long for a name. */
static int metric_prefix(char *out, size_t size, const char *before, lg_metric m)
{
	if ((size_t)snprintf(out, size, "%s%s.", before, lg_metric_get(m)->name) >= size)
		return lg_error_set("metric name too long: %s", lg_metric_get(m)->name);
	return 0;
}

/* n in decimal at the end of b (a run's samples are 800,000 numbers). */
static int add_integer(lg_buf *b, long long n)
{
	char digits[24];

	lg_format_integer(digits, sizeof(digits), (int64_t)n);
	return lg_buf_add(b, digits, strlen(digits));
}

/* "<metric>.samples" = "calls:value calls:value ...": at most
 * LG_JUNIT_SAMPLES_MAX samples picked evenly, so a saved run can be charted
 * again (leakgate report) without the file growing with the run. */
static int samples_property(writer *x, const lg_workload_result *r, lg_metric m)
{
	const lg_series *s = &r->series;
	size_t n = s->count < LG_JUNIT_SAMPLES_MAX ? s->count : LG_JUNIT_SAMPLES_MAX;
	lg_buf value = LG_BUF_INIT;
	char name[96];
	int rc = 0;

	if (n == 0 || !lg_series_has(s, m))
		return 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const lg_sample *p = &s->samples[lg_series_pick(i, n, s->count)];

		if (i)
			rc = lg_buf_add(&value, " ", 1);
		if (rc == 0)
			rc = add_integer(&value, (long long)p->calls);
		if (rc == 0)
			rc = lg_buf_add(&value, ":", 1);
		if (rc == 0)
			rc = add_integer(&value, (long long)p->value[m]);
	}
	snprintf(name, sizeof(name), "%s.samples", lg_metric_get(m)->name);
	if (rc == 0)
		rc = property(x, name, value.ptr);
	lg_buf_dispose(&value);
	return rc;
}

/* baseline.status, baseline.rev, and main's figures per metric. */
static int baseline_properties(writer *x, const lg_baseline_cmp *cmp)
{
	const char *section = lg_junit_section_prefix(LG_JUNIT_BASELINE);
	char prefix[64];
	int rc;

	if (!cmp)
		return 0;
	if ((rc = schema_properties(x, LG_JUNIT_BASELINE, section, cmp)) < 0)
		return rc;
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		if (!cmp->entry.metrics[m].present)
			continue;
		if ((rc = metric_prefix(prefix, sizeof(prefix), section, (lg_metric)m)) < 0 ||
		    (rc = schema_properties(x, LG_JUNIT_BASELINE_METRIC, prefix,
					    &cmp->entry.metrics[m])) < 0)
			return rc;
	}
	return 0;
}

/* "explain.<table>.<n>" = one row of the explanation as text. */
static int explain_row(writer *x, const char *table, size_t n, lg_buf *value)
{
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "explain.%s.%zu", table, n + 1);
	rc = property(x, name, lg_buf_cstr(value));
	lg_buf_clear(value);
	return rc;
}

/*
 * The explanation for machines (explanation.h): explain.kind, explain.site
 * ("file:line"), explain.type.N ("str 1 objects/call 249 B/call", then
 * " untracked" for objects gc does not track), explain.c_call,
 * explain.c_library and explain.c_at ("file:line") for a leak kept by C,
 * explain.site.N ("file:line 249 B/call"), explain.native.N, explain.fd.N /
 * explain.thread.N / explain.garbage.N ("count what"), explain.cycle.N,
 * explain.chain and explain.chain_root; the function's own place is kept as
 * function.file and function.line. Nothing when not explained.
 */
static int explain_properties(writer *x, const lg_workload_result *r)
{
	static const char *const resource_tables[] = { "fd", "thread", "garbage" };
	const lg_explanation *e = r->explanation;
	lg_buf v = LG_BUF_INIT;
	char where[4096 + 32];
	size_t per_table[3] = { 0 };
	int rc = 0;

	if (!e)
		return 0;
	/* The function's own place, when its file is known. */
	if ((r->file && *r->file &&
	     (rc = schema_properties(x, LG_JUNIT_FUNCTION, lg_junit_section_prefix(
					     LG_JUNIT_FUNCTION), r)) < 0) ||
	    (rc = schema_properties(x, LG_JUNIT_EXPLAIN, lg_junit_section_prefix(
					    LG_JUNIT_EXPLAIN), e)) < 0)
		return rc;
	for (size_t i = 0; i < e->type_count && rc == 0; i++) {
		if ((rc = lg_buf_printf(&v, "%s %.6g objects/call %.6g B/call%s",
					e->types[i].name, e->types[i].objects_per_call,
					e->types[i].bytes_per_call,
					e->types[i].untracked ? " untracked" : "")) == 0)
			rc = explain_row(x, "type", i, &v);
	}
	for (size_t i = 0; i < e->site_count && rc == 0; i++) {
		const lg_explain_frame *at = e->sites[i].at.file ? &e->sites[i].at
			: e->sites[i].frame_count ? &e->sites[i].frames[0] : NULL;

		if ((rc = lg_buf_printf(&v, "%s:%d %.6g B/call", at ? lg_format_path(
				where, sizeof(where), at->file) : "?", at ? at->line : 0,
				e->sites[i].bytes_per_call)) == 0)
			rc = explain_row(x, "site", i, &v);
	}
	for (size_t i = 0; i < e->native_count && rc == 0; i++) {
		const lg_explain_native *n = &e->natives[i];

		rc = lg_buf_printf(&v, "%.6g B/call", n->bytes_per_call);
		for (size_t k = 0; k < n->frame_count && rc == 0; k++)
			rc = lg_buf_printf(&v, " %s%s%s", n->frames[k].symbol
					   ? n->frames[k].symbol : "?", "@",
					   n->frames[k].library);
		if (rc == 0 && n->at.file)
			rc = lg_buf_printf(&v, " from %s:%d", lg_format_path(
				where, sizeof(where), n->at.file), n->at.line);
		if (rc == 0)
			rc = explain_row(x, "native", i, &v);
	}
	for (size_t i = 0; i < e->resource_count && rc == 0; i++) {
		const lg_explain_resource *res = &e->resources[i];

		if ((size_t)res->kind >= 3)
			continue;
		rc = lg_buf_printf(&v, "%lld %s", (long long)res->count, res->what);
		if (rc == 0 && res->at.file)
			rc = lg_buf_printf(&v, " at %s:%d", lg_format_path(
				where, sizeof(where), res->at.file), res->at.line);
		if (rc == 0)
			rc = explain_row(x, resource_tables[res->kind],
					 per_table[res->kind]++, &v);
	}
	for (size_t i = 0; i < e->cycle_count && rc == 0; i++) {
		if ((rc = lg_buf_printf(&v, "%s %.6g objects/call", e->cycles[i].name,
					e->cycles[i].objects_per_call)) == 0)
			rc = explain_row(x, "cycle", i, &v);
	}
	lg_buf_dispose(&v);
	return rc;
}

static int properties(writer *x, const lg_workload_result *r)
{
	char prefix[64];
	int rc;

	if ((rc = start(x, "properties")) < 0 ||
	    (rc = schema_properties(x, LG_JUNIT_RUN, "", r)) < 0)
		return rc;
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		if (is_fitted(r, m) &&
		    ((rc = metric_prefix(prefix, sizeof(prefix), "", (lg_metric)m)) < 0 ||
		     (rc = schema_properties(x, LG_JUNIT_FIT, prefix, &r->fits[m])) < 0))
			return rc;
	}
	if ((rc = samples_property(x, r, LG_METRIC_HEAP_BYTES)) < 0 ||
	    (r->culprit != LG_METRIC_HEAP_BYTES &&
	     (rc = samples_property(x, r, r->culprit)) < 0))
		return rc;
	if ((rc = baseline_properties(x, r->baseline)) < 0 ||
	    (rc = explain_properties(x, r)) < 0)
		return rc;
	return end(x);
}

/* "1.23 MB" for bytes, "1,023 fds" for the rest. */
static void format_amount(char *out, size_t size, double v,
			  const lg_metric_info *info)
{
	static const char *const prefixes[] = { "", "k", "M", "G", "T" };
	char number[LG_FORMAT_NUMBER_SIZE];
	size_t p = 0;

	if (strcmp(info->unit, "B") == 0) {
		while (fabs(v) >= 1000 && p + 1 < sizeof(prefixes) / sizeof(*prefixes)) {
			v /= 1000;
			p++;
		}
		snprintf(out, size, "%s %sB",
			 lg_format_number(number, sizeof(number), v), prefixes[p]);
		return;
	}
	/* Counters are integers: their growth reads best grouped. */
	if (v == floor(v) && fabs(v) < 1e15)
		lg_format_count(number, sizeof(number), (int64_t)v);
	else
		lg_format_number(number, sizeof(number), v);
	snprintf(out, size, "%s %s", number, fabs(v) == 1 ? info->unit : info->units);
}

/* "heap_bytes: 312 B/call (95% CI 305–320), tail 310 B/call, 48 samples
 * after 12 warm-up, growth 1.2 MB" and the flags. */
static int add_fit_line(lg_buf *b, lg_metric m, const lg_fit *f)
{
	static const lg_fit_options defaults = LG_FIT_OPTIONS_INIT;
	const lg_metric_info *info = lg_metric_get(m);
	char rate[LG_FORMAT_RATE_SIZE], tail[LG_FORMAT_NUMBER_SIZE], growth[LG_FORMAT_NUMBER_SIZE * 2];

	if (!f->enough)
		return lg_buf_printf(b, "%s: too few samples to fit (%zu after "
				     "%zu warm-up)\n", info->name, f->used,
				     f->warmup);
	/* The model does not record the level: lg_judge uses the default. */
	lg_format_rate(rate, sizeof(rate), f->slope, f->ci_low, f->ci_high, info,
		       defaults.confidence, LG_FORMAT_RATE_NAME);
	lg_format_number(tail, sizeof(tail), f->tail_slope);
	format_amount(growth, sizeof(growth), f->growth, info);
	return lg_buf_printf(b, "%s, tail %s %s/call, %zu samples after %zu "
			     "warm-up, growth %s%s%s\n",
			     rate, tail, info->unit, f->used, f->warmup, growth,
			     f->leaks ? "; leaks" : "",
			     f->plateau ? "; grew then plateaued" : "");
}

/* Cut b to at most limit bytes on a character boundary, saying so. */
static int bound(lg_buf *b, size_t limit)
{
	static const char note[] = "\n[... truncated]\n";
	size_t n;

	if (b->len <= limit)
		return 0;
	n = limit - (sizeof(note) - 1);
	while (n > 0 && ((unsigned char)b->ptr[n] & 0xc0) == 0x80)
		n--;
	b->len = n;
	b->ptr[n] = '\0';
	return lg_buf_puts(b, note);
}

/* The readable text inside <failure>: the message, then the figures. */
static int failure_body(lg_buf *b, const lg_workload_result *r)
{
	int rc = lg_buf_printf(b, "%s\n", r->message ? r->message : "leak");

	/* Judged metrics first, then the informational ones that explain
	 * where the memory went (pymalloc against malloc, objects). */
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (int m = 0; m < LG_METRIC_COUNT && rc == 0; m++) {
			int info = lg_metric_get((lg_metric)m)->kind == LG_METRIC_INFO;

			if (is_fitted(r, m) && info == pass)
				rc = add_fit_line(b, (lg_metric)m, &r->fits[m]);
		}
	}
	if (rc == 0 && r->outcome != LG_OUTCOME_COMPLETED)
		rc = lg_buf_printf(b, "stopped: %s\n", r->detail ? r->detail
				   : lg_outcome_name(r->outcome));
	if (rc == 0)
		rc = bound(b, BODY_LIMIT);
	/* Why, bounded on its own: the figures never crowd it out. */
	if (rc == 0 && r->explanation) {
		lg_buf why = LG_BUF_INIT;

		if ((rc = lg_buf_puts(&why, "\nwhy (explain pass):\n")) == 0 &&
		    (rc = lg_explain_render(&why, r->explanation, "  ", 1)) == 0 &&
		    (rc = bound(&why, EXPLAIN_LIMIT)) == 0)
			rc = lg_buf_add(b, why.ptr, why.len);
		lg_buf_dispose(&why);
	}
	return rc;
}

/* <system-out>/<system-err>: an optional note, then the tail. */
static int stream(writer *x, const char *element, const char *note,
		  const lg_tail *t)
{
	char dropped[96];
	int rc;

	if (!note && t->data.len == 0 && t->dropped == 0)
		return 0;
	if ((rc = start(x, element)) < 0)
		return rc;
	if (note && ((rc = text(x, note, strlen(note))) < 0 ||
		     (rc = text(x, "\n", 1)) < 0))
		return rc;
	if (t->dropped) {
		snprintf(dropped, sizeof(dropped), "[... %zu bytes dropped]\n",
			 t->dropped);
		if ((rc = text(x, dropped, strlen(dropped))) < 0)
			return rc;
	}
	if ((rc = text(x, t->data.ptr, t->data.len)) < 0)
		return rc;
	return end(x);
}

/* <failure>, <error> or <skipped> for the verdict; nothing when it passes. */
/* GitLab shows a test case's attachment (its chart) only on a <failure>,
 * never on an <error>: an error with a chart is written as a failure of its
 * outcome's type (the verdict property still says error, and the reader
 * takes it so). */
static int is_failure(const lg_workload_result *r)
{
	return r->verdict == LG_VERDICT_LEAK || r->verdict == LG_VERDICT_REGRESSION ||
	       (r->verdict == LG_VERDICT_INCONCLUSIVE && r->workload.fail_inconclusive) ||
	       (r->verdict == LG_VERDICT_ERROR && r->attachment && *r->attachment);
}

/* Passes, and is shown as skipped: a known leak, a skipped test, a
 * verdict without enough evidence (unless fail_inconclusive). */
static int is_skipped(const lg_workload_result *r)
{
	return r->verdict == LG_VERDICT_EXPECTED_LEAK || r->verdict == LG_VERDICT_SKIPPED ||
	       (r->verdict == LG_VERDICT_INCONCLUSIVE && !is_failure(r));
}

static int is_error(const lg_workload_result *r)
{
	return r->verdict == LG_VERDICT_ERROR && !is_failure(r);
}

static int verdict_element(writer *x, const lg_workload_result *r)
{
	const char *message = r->message ? r->message : "";
	lg_buf body = LG_BUF_INIT;
	int rc;

	switch (r->verdict) {
	case LG_VERDICT_LEAK:
	case LG_VERDICT_REGRESSION:
		if ((rc = failure_body(&body, r)) < 0 ||
		    (rc = start(x, "failure")) < 0 ||
		    (rc = attr(x, "type", r->verdict == LG_VERDICT_REGRESSION
			       ? "regression" : r->culprit == LG_METRIC_GC_COLLECTED
			       ? "cycles" : "leak")) < 0 ||
		    (rc = attr(x, "message", message)) < 0 ||
		    (rc = text(x, body.ptr, body.len)) < 0 ||
		    (rc = end(x)) < 0) {
			lg_buf_dispose(&body);
			return rc;
		}
		lg_buf_dispose(&body);
		return 0;
	case LG_VERDICT_ERROR:
		if ((rc = start(x, is_failure(r) ? "failure" : "error")) < 0 ||
		    (rc = attr(x, "type", lg_outcome_name(r->outcome))) < 0 ||
		    (rc = attr(x, "message", message)) < 0 ||
		    (r->traceback &&
		     (rc = text(x, r->traceback, strlen(r->traceback))) < 0))
			return rc;
		return end(x);
	case LG_VERDICT_EXPECTED_LEAK:
	case LG_VERDICT_SKIPPED:
		/* A skipped test: its runner's reason, as pytest writes it. */
		if ((rc = start(x, "skipped")) < 0 ||
		    (rc = attr(x, "type", r->verdict != LG_VERDICT_SKIPPED
			       ? "expected-leak" : r->detail &&
			       strncmp(r->detail, "xfail", 5) == 0
			       ? "pytest.xfail" : "pytest.skip")) < 0 ||
		    (rc = attr(x, "message", r->verdict == LG_VERDICT_SKIPPED &&
			       r->detail ? r->detail : message)) < 0)
			return rc;
		return end(x);
	case LG_VERDICT_INCONCLUSIVE:
		/* Visible in every CI's view, a failure only when asked. */
		if ((rc = start(x, is_failure(r) ? "failure" : "skipped")) < 0 ||
		    (rc = attr(x, "type", "inconclusive")) < 0 ||
		    (rc = attr(x, "message", message)) < 0)
			return rc;
		return end(x);
	case LG_VERDICT_CLEAN:
	case LG_VERDICT_LEAK_FIXED:
		break;
	}
	return 0;
}

/*
 * classname and name: the module and function the agent reported, else the
 * parts of the target, so that a workload that failed to import keeps the
 * identity it has in passing runs ("dir/f.py:fn" -> "f", "fn").
 */
static int identity(lg_buf *classname, lg_buf *name, const lg_workload_result *r)
{
	const char *target = r->workload.target ? r->workload.target
			     : r->workload.name ? r->workload.name : "";
	const char *colon = strrchr(target, ':');
	const char *left = target, *left_end = colon ? colon : target;
	size_t n;
	int rc;

	if (!r->module && lg_workload_target_kind(target) != LG_TARGET_FUNCTION) {
		/* A test keeps the names pytest's junitxml gives it. */
		char *test_class, *test_name;

		if (lg_workload_test_names(&test_class, &test_name, target) == 0) {
			rc = lg_buf_puts(classname, test_class);
			if (rc == 0)
				rc = lg_buf_puts(name, test_name);
			free(test_class);
			free(test_name);
			return rc;
		}
	}
	if (r->module) {
		rc = lg_buf_puts(classname, r->module);
	} else {
		n = (size_t)(left_end - left);
		/* A file target is imported as a module named after the file. */
		if (memchr(left, '/', n) || (n > 3 && memcmp(left_end - 3, ".py", 3) == 0)) {
			for (const char *p = left; p < left_end; p++)
				if (*p == '/')
					left = p + 1;
			n = (size_t)(left_end - left);
			if (n > 3 && memcmp(left_end - 3, ".py", 3) == 0)
				n -= 3;
		}
		rc = lg_buf_add(classname, left, n);
	}
	if (rc < 0)
		return rc;
	if (r->function)
		return lg_buf_puts(name, r->function);
	return lg_buf_puts(name, colon && colon[1] ? colon + 1 : target);
}

/*
 * <system-out>: the attachment line first (GitLab shows the first
 * [[ATTACHMENT|path]] of a failed test, the path relative to the project
 * directory; Jenkins' attachments plugin reads the same line), the note of
 * a known leak that stopped, then the workload's stdout.
 */
static int system_out(writer *x, const lg_workload_result *r)
{
	lg_buf note = LG_BUF_INIT;
	char path[4096];
	/* A fixed known leak and an improvement on the baseline both ask
	 * for something to be updated: say so where CI shows passing tests. */
	int fixed = r->verdict == LG_VERDICT_LEAK_FIXED ||
		    (r->baseline && r->baseline->status == LG_BASELINE_IMPROVEMENT);
	int rc = 0;

	if (r->attachment && *r->attachment)
		rc = lg_buf_printf(&note, "[[ATTACHMENT|%s]]", lg_format_path(
					   path, sizeof(path), r->attachment));
	if (rc == 0 && fixed)
		rc = lg_buf_printf(&note, "%s%s", note.len ? "\n" : "",
				   r->message ? r->message : "");
	if (rc == 0)
		rc = stream(x, "system-out", note.len || fixed
			    ? lg_buf_cstr(&note) : NULL, &r->out);
	lg_buf_dispose(&note);
	return rc;
}

static int testcase(writer *x, const lg_workload_result *r)
{
	lg_buf classname = LG_BUF_INIT, name = LG_BUF_INIT;
	char file[4096];
	const char *site;
	int site_line, rc;

	rc = identity(&classname, &name, r);
	if (rc == 0 && (rc = start(x, "testcase")) == 0 && classname.len)
		rc = attr(x, "classname", classname.ptr);
	if (rc == 0)
		rc = attr(x, "name", lg_buf_cstr(&name));
	lg_buf_dispose(&classname);
	lg_buf_dispose(&name);
	if (rc < 0)
		return rc;
	/* The line that raised, or the one the explanation blames, so CI
	 * annotates it; else the function (kept as the function.file/line
	 * properties). */
	lg_view_site(r, &site, &site_line);
	if ((site && (rc = attr(x, "file", lg_format_path(file, sizeof(file), site))) < 0) ||
	    (site_line > 0 && (rc = attr_count(x, "line", site_line)) < 0))
		return rc;
	if ((rc = attr_seconds(x, "time", r->seconds)) < 0 ||
	    (rc = verdict_element(x, r)) < 0 ||
	    (rc = system_out(x, r)) < 0 ||
	    (rc = stream(x, "system-err", NULL, &r->err)) < 0)
		return rc;
	return end(x);
}

static int testsuite(writer *x, const lg_workload_result *r)
{
	const char *name = r->workload.name ? r->workload.name
			   : r->workload.target ? r->workload.target : "";
	int rc;

	if ((rc = start(x, "testsuite")) < 0 ||
	    (rc = attr(x, "name", name)) < 0 ||
	    (rc = attr(x, "tests", "1")) < 0 ||
	    (rc = attr_count(x, "failures", is_failure(r))) < 0 ||
	    (rc = attr_count(x, "errors", is_error(r))) < 0 ||
	    (rc = attr_count(x, "skipped", is_skipped(r))) < 0 ||
	    (rc = attr_seconds(x, "time", r->seconds)) < 0 ||
	    (x->stamp[0] && (rc = attr(x, "timestamp", x->stamp)) < 0) ||
	    (x->host[0] && (rc = attr(x, "hostname", x->host)) < 0) ||
	    (rc = properties(x, r)) < 0 ||
	    (rc = testcase(x, r)) < 0)
		return rc;
	return end(x);
}

/* An empty run (a shard with no workloads) still gets a <testsuite>, of no
 * tests: viewers such as xunit-viewer fail on a bare <testsuites>. The
 * reader skips it (junit_read.c). */
static int empty_testsuite(writer *x)
{
	int rc;

	if ((rc = start(x, "testsuite")) < 0 ||
	    (rc = attr(x, "name", "leakgate")) < 0 ||
	    (rc = attr(x, "tests", "0")) < 0 ||
	    (rc = attr(x, "failures", "0")) < 0 ||
	    (rc = attr(x, "errors", "0")) < 0 ||
	    (rc = attr(x, "skipped", "0")) < 0)
		return rc;
	return end(x);
}

static int document(writer *x, const lg_run_result *run)
{
	size_t failures = 0, errors = 0;
	int rc;

	for (size_t i = 0; i < run->count; i++) {
		failures += is_failure(&run->items[i]);
		errors += is_error(&run->items[i]);
	}
	if (xmlTextWriterSetIndent(x->w, 1) < 0 ||
	    xmlTextWriterSetIndentString(x->w, BAD_CAST "  ") < 0)
		return failed(x, "indentation");
	if (xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL) < 0)
		return failed(x, "XML declaration");
	/* The schema has no skipped count on <testsuites>: see each suite. */
	if ((rc = start(x, "testsuites")) < 0 ||
	    (rc = attr(x, "name", "leakgate")) < 0 ||
	    (rc = attr_count(x, "tests", (long long)run->count)) < 0 ||
	    (rc = attr_count(x, "failures", (long long)failures)) < 0 ||
	    (rc = attr_count(x, "errors", (long long)errors)) < 0 ||
	    (rc = attr_seconds(x, "time", run->seconds)) < 0)
		return rc;
	for (size_t i = 0; i < run->count; i++)
		if ((rc = testsuite(x, &run->items[i])) < 0)
			return rc;
	if (run->count == 0 && (rc = empty_testsuite(x)) < 0)
		return rc;
	if ((rc = end(x)) < 0)
		return rc;
	if (xmlTextWriterEndDocument(x->w) < 0)
		return failed(x, "end of document");
	if (xmlTextWriterFlush(x->w) < 0 || x->out.failed)
		return failed(x, "flush");
	return 0;
}

static void describe_run(writer *x, const lg_run_result *run)
{
	time_t started = run->started;
	struct tm tm;

	if (gethostname(x->host, sizeof(x->host)) < 0)
		x->host[0] = '\0';
	x->host[sizeof(x->host) - 1] = '\0';
	if (!started || !gmtime_r(&started, &tm) ||
	    !strftime(x->stamp, sizeof(x->stamp), "%Y-%m-%dT%H:%M:%SZ", &tm))
		x->stamp[0] = '\0';
}

int lg_junit_render(lg_buf *out, const lg_run_result *run)
{
	xmlStructuredErrorFunc saved_handler;
	void *saved_context;
	xmlOutputBufferPtr xml;
	writer x;
	int rc;

	if (!out || !run || (run->count && !run->items)) {
		lg_error_set("JUnit report: no output or no results");
		return LG_EINVALID;
	}
	memset(&x, 0, sizeof(x));
	x.out.buf = out;
	describe_run(&x, run);
	saved_handler = xmlStructuredError;
	saved_context = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(NULL, lg_xml_quiet);
	xmlResetLastError();
	xml = lg_xml_sink_open(&x.out);
	x.w = xml ? xmlNewTextWriter(xml) : NULL;
	if (!x.w) {
		if (xml)
			xmlOutputBufferClose(xml);
		rc = lg_error_oom();
	} else {
		rc = document(&x, run);
		xmlFreeTextWriter(x.w); /* closes xml, flushing what is left */
		if (rc == 0 && x.out.failed)
			rc = failed(&x, "flush");
	}
	xmlSetStructuredErrorFunc(saved_context, saved_handler);
	lg_buf_dispose(&x.text);
	return rc;
}

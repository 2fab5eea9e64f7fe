/*
 * Decoding a leakgate JUnit file (junit_decode.h): properties by the schema
 * (junit_schema.h), the lists the schema does not hold (samples, the
 * explanation's tables), and the test case, into the results model.
 */
#include "leakgate/junit_decode.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/baseline_cmp.h"
#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/explanation.h"
#include "leakgate/fit.h"
#include "leakgate/junit_schema.h"
#include "leakgate/metric.h"
#include "leakgate/parse.h"
#include "leakgate/series.h"

int lg_junit_invalid(const lg_junit_at *at, const char *fmt, ...)
{
	char what[512];
	char where[128] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (at->line > 0)
		snprintf(where, sizeof(where), "line %ld: ", at->line);
	if (at->suite)
		lg_error_set("%s: %stestsuite '%s': %s", at->file, where, at->suite, what);
	else
		lg_error_set("%s: %s%s", at->file, where, what);
	return LG_EINVALID;
}

/* name = value into the field of row p in base (the section's struct). */
static int field(void *base, const lg_junit_property *p, const lg_junit_at *at,
		 const char *name, const char *value)
{
	char why[400];
	int rc = lg_junit_property_parse(p, base, value, why, sizeof(why));

	if (rc == LG_EINVALID)
		return lg_junit_invalid(at, "property '%s': %s", name, why);
	return rc;
}

/* The metric named by the start of key up to its first dot: 0, or
 * LG_NOT_MINE when there is no dot or no such metric. */
static int metric_prefix(lg_metric *m, const char **rest, const char *key)
{
	const char *dot = strchr(key, '.');
	char metric_name[64];

	if (!dot || (size_t)(dot - key) >= sizeof(metric_name))
		return LG_NOT_MINE;
	memcpy(metric_name, key, (size_t)(dot - key));
	metric_name[dot - key] = '\0';
	if (lg_metric_from_name(m, metric_name) < 0)
		return LG_NOT_MINE;
	*rest = dot + 1;
	return 0;
}

/* "calls:value calls:value ..." into the series, metric m. The first
 * samples property lays the samples out (in place of the one sample the
 * calls property left); the next must match its calls. */
static int samples(lg_workload_result *r, const lg_junit_at *at,
		   const char *name, lg_metric m, const char *value)
{
	lg_series *s = &r->series;
	int layout = s->present == 0;
	size_t i = 0;
	const char *p = value;
	int rc;

	if (layout) {
		size_t n = 0;

		for (const char *c = value; (c = strchr(c, ':')); c++)
			n++;
		if (n)
			s->count = 0;
		if ((rc = lg_series_reserve(s, n)) < 0)
			return rc;
	}
	while (*p) {
		size_t n = strcspn(p, ":");
		int64_t calls, v;

		if (p[n] != ':' || lg_parse_i64n(&calls, p, n) < 0 || calls < 0)
			break;
		p += n + 1;
		n = strcspn(p, " ");
		if (lg_parse_i64n(&v, p, n) < 0)
			break;
		p += n + (p[n] == ' ');
		if (layout) {
			lg_sample sample;

			memset(&sample, 0, sizeof(sample));
			sample.calls = calls;
			if (s->count && calls <= lg_series_calls(s))
				return lg_junit_invalid(at, "property '%s': calls do not "
							"increase at %lld", name,
							(long long)calls);
			if ((rc = lg_series_push(s, &sample)) < 0)
				return rc;
		} else if (i >= s->count || s->samples[i].calls != calls) {
			return lg_junit_invalid(at, "property '%s': its calls differ "
						"from the other samples", name);
		}
		s->samples[i++].value[m] = v;
	}
	if (*p)
		return lg_junit_invalid(at, "property '%s': '%s' is not a list of "
					"calls:value", name, value);
	if (!layout && i != s->count)
		return lg_junit_invalid(at, "property '%s': its calls differ from "
					"the other samples", name);
	s->present |= 1u << m;
	return 0;
}

/* "<metric>.<field>": a fitted figure or the samples. LG_NOT_MINE when the
 * prefix is not a metric. */
static int metric_property(lg_workload_result *r, const lg_junit_at *at,
			   const char *name, const char *value)
{
	const lg_junit_property *p;
	const char *key;
	lg_metric m;
	int rc;

	if (metric_prefix(&m, &key, name) == LG_NOT_MINE)
		return LG_NOT_MINE;
	if (strcmp(key, "samples") == 0)
		return samples(r, at, name, m, value);
	if (!(p = lg_junit_schema_find(LG_JUNIT_FIT, key)))
		return 0; /* a figure of a later version */
	if ((rc = field(&r->fits[m], p, at, name, value)) < 0)
		return rc;
	r->fitted |= 1u << m;
	return 0;
}

/* "baseline.*": the comparison with the baseline, rebuilt as far as the
 * file keeps it. LG_NOT_MINE when the name is not one of them. */
static int baseline_property(lg_workload_result *r, const lg_junit_at *at,
			     const char *name, const char *value)
{
	const char *prefix = lg_junit_section_prefix(LG_JUNIT_BASELINE);
	lg_baseline_cmp *cmp = r->baseline;
	const lg_junit_property *p;
	const char *key, *rest;
	lg_metric m;
	int rc;

	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return LG_NOT_MINE;
	key = name + strlen(prefix);
	if (!cmp) {
		if (!(cmp = calloc(1, sizeof(*cmp))))
			return lg_error_oom();
		cmp->metric = r->culprit;
		r->baseline = cmp;
	}
	if ((p = lg_junit_schema_find(LG_JUNIT_BASELINE, key)))
		return field(cmp, p, at, name, value);
	if (metric_prefix(&m, &rest, key) == LG_NOT_MINE ||
	    !(p = lg_junit_schema_find(LG_JUNIT_BASELINE_METRIC, rest)))
		return 0; /* a figure of a later version */
	if ((rc = field(&cmp->entry.metrics[m], p, at, name, value)) < 0)
		return rc;
	cmp->entry.metrics[m].present = 1;
	return 0;
}

/* Cut "a b c" at its last n spaces: parts[0] the head (may hold spaces,
 * as a path may), parts[1..n] the last words. 0, or LG_EINVALID when there
 * are fewer words. The copy in *buf is the caller's to free. */
static int last_words(char **buf, char **parts, size_t n, const char *text)
{
	char *copy = strdup(text);

	if (!copy)
		return lg_error_oom();
	*buf = copy;
	for (size_t k = n; k > 0; k--) {
		char *space = strrchr(copy, ' ');

		if (!space || space == copy)
			return LG_EINVALID;
		*space = '\0';
		parts[k] = space + 1;
	}
	parts[0] = copy;
	return 0;
}

/* Room for one more row of size bytes in *items (count rows now). */
static int grow_rows(void **items, size_t count, size_t size)
{
	void *grown = realloc(*items, (count + 1) * size);

	if (!grown)
		return lg_error_oom();
	*items = grown;
	return 0;
}

/* "explain.type.N" = "NAME X objects/call Y B/call[ untracked]" (junit.c
 * explain_properties), appended in the file's order (its ranking). */
static int explain_type_row(lg_explanation *e, const char *value)
{
	char *buf = NULL, *parts[6] = { NULL };
	int untracked = strlen(value) > 10 &&
		strcmp(value + strlen(value) - 10, " untracked") == 0;
	lg_explain_type t = { 0 };
	int rc = last_words(&buf, parts, untracked ? 5 : 4, value);

	if (rc == 0 && (strchr(parts[0], ' ') || strcmp(parts[2], "objects/call") ||
			strcmp(parts[4], "B/call") ||
			lg_parse_double(&t.objects_per_call, parts[1]) < 0 ||
			lg_parse_double(&t.bytes_per_call, parts[3]) < 0))
		rc = LG_EINVALID;
	if (rc < 0 || e->type_count >= LG_EXPLAIN_TOP ||
	    (rc = grow_rows((void **)&e->types, e->type_count, sizeof(t))) < 0)
		goto out;
	t.untracked = untracked;
	if ((rc = lg_string_set(&t.name, parts[0])) == 0)
		e->types[e->type_count++] = t;
out:
	free(buf);
	return rc;
}

/* "explain.site.N" = "FILE:LINE Y B/call". */
static int explain_site_row(lg_explanation *e, const char *value)
{
	char *buf = NULL, *parts[3] = { NULL };
	lg_explain_site s = { 0 };
	int rc = last_words(&buf, parts, 2, value);

	if (rc == 0 && (strcmp(parts[2], "B/call") ||
			lg_parse_double(&s.bytes_per_call, parts[1]) < 0))
		rc = LG_EINVALID;
	if (rc < 0 || e->site_count >= LG_EXPLAIN_TOP ||
	    (rc = grow_rows((void **)&e->sites, e->site_count, sizeof(s))) < 0)
		goto out;
	if ((rc = lg_junit_site_parse(&s.at.file, &s.at.line, parts[0])) == 0)
		e->sites[e->site_count++] = s;
out:
	free(buf);
	return rc;
}


/*
 * "explain.*": the explanation as far as it maps back: its kind, the line it
 * blames, the retainer chain, what C code keeps, why it stopped, the
 * growing types and the allocation sites (for the summary). The other
 * tables (native stacks, resources) are kept as text rows in the file and
 * not read back. LG_NOT_MINE when the name is not one of them.
 */
static int explain_property(lg_workload_result *r, const lg_junit_at *at,
			    const char *name, const char *value)
{
	const char *prefix = lg_junit_section_prefix(LG_JUNIT_EXPLAIN);
	const lg_junit_property *p;
	const char *key;
	int rc;

	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return LG_NOT_MINE;
	key = name + strlen(prefix);
	if (!r->explanation && (rc = lg_explanation_new(&r->explanation)) < 0)
		return rc;
	if ((p = lg_junit_schema_find(LG_JUNIT_EXPLAIN, key)))
		return field(r->explanation, p, at, name, value);
	if (strncmp(key, "type.", 5) != 0 && strncmp(key, "site.", 5) != 0)
		return 0; /* a table row, or a figure of a later version */
	rc = key[0] == 't' ? explain_type_row(r->explanation, value)
		: explain_site_row(r->explanation, value);
	return rc == LG_EINVALID ? lg_junit_invalid(at, "property '%s': '%s' is not "
						    "what leakgate writes", name, value)
		: rc;
}

/* "function.file" / "function.line": the workload function's place, when
 * the test case's file and line are the explanation's. */
static int function_property(lg_workload_result *r, const lg_junit_at *at,
			     const char *name, const char *value)
{
	const char *prefix = lg_junit_section_prefix(LG_JUNIT_FUNCTION);
	const lg_junit_property *p;

	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return LG_NOT_MINE;
	p = lg_junit_schema_find(LG_JUNIT_FUNCTION, name + strlen(prefix));
	return p ? field(r, p, at, name, value) : 0;
}

int lg_junit_decode_property(lg_workload_result *r, const lg_junit_at *at,
			     const char *name, const char *value)
{
	/* Each reader of a dotted name in turn, until one takes it. */
	static int (*const sections[])(lg_workload_result *, const lg_junit_at *,
				       const char *, const char *) = {
		metric_property, baseline_property, explain_property,
		function_property,
	};
	const lg_junit_property *p;
	int rc;

	if (!strchr(name, '.')) {
		p = lg_junit_schema_find(LG_JUNIT_RUN, name);
		return p ? field(r, p, at, name, value) : 0;
	}
	for (size_t i = 0; i < sizeof(sections) / sizeof(*sections); i++)
		if ((rc = sections[i](r, at, name, value)) != LG_NOT_MINE)
			return rc;
	return 0; /* unknown: a property of a later version */
}

/* Cut the first line off *text when it is exactly `line`. */
static int take_line(const char **text, const char *prefix, const char *suffix,
		     char **out)
{
	const char *nl = strchr(*text, '\n');
	size_t len = nl ? (size_t)(nl - *text) : strlen(*text);
	size_t pre = strlen(prefix), suf = strlen(suffix);

	if (len < pre + suf || strncmp(*text, prefix, pre) != 0 ||
	    strncmp(*text + len - suf, suffix, suf) != 0)
		return 0;
	if (out) {
		*out = strndup(*text + pre, len - pre - suf);
		if (!*out)
			return -1;
	}
	*text += nl ? len + 1 : len;
	return 1;
}

/* The tail as stream() in junit.c wrote it: "[... N bytes dropped]\n", then
 * the bytes. */
static int tail(lg_tail *t, const char *text)
{
	char *dropped = NULL;
	int64_t n;
	int rc = take_line(&text, "[... ", " bytes dropped]", &dropped);

	if (rc < 0)
		goto oom;
	if (rc > 0 && lg_parse_i64(&n, dropped) == 0 && n >= 0)
		t->dropped = (size_t)n;
	free(dropped);
	lg_buf_clear(&t->data);
	t->limit = strlen(text) > LG_JUNIT_TAIL_MIN ? strlen(text) : LG_JUNIT_TAIL_MIN;
	return lg_buf_puts(&t->data, text);
oom:
	return lg_error_oom();
}

/* <system-out>: the attachment line, the note of a fixed leak, the tail. */
static int system_out(lg_workload_result *r, const char *text)
{
	const char *p = text;

	if (take_line(&p, "[[ATTACHMENT|", "]]", &r->attachment) < 0)
		return lg_error_oom();
	if (r->verdict == LG_VERDICT_LEAK_FIXED)
		take_line(&p, "", "", NULL);
	return tail(&r->out, p);
}

/* What the properties imply but do not say: a fit's flags, that C code
 * keeps the leak, the target (the suite's name when none was written). */
static int implied(lg_workload_result *r, const lg_junit_at *at)
{
	static const lg_fit_options defaults = LG_FIT_OPTIONS_INIT;

	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		lg_fit *f = &r->fits[m];

		if (!((r->fitted >> m) & 1u))
			continue;
		f->sustained = f->leaks;
		f->enough = f->used >= defaults.min_samples;
	}
	if (r->explanation)
		r->explanation->kept_by_c = r->explanation->c_call ||
					    r->explanation->c_library;
	if (!r->workload.target)
		return lg_string_set(&r->workload.target, at->suite);
	return 0;
}

int lg_junit_decode_suite(lg_workload_result *r, const lg_junit_at *at,
			  const lg_junit_testcase *tc)
{
	char *const *a = tc->attrs;
	lg_junit_at here = *at;
	int64_t n;
	int rc;
	/* With an explanation the test case points at its site; the function's
	 * own place came with the function.* properties. */
	int site = r->explanation && r->explanation->site_file;

	here.line = tc->line;
	if ((rc = implied(r, at)) == 0 &&
	    (rc = lg_string_set(&r->module, a[LG_JUNIT_CLASSNAME])) == 0 &&
	    (rc = lg_string_set(&r->function, a[LG_JUNIT_NAME])) == 0 && !site)
		rc = lg_string_set(&r->file, a[LG_JUNIT_FILE]);
	if (rc == 0 && a[LG_JUNIT_LINE_ATTR] && !site) {
		if (lg_parse_i64(&n, a[LG_JUNIT_LINE_ATTR]) < 0 || n < 0 || n > 1000000000)
			rc = lg_junit_invalid(&here, "<testcase> line '%s' is not a "
					      "line number", a[LG_JUNIT_LINE_ATTR]);
		else
			r->line = (int)n;
	}
	if (rc == 0 && a[LG_JUNIT_TIME] && lg_parse_double(&r->seconds, a[LG_JUNIT_TIME]) < 0)
		rc = lg_junit_invalid(&here, "<testcase> time '%s' is not a number",
				      a[LG_JUNIT_TIME]);

	for (size_t i = 0; i < tc->count && rc == 0; i++) {
		const lg_junit_child *c = &tc->children[i];
		const char *text = lg_buf_cstr(&c->text);

		if (c->kind == LG_JUNIT_SYSTEM_OUT) {
			rc = system_out(r, text);
		} else if (c->kind == LG_JUNIT_SYSTEM_ERR) {
			rc = tail(&r->err, text);
		} else {
			/* Files without the message property (older ones). */
			if (!r->message)
				rc = lg_string_set(&r->message, c->message);
			/* An error with a chart is a <failure> (junit.c). */
			if (rc == 0 && (c->kind == LG_JUNIT_ERROR || (c->kind == LG_JUNIT_FAILURE &&
					r->verdict == LG_VERDICT_ERROR)) && *text)
				rc = lg_string_set(&r->traceback, text);
		}
	}
	return rc;
}

time_t lg_junit_decode_stamp(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	return end && *end == '\0' ? timegm(&tm) : 0;
}

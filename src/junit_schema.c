/*
 * The JUnit properties, one row each (junit_schema.h), and the one place
 * where a field becomes text and text a field again.
 */
#include "leakgate/junit_schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/baseline_cmp.h"
#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/explanation.h"
#include "leakgate/fit.h"
#include "leakgate/format.h"
#include "leakgate/metric.h"
#include "leakgate/parse.h"
#include "leakgate/result.h"
#include "leakgate/series.h"

#define ROW(sec, nm, ty, strct, field) \
	{ .name = nm, .section = sec, .type = ty, .offset = offsetof(strct, field) }
#define RUN(nm, ty, field) ROW(LG_JUNIT_RUN, nm, ty, lg_workload_result, field)
#define FIT(nm, ty, field) ROW(LG_JUNIT_FIT, nm, ty, lg_fit, field)
#define CMP(nm, ty, field) ROW(LG_JUNIT_BASELINE, nm, ty, lg_baseline_cmp, field)
#define CMP_METRIC(nm, field) \
	ROW(LG_JUNIT_BASELINE_METRIC, nm, LG_JUNIT_NUMBER, lg_baseline_metric, field)
#define EXPLAIN(nm, ty, field) ROW(LG_JUNIT_EXPLAIN, nm, ty, lg_explanation, field)

const lg_junit_property lg_junit_schema[] = {
	RUN("target", LG_JUNIT_STRING, workload.target),
	RUN("verdict", LG_JUNIT_VERDICT, verdict),
	RUN("outcome", LG_JUNIT_OUTCOME, outcome),
	RUN("expect", LG_JUNIT_EXPECT, workload.expect_leak),
	RUN("fail_inconclusive", LG_JUNIT_FLAG, workload.fail_inconclusive),
	RUN("threshold", LG_JUNIT_NUMBER, workload.threshold),
	RUN("python", LG_JUNIT_STRING, python_version),
	RUN("implementation", LG_JUNIT_STRING, implementation),
	RUN("platform", LG_JUNIT_STRING, platform),
	RUN("batch", LG_JUNIT_COUNT, batch),
	RUN("call_ns", LG_JUNIT_COUNT, call_ns),
	RUN("calls", LG_JUNIT_CALLS, series),
	RUN("samples", LG_JUNIT_SAMPLES, series),
	{ .name = "cpu_seconds", .section = LG_JUNIT_RUN, .type = LG_JUNIT_NUMBER,
	  .offset = offsetof(lg_workload_result, cpu_seconds),
	  .flags = LG_JUNIT_POSITIVE },
	{ .name = "flat_calls", .section = LG_JUNIT_RUN, .type = LG_JUNIT_WHOLE_DOUBLE,
	  .offset = offsetof(lg_workload_result, flat_calls),
	  .flags = LG_JUNIT_POSITIVE },
	RUN("message", LG_JUNIT_STRING, message),
	RUN("detail", LG_JUNIT_STRING, detail),
	RUN("culprit", LG_JUNIT_METRIC, culprit),

	FIT("slope", LG_JUNIT_NUMBER, slope),
	FIT("ci_low", LG_JUNIT_NUMBER, ci_low),
	FIT("ci_high", LG_JUNIT_NUMBER, ci_high),
	FIT("tail_slope", LG_JUNIT_NUMBER, tail_slope),
	FIT("warmup", LG_JUNIT_SIZE, warmup),
	FIT("used", LG_JUNIT_SIZE, used),
	FIT("leaks", LG_JUNIT_BOOL, leaks),
	FIT("plateau", LG_JUNIT_BOOL, plateau),
	FIT("calls", LG_JUNIT_NUMBER, calls),

	CMP("status", LG_JUNIT_STATUS, status),
	CMP("rev", LG_JUNIT_STRING, rev),
	CMP("store", LG_JUNIT_STRING, store),
	CMP("reason", LG_JUNIT_STRING, reason),
	CMP("python", LG_JUNIT_STRING, entry.python_version),
	/* The parameters in force (the stricter of the run's and main's),
	 * all three once a baseline was found. */
	{ .name = "threshold", .section = LG_JUNIT_BASELINE, .type = LG_JUNIT_NUMBER,
	  .offset = offsetof(lg_baseline_cmp, params.threshold), .flags = LG_JUNIT_GIVEN,
	  .aux = offsetof(lg_baseline_cmp, params.given), .bit = LG_PARAM_THRESHOLD },
	{ .name = "regression_floor", .section = LG_JUNIT_BASELINE, .type = LG_JUNIT_NUMBER,
	  .offset = offsetof(lg_baseline_cmp, params.regression_floor),
	  .flags = LG_JUNIT_GIVEN, .aux = offsetof(lg_baseline_cmp, params.given),
	  .bit = LG_PARAM_FLOOR },
	{ .name = "regression_tolerance", .section = LG_JUNIT_BASELINE,
	  .type = LG_JUNIT_NUMBER,
	  .offset = offsetof(lg_baseline_cmp, params.regression_tolerance),
	  .flags = LG_JUNIT_GIVEN, .aux = offsetof(lg_baseline_cmp, params.given),
	  .bit = LG_PARAM_TOLERANCE },

	CMP_METRIC("slope", slope),
	CMP_METRIC("ci_low", ci_low),
	CMP_METRIC("ci_high", ci_high),

	/* testcase@file/@line name the explanation's line; the function's stay. */
	{ .name = "file", .section = LG_JUNIT_FUNCTION, .type = LG_JUNIT_PATH,
	  .offset = offsetof(lg_workload_result, file) },
	{ .name = "line", .section = LG_JUNIT_FUNCTION, .type = LG_JUNIT_LINE,
	  .offset = offsetof(lg_workload_result, line), .flags = LG_JUNIT_POSITIVE },

	EXPLAIN("kind", LG_JUNIT_KIND, kind),
	{ .name = "site", .section = LG_JUNIT_EXPLAIN, .type = LG_JUNIT_SITE,
	  .offset = offsetof(lg_explanation, site_file),
	  .aux = offsetof(lg_explanation, site_line) },
	EXPLAIN("chain", LG_JUNIT_STRING, chain),
	EXPLAIN("chain_root", LG_JUNIT_STRING, chain_root),
	EXPLAIN("chain_note", LG_JUNIT_STRING, chain_note),
	EXPLAIN("c_call", LG_JUNIT_STRING, c_call),
	EXPLAIN("c_library", LG_JUNIT_STRING, c_library),
	EXPLAIN("stopped", LG_JUNIT_STRING, stopped),
	EXPLAIN("calls", LG_JUNIT_COUNT, calls),
	{ .name = "traced_bytes_per_call", .section = LG_JUNIT_EXPLAIN,
	  .type = LG_JUNIT_NUMBER,
	  .offset = offsetof(lg_explanation, traced_bytes_per_call),
	  .flags = LG_JUNIT_GIVEN, .aux = offsetof(lg_explanation, traced), .bit = 1 },
	{ .name = "c_at", .section = LG_JUNIT_EXPLAIN, .type = LG_JUNIT_SITE,
	  .offset = offsetof(lg_explanation, c_at.file),
	  .aux = offsetof(lg_explanation, c_at.line) },
};

const size_t lg_junit_schema_count = sizeof(lg_junit_schema) / sizeof(*lg_junit_schema);

/* The fields are read through these types: an enum must be an int's size. */
_Static_assert(sizeof(lg_verdict) == sizeof(int) && sizeof(lg_outcome) == sizeof(int) &&
	       sizeof(lg_metric) == sizeof(int) &&
	       sizeof(lg_baseline_status) == sizeof(int) &&
	       sizeof(lg_leak_kind) == sizeof(int), "enums are ints");
/* traced (int) is a GIVEN row's bits (unsigned). */
_Static_assert(sizeof(((lg_explanation *)0)->traced) == sizeof(unsigned),
	       "traced is an int");

const char *lg_junit_section_prefix(lg_junit_section s)
{
	switch (s) {
	case LG_JUNIT_BASELINE: return "baseline.";
	case LG_JUNIT_FUNCTION: return "function.";
	case LG_JUNIT_EXPLAIN: return "explain.";
	case LG_JUNIT_RUN:
	case LG_JUNIT_FIT:
	case LG_JUNIT_BASELINE_METRIC:
		break;
	}
	return "";
}

const lg_junit_property *lg_junit_schema_find(lg_junit_section s, const char *name)
{
	for (size_t i = 0; i < lg_junit_schema_count; i++)
		if (lg_junit_schema[i].section == s &&
		    strcmp(lg_junit_schema[i].name, name) == 0)
			return &lg_junit_schema[i];
	return NULL;
}

/* The enums written by name: each one's name for a value, "unknown" past
 * the last (or NULL past LG_METRIC_COUNT), and what the reader calls it. */
static const char *enum_name(lg_junit_type type, int v)
{
	switch (type) {
	case LG_JUNIT_VERDICT: return lg_verdict_name((lg_verdict)v);
	case LG_JUNIT_OUTCOME: return lg_outcome_name((lg_outcome)v);
	case LG_JUNIT_METRIC:
		return v < LG_METRIC_COUNT ? lg_metric_get((lg_metric)v)->name : "unknown";
	case LG_JUNIT_STATUS:
		return v <= LG_BASELINE_INCOMPARABLE
		       ? lg_baseline_status_name((lg_baseline_status)v) : "unknown";
	case LG_JUNIT_KIND: return lg_leak_kind_name((lg_leak_kind)v);
	default: return "unknown";
	}
}

static const char *enum_what(lg_junit_type type)
{
	switch (type) {
	case LG_JUNIT_VERDICT: return "verdict";
	case LG_JUNIT_OUTCOME: return "outcome";
	case LG_JUNIT_METRIC: return "metric";
	case LG_JUNIT_STATUS: return "status";
	default: return "kind";
	}
}

#define FIELD(type, base, offset) ((type *)((char *)(base) + (offset)))
#define CFIELD(type, base, offset) ((const type *)((const char *)(base) + (offset)))

const char *lg_junit_property_text(const lg_junit_property *p, const void *base,
				   char *out)
{
	const size_t size = LG_JUNIT_TEXT_SIZE;
	double d;

	if ((p->flags & LG_JUNIT_GIVEN) && *CFIELD(unsigned, base, p->aux) == 0)
		return NULL;
	switch (p->type) {
	case LG_JUNIT_STRING:
		return *CFIELD(char *, base, p->offset);
	case LG_JUNIT_PATH: {
		const char *path = *CFIELD(char *, base, p->offset);

		return path && *path ? lg_format_path(out, size, path) : NULL;
	}
	case LG_JUNIT_NUMBER:
		d = *CFIELD(double, base, p->offset);
		if ((p->flags & LG_JUNIT_POSITIVE) && !(d > 0))
			return NULL;
		snprintf(out, size, "%.6g", d);
		return out;
	case LG_JUNIT_COUNT:
		snprintf(out, size, "%lld", (long long)*CFIELD(int64_t, base, p->offset));
		return out;
	case LG_JUNIT_WHOLE_DOUBLE:
		d = *CFIELD(double, base, p->offset);
		if ((p->flags & LG_JUNIT_POSITIVE) && !(d > 0))
			return NULL;
		snprintf(out, size, "%lld", (long long)d);
		return out;
	case LG_JUNIT_SIZE:
		snprintf(out, size, "%.6g", (double)*CFIELD(size_t, base, p->offset));
		return out;
	case LG_JUNIT_BOOL:
		return *CFIELD(int, base, p->offset) ? "1" : "0";
	case LG_JUNIT_FLAG:
		return *CFIELD(int, base, p->offset) ? "true" : NULL;
	case LG_JUNIT_EXPECT:
		return *CFIELD(int, base, p->offset) ? "leak" : "clean";
	case LG_JUNIT_LINE: {
		int line = *CFIELD(int, base, p->offset);

		if ((p->flags & LG_JUNIT_POSITIVE) && line <= 0)
			return NULL;
		snprintf(out, size, "%d", line);
		return out;
	}
	case LG_JUNIT_SITE: {
		const char *file = *CFIELD(char *, base, p->offset);
		char path[4096];

		if (!file)
			return NULL;
		snprintf(out, size, "%s:%d", lg_format_path(path, sizeof(path), file),
			 *CFIELD(int, base, p->aux));
		return out;
	}
	case LG_JUNIT_VERDICT:
	case LG_JUNIT_OUTCOME:
	case LG_JUNIT_METRIC:
	case LG_JUNIT_STATUS:
	case LG_JUNIT_KIND:
		return enum_name(p->type, *CFIELD(int, base, p->offset));
	case LG_JUNIT_CALLS:
		snprintf(out, size, "%lld", (long long)lg_series_calls(
				 CFIELD(lg_series, base, p->offset)));
		return out;
	case LG_JUNIT_SAMPLES:
		snprintf(out, size, "%lld",
			 (long long)CFIELD(lg_series, base, p->offset)->count);
		return out;
	}
	return NULL;
}

int lg_junit_site_parse(char **file, int *line, const char *text)
{
	const char *colon = strrchr(text, ':');
	int64_t n;

	if (!colon || colon == text || lg_parse_i64(&n, colon + 1) < 0 ||
	    n < 0 || n > 1000000000)
		return LG_EINVALID;
	free(*file);
	*file = strndup(text, (size_t)(colon - text));
	*line = (int)n;
	if (!*file)
		return lg_error_oom();
	return 0;
}

/* The calls of a file that keeps no samples: one sample says how far it
 * got. The first "<metric>.samples" replaces it (junit_decode.c). */
static int parse_calls(lg_series *s, int64_t calls)
{
	lg_sample last;

	if (s->present)
		return 0;
	s->count = 0;
	if (calls <= 0)
		return 0;
	memset(&last, 0, sizeof(last));
	last.calls = calls;
	return lg_series_push(s, &last);
}

static int whole(int64_t *out, const char *value)
{
	return lg_parse_i64(out, value) < 0 || *out < 0 ? LG_EINVALID : 0;
}

int lg_junit_property_parse(const lg_junit_property *p, void *base,
			    const char *value, char *why, size_t why_size)
{
	int64_t n = 0;
	double d = 0;

	if (p->flags & LG_JUNIT_GIVEN)
		*FIELD(unsigned, base, p->aux) |= p->bit;
	switch (p->type) {
	case LG_JUNIT_STRING:
	case LG_JUNIT_PATH:
		return lg_string_set(FIELD(char *, base, p->offset), value);
	case LG_JUNIT_NUMBER:
	case LG_JUNIT_WHOLE_DOUBLE:
	case LG_JUNIT_BOOL:
		if (lg_parse_double(&d, value) < 0)
			break;
		if (p->type == LG_JUNIT_BOOL)
			*FIELD(int, base, p->offset) = d != 0;
		else
			*FIELD(double, base, p->offset) = d;
		return 0;
	case LG_JUNIT_COUNT:
	case LG_JUNIT_SIZE:
	case LG_JUNIT_LINE:
	case LG_JUNIT_CALLS:
		if (whole(&n, value) < 0)
			break;
		if (p->type == LG_JUNIT_COUNT)
			*FIELD(int64_t, base, p->offset) = n;
		else if (p->type == LG_JUNIT_SIZE)
			*FIELD(size_t, base, p->offset) = (size_t)n;
		else if (p->type == LG_JUNIT_LINE)
			*FIELD(int, base, p->offset) = n > 1000000000 ? 0 : (int)n;
		else
			return parse_calls(FIELD(lg_series, base, p->offset), n);
		return 0;
	case LG_JUNIT_FLAG:
		*FIELD(int, base, p->offset) = strcmp(value, "true") == 0;
		return 0;
	case LG_JUNIT_EXPECT:
		if (strcmp(value, "leak") != 0 && strcmp(value, "clean") != 0) {
			snprintf(why, why_size, "'%s' is neither leak nor clean", value);
			return LG_EINVALID;
		}
		*FIELD(int, base, p->offset) = strcmp(value, "leak") == 0;
		return 0;
	case LG_JUNIT_SITE: {
		int rc = lg_junit_site_parse(FIELD(char *, base, p->offset),
					     FIELD(int, base, p->aux), value);

		if (rc == LG_EINVALID)
			snprintf(why, why_size, "'%s' is not file:line", value);
		return rc;
	}
	case LG_JUNIT_VERDICT:
	case LG_JUNIT_OUTCOME:
	case LG_JUNIT_METRIC:
	case LG_JUNIT_STATUS:
	case LG_JUNIT_KIND:
		for (int v = 0; strcmp(enum_name(p->type, v), "unknown") != 0; v++) {
			if (strcmp(enum_name(p->type, v), value) == 0) {
				*FIELD(int, base, p->offset) = v;
				return 0;
			}
		}
		snprintf(why, why_size, "unknown %s '%s'", enum_what(p->type), value);
		return LG_EINVALID;
	case LG_JUNIT_SAMPLES:
		return 0; /* the count of the run: the file keeps fewer */
	}
	snprintf(why, why_size, "'%s' is not a %snumber", value,
		 p->type == LG_JUNIT_NUMBER || p->type == LG_JUNIT_WHOLE_DOUBLE ||
		 p->type == LG_JUNIT_BOOL ? "" : "whole ");
	return LG_EINVALID;
}

/*
 * The JUnit reader: a file lg_junit_render wrote, parsed with libxml2, back
 * into the results model. Strict about what leakgate itself writes (a bad
 * number, an unknown verdict), lenient about what it does not know (newer
 * properties, other elements), so that files of later versions still read.
 */
#include "leakgate/junit_read.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "leakgate/baseline.h"
#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/explanation.h"
#include "leakgate/fit.h"
#include "leakgate/metric.h"
#include "leakgate/parse.h"
#include "leakgate/series.h"
#include "leakgate/workload.h"
#include "leakgate/xml_text.h"

/* Bytes of a tail kept when read back: as much as the file holds. */
#define TAIL_MIN 16384

typedef struct {
	const char *name;      /* the file, for messages */
	const char *suite;     /* the testsuite being read, for messages */
	lg_run_result *run;
	size_t capacity;       /* of run->items */
	lg_junit_suite_fn each; /* NULL, or called with each suite read */
	void *each_ctx;
} reader;

/* "run.xml: line 12: testsuite 'orders': <what>" */
static int invalid(const reader *rd, const xmlNode *node, const char *fmt,
		   const char *a, const char *b)
{
	char what[512];
	char where[128] = "";

	snprintf(what, sizeof(what), fmt, a, b ? b : "");
	if (node && xmlGetLineNo(node) > 0)
		snprintf(where, sizeof(where), "line %ld: ", xmlGetLineNo(node));
	if (rd->suite)
		lg_error_set("%s: %stestsuite '%s': %s", rd->name, where, rd->suite, what);
	else
		lg_error_set("%s: %s%s", rd->name, where, what);
	return LG_EINVALID;
}

static int is(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE &&
	       xmlStrcmp(node->name, BAD_CAST name) == 0;
}

/* An attribute's value, or NULL; the caller frees with xmlFree. */
static char *attr(const xmlNode *node, const char *name)
{
	return (char *)xmlGetProp(node, BAD_CAST name);
}

/* The same without a copy (600,000 properties in 10,000 workloads):
 * borrowed from the tree when the parser left the value as one text node
 * (or none: ""), as it does without entity references; otherwise a copy
 * in *owned, which the caller frees with xmlFree. */
static const char *attr_value(const xmlNode *node, const char *name, char **owned)
{
	const xmlAttr *a = xmlHasProp(node, BAD_CAST name);

	*owned = NULL;
	if (!a)
		return NULL;
	if (!a->children)
		return "";
	if (a->children->type == XML_TEXT_NODE && !a->children->next &&
	    a->children->content)
		return (const char *)a->children->content;
	return *owned = attr(node, name);
}

static int number(double *out, const reader *rd, const xmlNode *node,
		  const char *name, const char *value)
{
	if (lg_parse_double(out, value) < 0)
		return invalid(rd, node, "property '%s': '%s' is not a number",
			       name, value);
	return 0;
}

static int whole(int64_t *out, const reader *rd, const xmlNode *node,
		 const char *name, const char *value)
{
	if (lg_parse_i64(out, value) < 0 || *out < 0)
		return invalid(rd, node, "property '%s': '%s' is not a whole number",
			       name, value);
	return 0;
}

static int verdict_from_name(lg_verdict *out, const char *name)
{
	for (int v = 0; strcmp(lg_verdict_name((lg_verdict)v), "unknown") != 0; v++) {
		if (strcmp(lg_verdict_name((lg_verdict)v), name) == 0) {
			*out = (lg_verdict)v;
			return 0;
		}
	}
	return LG_ENOTFOUND;
}

static int outcome_from_name(lg_outcome *out, const char *name)
{
	for (int o = 0; strcmp(lg_outcome_name((lg_outcome)o), "unknown") != 0; o++) {
		if (strcmp(lg_outcome_name((lg_outcome)o), name) == 0) {
			*out = (lg_outcome)o;
			return 0;
		}
	}
	return LG_ENOTFOUND;
}

/* "calls:value calls:value ..." into the series, metric m. The first
 * samples property lays the samples out; the next must match its calls. */
static int samples(lg_workload_result *r, const reader *rd, const xmlNode *node,
		   const char *name, lg_metric m, const char *value)
{
	lg_series *s = &r->series;
	int layout = s->present == 0 && s->count == 0;
	size_t i = 0;
	const char *p = value;
	int rc;

	if (layout) {
		size_t n = 0;

		for (const char *c = value; (c = strchr(c, ':')); c++)
			n++;
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
			if (s->count && calls <= lg_series_calls(s)) {
				char at[32];

				snprintf(at, sizeof(at), "%lld", (long long)calls);
				return invalid(rd, node, "property '%s': calls do "
					       "not increase at %s", name, at);
			}
			if ((rc = lg_series_push(s, &sample)) < 0)
				return rc;
		} else if (i >= s->count || s->samples[i].calls != calls) {
			return invalid(rd, node, "property '%s': its calls differ "
				       "from the other samples%s", name, "");
		}
		s->samples[i++].value[m] = v;
	}
	if (*p)
		return invalid(rd, node, "property '%s': '%s' is not a list of "
			       "calls:value", name, value);
	if (!layout && i != s->count)
		return invalid(rd, node, "property '%s': its calls differ from "
			       "the other samples%s", name, "");
	s->present |= 1u << m;
	return 0;
}

/* "<metric>.<field>": a fitted figure or the samples. 0 when taken, 1 when
 * the prefix is not a metric (not ours: ignored). */
static int metric_property(lg_workload_result *r, const reader *rd,
			   const xmlNode *node, const char *name,
			   const char *value)
{
	static const lg_fit_options defaults = LG_FIT_OPTIONS_INIT;
	const char *dot = strchr(name, '.');
	char metric_name[64];
	lg_metric m;
	lg_fit *f;
	double v;
	int64_t n;
	int rc;

	if (!dot || (size_t)(dot - name) >= sizeof(metric_name))
		return 1;
	memcpy(metric_name, name, (size_t)(dot - name));
	metric_name[dot - name] = '\0';
	if (lg_metric_from_name(&m, metric_name) < 0)
		return 1;
	if (strcmp(dot + 1, "samples") == 0)
		return samples(r, rd, node, name, m, value);
	f = &r->fits[m];
	if (strcmp(dot + 1, "warmup") == 0 || strcmp(dot + 1, "used") == 0) {
		if ((rc = whole(&n, rd, node, name, value)) < 0)
			return rc;
		if (dot[1] == 'w')
			f->warmup = (size_t)n;
		else
			f->used = (size_t)n;
		f->enough = f->used >= defaults.min_samples;
	} else {
		static const char *const fields[] = {
			"slope", "ci_low", "ci_high", "tail_slope", "leaks", "plateau",
			"calls"
		};
		size_t k = 0;

		while (k < sizeof(fields) / sizeof(*fields) &&
		       strcmp(dot + 1, fields[k]) != 0)
			k++;
		if (k == sizeof(fields) / sizeof(*fields))
			return 1; /* a figure of a later version */
		if ((rc = number(&v, rd, node, name, value)) < 0)
			return rc;
		switch (k) {
		case 0: f->slope = v; break;
		case 1: f->ci_low = v; break;
		case 2: f->ci_high = v; break;
		case 3: f->tail_slope = v; break;
		case 4: f->leaks = f->sustained = v != 0; break;
		case 5: f->plateau = v != 0; break;
		default: f->calls = v; break;
		}
	}
	r->fitted |= 1u << m;
	return 0;
}

/* "baseline.*": the comparison with the baseline (junit.c
 * baseline_properties), rebuilt as far as the file keeps it. 1 when the
 * name is not one of them. */
static int baseline_property(lg_workload_result *r, const reader *rd,
			     const xmlNode *node, const char *name,
			     const char *value)
{
	static const char *const fields[] = { "slope", "ci_low", "ci_high" };
	static const struct {
		const char *name;
		unsigned bit;
	} params[] = {
		{ "threshold", LG_PARAM_THRESHOLD },
		{ "regression_floor", LG_PARAM_FLOOR },
		{ "regression_tolerance", LG_PARAM_TOLERANCE },
	};
	lg_baseline_cmp *cmp = r->baseline;
	const char *key, *dot;
	char metric_name[64];
	lg_metric m;
	double v;
	int rc;

	if (strncmp(name, "baseline.", strlen("baseline.")) != 0)
		return 1;
	/* Only now: a shorter name has no key past "baseline.". */
	key = name + strlen("baseline.");
	dot = strchr(key, '.');
	if (!cmp) {
		if (!(cmp = calloc(1, sizeof(*cmp))))
			return lg_error_oom();
		cmp->metric = r->culprit;
		r->baseline = cmp;
	}
	if (strcmp(key, "status") == 0) {
		for (int s = 0; s <= LG_BASELINE_INCOMPARABLE; s++) {
			if (strcmp(lg_baseline_status_name((lg_baseline_status)s), value) == 0) {
				cmp->status = (lg_baseline_status)s;
				return 0;
			}
		}
		return invalid(rd, node, "property '%s': unknown status '%s'", name, value);
	}
	if (strcmp(key, "rev") == 0)
		return lg_string_set(&cmp->rev, value);
	if (strcmp(key, "store") == 0)
		return lg_string_set(&cmp->store, value);
	if (strcmp(key, "reason") == 0)
		return lg_string_set(&cmp->reason, value);
	if (strcmp(key, "python") == 0)
		return lg_string_set(&cmp->entry.python_version, value);
	for (size_t k = 0; k < sizeof(params) / sizeof(*params); k++) {
		if (strcmp(key, params[k].name) != 0)
			continue;
		if ((rc = number(&v, rd, node, name, value)) < 0)
			return rc;
		cmp->params.given |= params[k].bit;
		if (params[k].bit == LG_PARAM_THRESHOLD)
			cmp->params.threshold = v;
		else if (params[k].bit == LG_PARAM_FLOOR)
			cmp->params.regression_floor = v;
		else
			cmp->params.regression_tolerance = v;
		return 0;
	}
	if (!dot || (size_t)(dot - key) >= sizeof(metric_name))
		return 0; /* a figure of a later version */
	memcpy(metric_name, key, (size_t)(dot - key));
	metric_name[dot - key] = '\0';
	if (lg_metric_from_name(&m, metric_name) < 0)
		return 0;
	for (size_t k = 0; k < sizeof(fields) / sizeof(*fields); k++) {
		if (strcmp(dot + 1, fields[k]) != 0)
			continue;
		if ((rc = number(&v, rd, node, name, value)) < 0)
			return rc;
		cmp->entry.metrics[m].present = 1;
		if (k == 0)
			cmp->entry.metrics[m].slope = v;
		else if (k == 1)
			cmp->entry.metrics[m].ci_low = v;
		else
			cmp->entry.metrics[m].ci_high = v;
	}
	return 0;
}

/* "file:line" (the file may hold ':') into an owned file and a line. */
static int split_site(char **file, int *line, const char *text)
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

/*
 * "explain.*": the diagnosis as far as it maps back (junit.c
 * explain_properties): its kind, the line it blames, the retainer chain,
 * why it stopped. Its tables (types, sites, native stacks, resources) are
 * kept as text rows in the file and not read back. 1 when the name is not
 * one of them.
 */
static int explain_property(lg_workload_result *r, const reader *rd,
			    const xmlNode *node, const char *name,
			    const char *value)
{
	const char *key = name + strlen("explain.");
	lg_explanation *e;
	int64_t n;
	int rc;

	if (strncmp(name, "explain.", strlen("explain.")) != 0)
		return 1;
	if (!r->explanation && (rc = lg_explanation_new(&r->explanation)) < 0)
		return rc;
	e = r->explanation;
	if (strcmp(key, "kind") == 0) {
		for (int k = 0; strcmp(lg_leak_kind_name((lg_leak_kind)k), "unknown") != 0; k++) {
			if (strcmp(lg_leak_kind_name((lg_leak_kind)k), value) == 0) {
				e->kind = (lg_leak_kind)k;
				return 0;
			}
		}
		return invalid(rd, node, "property '%s': unknown kind '%s'", name, value);
	}
	if (strcmp(key, "site") == 0) {
		rc = split_site(&e->site_file, &e->site_line, value);
		return rc == LG_EINVALID ? invalid(rd, node, "property '%s': '%s' is "
						   "not file:line", name, value) : rc;
	}
	if (strcmp(key, "chain") == 0)
		return lg_string_set(&e->chain, value);
	if (strcmp(key, "chain_root") == 0)
		return lg_string_set(&e->chain_root, value);
	if (strcmp(key, "chain_note") == 0)
		return lg_string_set(&e->chain_note, value);
	if (strcmp(key, "stopped") == 0)
		return lg_string_set(&e->stopped, value);
	if (strcmp(key, "calls") == 0) {
		if ((rc = whole(&n, rd, node, name, value)) < 0)
			return rc;
		e->calls = n;
		return 0;
	}
	if (strcmp(key, "traced_bytes_per_call") == 0) {
		e->traced = 1;
		return number(&e->traced_bytes_per_call, rd, node, name, value);
	}
	return 0; /* a table row, or a figure of a later version */
}

/* "function.file" / "function.line": the workload function's place, when
 * the test case's file and line are the diagnosis's. */
static int function_property(lg_workload_result *r, const reader *rd,
			     const xmlNode *node, const char *name,
			     const char *value)
{
	int64_t n;
	int rc;

	if (strcmp(name, "function.file") == 0)
		return lg_string_set(&r->file, value);
	if (strcmp(name, "function.line") != 0)
		return 1;
	if ((rc = whole(&n, rd, node, name, value)) < 0)
		return rc;
	r->line = n > 1000000000 ? 0 : (int)n;
	return 0;
}

/* Properties of the other passes: 0 when taken, 1 when not theirs. */
static int extension_property(lg_workload_result *r, const reader *rd,
			      const xmlNode *node, const char *name,
			      const char *value)
{
	int rc = baseline_property(r, rd, node, name, value);

	if (rc == 1)
		rc = explain_property(r, rd, node, name, value);
	if (rc == 1)
		rc = function_property(r, rd, node, name, value);
	return rc;
}

static int property(lg_workload_result *r, const reader *rd,
		    const xmlNode *node, const char *name, const char *value,
		    int64_t *calls)
{
	lg_workload *wl = &r->workload;
	int64_t n;
	int rc;

	/* "<metric>.<field>" and the other passes' "<pass>.<field>" first:
	 * most properties are, and no plain name below has a dot. */
	if (strchr(name, '.')) {
		if ((rc = metric_property(r, rd, node, name, value)) <= 0)
			return rc;
		if ((rc = extension_property(r, rd, node, name, value)) <= 0)
			return rc;
		return 0; /* unknown: a property of a later version */
	}
	if (strcmp(name, "target") == 0)
		return lg_string_set(&wl->target, value);
	if (strcmp(name, "verdict") == 0) {
		if (verdict_from_name(&r->verdict, value) < 0)
			return invalid(rd, node, "property 'verdict': unknown "
				       "verdict '%s'%s", value, "");
		return 0;
	}
	if (strcmp(name, "outcome") == 0) {
		if (outcome_from_name(&r->outcome, value) < 0)
			return invalid(rd, node, "property 'outcome': unknown "
				       "outcome '%s'%s", value, "");
		return 0;
	}
	if (strcmp(name, "expect") == 0) {
		if (strcmp(value, "leak") != 0 && strcmp(value, "clean") != 0)
			return invalid(rd, node, "property 'expect': '%s' is "
				       "neither leak nor clean%s", value, "");
		wl->expect_leak = strcmp(value, "leak") == 0;
		return 0;
	}
	if (strcmp(name, "threshold") == 0)
		return number(&wl->threshold, rd, node, name, value);
	if (strcmp(name, "python") == 0)
		return lg_string_set(&r->python_version, value);
	if (strcmp(name, "implementation") == 0)
		return lg_string_set(&r->implementation, value);
	if (strcmp(name, "platform") == 0)
		return lg_string_set(&r->platform, value);
	if (strcmp(name, "message") == 0)
		return lg_string_set(&r->message, value);
	if (strcmp(name, "detail") == 0)
		return lg_string_set(&r->detail, value);
	if (strcmp(name, "culprit") == 0) {
		if (lg_metric_from_name(&r->culprit, value) < 0)
			return invalid(rd, node, "property 'culprit': unknown "
				       "metric '%s'%s", value, "");
		return 0;
	}
	if (strcmp(name, "batch") == 0 || strcmp(name, "call_ns") == 0 ||
	    strcmp(name, "calls") == 0) {
		if ((rc = whole(&n, rd, node, name, value)) < 0)
			return rc;
		if (strcmp(name, "batch") == 0)
			r->batch = n;
		else if (strcmp(name, "call_ns") == 0)
			r->call_ns = n;
		else
			*calls = n;
		return 0;
	}
	/* Ignored: "samples" (the count of the run; the file keeps fewer),
	 * and what is unknown (a property of a later version). */
	return 0;
}

static int properties(lg_workload_result *r, const reader *rd,
		      const xmlNode *list, int *has_verdict)
{
	int64_t calls = -1;
	int rc = 0;

	for (const xmlNode *p = list->children; p && rc == 0; p = p->next) {
		char *name_copy, *value_copy;
		const char *name, *value;

		if (!is(p, "property"))
			continue;
		name = attr_value(p, "name", &name_copy);
		value = attr_value(p, "value", &value_copy);
		if (!name || !value)
			rc = invalid(rd, p, "<property> without %s%s",
				     name ? "a value" : "a name", "");
		else
			rc = property(r, rd, p, name, value, &calls);
		if (rc == 0 && strcmp(name, "verdict") == 0)
			*has_verdict = 1;
		xmlFree(name_copy);
		xmlFree(value_copy);
	}
	/* Calls but no samples kept (no heap counters): one sample says how
	 * far it got. */
	if (rc == 0 && calls > 0 && r->series.count == 0) {
		lg_sample last;

		memset(&last, 0, sizeof(last));
		last.calls = calls;
		rc = lg_series_push(&r->series, &last);
	}
	return rc;
}

/* The text of an element, "" when empty; the caller frees with xmlFree. */
static char *content(const xmlNode *node)
{
	char *s = (char *)xmlNodeGetContent(node);

	return s ? s : (char *)xmlStrdup(BAD_CAST "");
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
	t->limit = strlen(text) > TAIL_MIN ? strlen(text) : TAIL_MIN;
	return lg_buf_puts(&t->data, text);
oom:
	return lg_error_oom();
}

/* <system-out>: the attachment line, the note of a fixed leak, the tail. */
static int system_out(lg_workload_result *r, const xmlNode *node)
{
	char *text = content(node);
	const char *p = text;
	int rc = 0;

	if (!text)
		goto oom;
	if (take_line(&p, "[[ATTACHMENT|", "]]", &r->attachment) < 0)
		goto oom;
	if (r->verdict == LG_VERDICT_LEAK_FIXED)
		take_line(&p, "", "", NULL);
	rc = tail(&r->out, p);
	xmlFree(text);
	return rc;
oom:
	xmlFree(text);
	return lg_error_oom();
}

static int testcase(lg_workload_result *r, const reader *rd, const xmlNode *tc)
{
	char *classname = attr(tc, "classname"), *name = attr(tc, "name");
	char *file = attr(tc, "file"), *line = attr(tc, "line");
	char *time = attr(tc, "time");
	int64_t n;
	int rc = 0;

	/* With a diagnosis the test case points at its site; the function's
	 * own place came with the function.* properties. */
	int site = r->explanation && r->explanation->site_file;

	if ((rc = lg_string_set(&r->module, classname)) == 0 &&
	    (rc = lg_string_set(&r->function, name)) == 0 && !site)
		rc = lg_string_set(&r->file, file);
	if (rc == 0 && line && !site) {
		if (lg_parse_i64(&n, line) < 0 || n < 0 || n > 1000000000)
			rc = invalid(rd, tc, "<testcase> line '%s' is not a "
				     "line number%s", line, "");
		else
			r->line = (int)n;
	}
	if (rc == 0 && time && lg_parse_double(&r->seconds, time) < 0)
		rc = invalid(rd, tc, "<testcase> time '%s' is not a number%s",
			     time, "");
	xmlFree(classname);
	xmlFree(name);
	xmlFree(file);
	xmlFree(line);
	xmlFree(time);

	for (const xmlNode *c = tc->children; c && rc == 0; c = c->next) {
		char *text = NULL;

		if (is(c, "failure") || is(c, "error") || is(c, "skipped")) {
			/* Files without the message property (older ones). */
			if (!r->message) {
				char *m = attr(c, "message");

				rc = lg_string_set(&r->message, m);
				xmlFree(m);
			}
			/* An error with a chart is a <failure> (junit.c). */
			if (rc == 0 && (is(c, "error") || (is(c, "failure") &&
					r->verdict == LG_VERDICT_ERROR))) {
				text = content(c);
				if (text && *text)
					rc = lg_string_set(&r->traceback, text);
			}
		} else if (is(c, "system-out")) {
			rc = system_out(r, c);
		} else if (is(c, "system-err")) {
			text = content(c);
			rc = text ? tail(&r->err, text) : LG_ENOMEM;
		}
		xmlFree(text);
	}
	return rc;
}

/* "2024-01-02T03:04:05Z" -> seconds since the epoch; 0 when malformed. */
static time_t parse_stamp(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	return end && *end == '\0' ? timegm(&tm) : 0;
}

static int testsuite(reader *rd, const xmlNode *suite)
{
	lg_run_result *run = rd->run;
	lg_workload_result *items, *r;
	lg_workload wl;
	const xmlNode *props = NULL, *tc = NULL;
	char *name = attr(suite, "name"), *stamp;
	int has_verdict = 0, rc;
	time_t started;

	if (!name)
		return invalid(rd, suite, "<testsuite> without a name%s%s", "", "");
	rd->suite = name;
	for (const xmlNode *c = suite->children; c; c = c->next) {
		if (is(c, "properties") && !props)
			props = c;
		else if (is(c, "testcase") && !tc)
			tc = c;
		else if (is(c, "testcase")) {
			rc = invalid(rd, c, "more than one <testcase>: not a "
				     "leakgate report%s%s", "", "");
			goto out;
		}
	}
	if (!props || !tc) {
		rc = invalid(rd, suite, "no <%s>: not a leakgate report%s",
			     props ? "testcase" : "properties", "");
		goto out;
	}

	/* Doubling: 10,000 workloads must not mean 10,000 copies. */
	if (run->count == rd->capacity) {
		size_t capacity = rd->capacity ? rd->capacity * 2 : 16;

		if (!(items = realloc(run->items, capacity * sizeof(*items)))) {
			rc = lg_error_oom();
			goto out;
		}
		run->items = items;
		rd->capacity = capacity;
	}
	items = run->items;
	r = &items[run->count];
	if ((rc = lg_workload_init_defaults(&wl)) < 0)
		goto out;
	rc = lg_string_set(&wl.name, name);
	if (rc == 0)
		rc = lg_workload_result_init(r, &wl, TAIL_MIN);
	lg_workload_dispose(&wl);
	if (rc < 0)
		goto out;
	run->count++; /* from here on, disposed with the run */
	r->verdict = LG_VERDICT_ERROR;

	if ((rc = properties(r, rd, props, &has_verdict)) < 0)
		goto out;
	if (!has_verdict) {
		rc = invalid(rd, props, "no 'verdict' property: not written by "
			     "leakgate%s%s", "", "");
		goto out;
	}
	if (!r->workload.target &&
	    (rc = lg_string_set(&r->workload.target, name)) < 0)
		goto out;
	if ((rc = testcase(r, rd, tc)) < 0)
		goto out;
	stamp = attr(suite, "timestamp");
	started = parse_stamp(stamp);
	xmlFree(stamp);
	if (started && (!run->started || started < run->started))
		run->started = started;
out:
	rd->suite = NULL;
	xmlFree(name);
	return rc;
}

int lg_junit_is_empty_suite(const struct _xmlNode *suite)
{
	char *tests = attr(suite, "tests");
	int empty = tests && strcmp(tests, "0") == 0;

	xmlFree(tests);
	return empty;
}

/* The root element: <testsuites>, whose time is the run's. */
static int root_element(reader *rd, xmlTextReaderPtr xr)
{
	const xmlNode *root = xmlTextReaderCurrentNode(xr);
	char *time;
	int rc = 0;

	if (!root || !is(root, "testsuites"))
		return invalid(rd, root, "the root element is <%s>, not "
			       "<testsuites>: not a leakgate report%s",
			       root ? (const char *)root->name : "", "");
	time = (char *)xmlTextReaderGetAttribute(xr, BAD_CAST "time");
	if (time && lg_parse_double(&rd->run->seconds, time) < 0)
		rc = invalid(rd, root, "<testsuites> time '%s' is not a number%s",
			     time, "");
	xmlFree(time);
	return rc;
}

/*
 * Stream the document: one <testsuite> at a time is built as a tree and
 * read, then freed, so that 10,000 workloads (~40 MB) read in well under a
 * second in little memory (a whole tree of them takes seconds and ~500 MB).
 * 1 when well-formed and read, 0 when libxml2 found it not well-formed.
 */
static int document(reader *rd, xmlTextReaderPtr xr)
{
	int ret = xmlTextReaderRead(xr), rc = 0;

	while (rc == 0 && ret == 1) {
		int element = xmlTextReaderNodeType(xr) == XML_READER_TYPE_ELEMENT;
		int depth = xmlTextReaderDepth(xr);

		if (element && depth == 0) {
			rc = root_element(rd, xr);
		} else if (element && depth == 1 && xmlStrcmp(xmlTextReaderConstLocalName(xr),
							     BAD_CAST "testsuite") == 0) {
			const xmlNode *suite = xmlTextReaderExpand(xr);

			if (!suite)
				return 0;
			/* An empty shard's placeholder suite carries no result. */
			if (!lg_junit_is_empty_suite(suite)) {
				rc = testsuite(rd, suite);
				if (rc == 0 && rd->each)
					rc = rd->each(rd->each_ctx, suite);
			}
			if (rc == 0)
				/* Past its end tag: the reader frees it. */
				ret = xmlTextReaderNext(xr);
			continue;
		}
		ret = xmlTextReaderRead(xr);
	}
	if (rc < 0)
		return rc;
	return ret < 0 ? 0 : 1;
}

/* The document handed to libxml2 piece by piece: an input it may shrink
 * as it goes, so that a file past its 10 MB lookup limit still reads
 * (10,000 workloads make ~40 MB) with every other limit kept. */
typedef struct {
	const char *data;
	size_t len;
	size_t at;
} memory_input;

static int memory_read(void *ctx, char *buffer, int size)
{
	memory_input *in = ctx;
	size_t n = in->len - in->at < (size_t)size ? in->len - in->at : (size_t)size;

	memcpy(buffer, in->data + in->at, n);
	in->at += n;
	return (int)n;
}

static int memory_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* No network; no whitespace-only text nodes (the indentation), small text
 * kept inside its node: fewer allocations for the same tree. The
 * indentation is kept for a caller that copies the suites (each). */
#define READ_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_COMPACT)
#define COPY_OPTIONS (XML_PARSE_NONET | XML_PARSE_COMPACT)

/* Read the document xr streams (NULL: libxml2 could not start) into out. */
static int read_document(lg_run_result *out, xmlTextReaderPtr xr, const char *name,
			 lg_junit_suite_fn each, void *each_ctx)
{
	xmlStructuredErrorFunc saved_handler = xmlStructuredError;
	void *saved_context = xmlStructuredErrorContext;
	lg_run_result run = LG_RUN_RESULT_INIT;
	reader rd = { .name = name, .suite = NULL, .run = &run, .capacity = 0,
		      .each = each, .each_ctx = each_ctx };
	int rc;

	xmlSetStructuredErrorFunc(NULL, lg_xml_quiet);
	xmlResetLastError();
	rc = xr ? document(&rd, xr) : 0;
	xmlFreeTextReader(xr);
	if (rc == 0) {
		const xmlError *e = xmlGetLastError();
		char reason[256];
		size_t n;

		snprintf(reason, sizeof(reason), "%s", e && e->message
			 ? e->message : "not well-formed XML");
		n = strlen(reason);
		while (n && (reason[n - 1] == '\n' || reason[n - 1] == ' '))
			reason[--n] = '\0';
		if (e && e->line > 0)
			lg_error_set("%s: line %d: not well-formed XML: %s", name,
				     e->line, reason);
		else
			lg_error_set("%s: not well-formed XML: %s", name, reason);
		rc = LG_EINVALID;
	}
	xmlSetStructuredErrorFunc(saved_context, saved_handler);
	if (rc < 0) {
		lg_run_result_dispose(&run);
		return rc;
	}
	*out = run;
	return 0;
}

int lg_junit_read_memory(lg_run_result *out, const char *data, size_t len,
			 const char *name)
{
	memory_input input = { data, len, 0 };

	*out = (lg_run_result)LG_RUN_RESULT_INIT;
	return read_document(out, xmlReaderForIO(memory_read, memory_close, &input,
						 name, NULL, READ_OPTIONS), name, NULL, NULL);
}

int lg_junit_read_each(lg_run_result *out, const char *path,
		       lg_junit_suite_fn each, void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	*out = (lg_run_result)LG_RUN_RESULT_INIT;
	if (fd < 0) {
		lg_error_set_os("cannot read '%s'", path);
		return LG_ENOTFOUND;
	}
	/* libxml2 reads the file in pieces; it does not close fd. */
	rc = read_document(out, xmlReaderForFd(fd, path, NULL, each ? COPY_OPTIONS
						 : READ_OPTIONS), path, each, ctx);
	close(fd);
	return rc;
}

int lg_junit_read(lg_run_result *out, const char *path)
{
	return lg_junit_read_each(out, path, NULL, NULL);
}

/*
 * The JUnit reader: a file lg_junit_render wrote, parsed with libxml2, back
 * into the results model. Strict about what leakgate itself writes (a bad
 * number, an unknown verdict), lenient about what it does not know (newer
 * properties, other elements), so that files of later versions still read.
 */
#include "leakgate/junit_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <sys/stat.h>
#include <libxml/xmlerror.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

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

/* Bytes read from a file at a time. */
#define READ_BUFFER (1 << 16)

/* A child of the <testcase> that holds part of the result (testcase()). */
typedef enum { CHILD_FAILURE, CHILD_ERROR, CHILD_SKIPPED, CHILD_OUT, CHILD_ERR } child_kind;

typedef struct {
	child_kind kind;
	char *message; /* its message attribute, or NULL */
	lg_buf text;   /* all of its text, as xmlNodeGetContent gives it */
} tc_child;

/* The testcase's attributes read (testcase()). */
enum { TC_CLASSNAME, TC_NAME, TC_FILE, TC_LINE, TC_TIME, TC_ATTRS };

typedef struct {
	const char *name;       /* the file, for messages */
	const char *suite;      /* the testsuite being read, for messages */
	lg_run_result *run;
	size_t capacity;        /* of run->items */
	lg_junit_suite_fn each; /* NULL, or called with each suite read */
	void *each_ctx;
	xmlParserCtxtPtr ctxt;
	int rc;                 /* the error that stopped the parse */
	xmlError fatal;         /* libxml2's first fatal error (code 0: none) */
	int depth;              /* elements open */
	lg_buf scratch[2];      /* attribute values */

	/* The <testsuite> being read, from its start tag to its end tag. */
	enum { OUTSIDE, SUITE, EMPTY_SUITE } in;
	char *suite_name;
	char *stamp;
	long suite_line, props_line, tc_line;
	enum { NO_PROPS, IN_PROPS, PROPS_READ } props; /* its first <properties> */
	int testcases;          /* <testcase> elements seen */
	int in_testcase;        /* inside the first one */
	int has_verdict;
	int64_t calls;          /* the calls property, or -1 */
	char *tc_attrs[TC_ATTRS];
	tc_child *children;     /* of the testcase, in order */
	size_t child_count, child_capacity;
	int in_child;           /* children[child_count - 1] is open */
} reader;

/* "run.xml: line 12: testsuite 'orders': <what>" */
static int invalid(const reader *rd, long line, const char *fmt,
		   const char *a, const char *b)
{
	char what[512];
	char where[128] = "";

	snprintf(what, sizeof(what), fmt, a, b ? b : "");
	if (line > 0)
		snprintf(where, sizeof(where), "line %ld: ", line);
	if (rd->suite)
		lg_error_set("%s: %stestsuite '%s': %s", rd->name, where, rd->suite, what);
	else
		lg_error_set("%s: %s%s", rd->name, where, what);
	return LG_EINVALID;
}

static int number(double *out, const reader *rd, long line,
		  const char *name, const char *value)
{
	if (lg_parse_double(out, value) < 0)
		return invalid(rd, line, "property '%s': '%s' is not a number",
			       name, value);
	return 0;
}

static int whole(int64_t *out, const reader *rd, long line,
		 const char *name, const char *value)
{
	if (lg_parse_i64(out, value) < 0 || *out < 0)
		return invalid(rd, line, "property '%s': '%s' is not a whole number",
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
static int samples(lg_workload_result *r, const reader *rd, long line,
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
				return invalid(rd, line, "property '%s': calls do "
					       "not increase at %s", name, at);
			}
			if ((rc = lg_series_push(s, &sample)) < 0)
				return rc;
		} else if (i >= s->count || s->samples[i].calls != calls) {
			return invalid(rd, line, "property '%s': its calls differ "
				       "from the other samples%s", name, "");
		}
		s->samples[i++].value[m] = v;
	}
	if (*p)
		return invalid(rd, line, "property '%s': '%s' is not a list of "
			       "calls:value", name, value);
	if (!layout && i != s->count)
		return invalid(rd, line, "property '%s': its calls differ from "
			       "the other samples%s", name, "");
	s->present |= 1u << m;
	return 0;
}

/* "<metric>.<field>": a fitted figure or the samples. 0 when taken, 1 when
 * the prefix is not a metric (not ours: ignored). */
static int metric_property(lg_workload_result *r, const reader *rd,
			   long line, const char *name,
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
		return samples(r, rd, line, name, m, value);
	f = &r->fits[m];
	if (strcmp(dot + 1, "warmup") == 0 || strcmp(dot + 1, "used") == 0) {
		if ((rc = whole(&n, rd, line, name, value)) < 0)
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
		if ((rc = number(&v, rd, line, name, value)) < 0)
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
			     long line, const char *name,
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
		return invalid(rd, line, "property '%s': unknown status '%s'", name, value);
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
		if ((rc = number(&v, rd, line, name, value)) < 0)
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
		if ((rc = number(&v, rd, line, name, value)) < 0)
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
	if ((rc = split_site(&s.at.file, &s.at.line, parts[0])) == 0)
		e->sites[e->site_count++] = s;
out:
	free(buf);
	return rc;
}

/*
 * "explain.*": the explanation as far as it maps back (junit.c
 * explain_properties): its kind, the line it blames, the retainer chain,
 * what C code keeps, why it stopped, the growing types and the allocation
 * sites (for the summary). The other tables (native stacks, resources) are
 * kept as text rows in the file and not read back. 1 when the name is not
 * one of them.
 */
static int explain_property(lg_workload_result *r, const reader *rd,
			    long line, const char *name,
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
		return invalid(rd, line, "property '%s': unknown kind '%s'", name, value);
	}
	if (strcmp(key, "site") == 0) {
		rc = split_site(&e->site_file, &e->site_line, value);
		return rc == LG_EINVALID ? invalid(rd, line, "property '%s': '%s' is "
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
	if (strcmp(key, "c_call") == 0 || strcmp(key, "c_library") == 0) {
		e->kept_by_c = 1;
		return lg_string_set(key[2] == 'c' ? &e->c_call : &e->c_library, value);
	}
	if (strcmp(key, "c_at") == 0 || strncmp(key, "type.", 5) == 0 ||
	    strncmp(key, "site.", 5) == 0) {
		rc = key[0] == 'c' ? split_site(&e->c_at.file, &e->c_at.line, value)
			: key[0] == 't' ? explain_type_row(e, value)
			: explain_site_row(e, value);
		return rc == LG_EINVALID ? invalid(rd, line, "property '%s': '%s' is "
						   "not what leakgate writes", name, value) : rc;
	}
	if (strcmp(key, "calls") == 0) {
		if ((rc = whole(&n, rd, line, name, value)) < 0)
			return rc;
		e->calls = n;
		return 0;
	}
	if (strcmp(key, "traced_bytes_per_call") == 0) {
		e->traced = 1;
		return number(&e->traced_bytes_per_call, rd, line, name, value);
	}
	return 0; /* a table row, or a figure of a later version */
}

/* "function.file" / "function.line": the workload function's place, when
 * the test case's file and line are the explanation's. */
static int function_property(lg_workload_result *r, const reader *rd,
			     long line, const char *name,
			     const char *value)
{
	int64_t n;
	int rc;

	if (strcmp(name, "function.file") == 0)
		return lg_string_set(&r->file, value);
	if (strcmp(name, "function.line") != 0)
		return 1;
	if ((rc = whole(&n, rd, line, name, value)) < 0)
		return rc;
	r->line = n > 1000000000 ? 0 : (int)n;
	return 0;
}

/* Properties of the other passes: 0 when taken, 1 when not theirs. */
static int extension_property(lg_workload_result *r, const reader *rd,
			      long line, const char *name,
			      const char *value)
{
	int rc = baseline_property(r, rd, line, name, value);

	if (rc == 1)
		rc = explain_property(r, rd, line, name, value);
	if (rc == 1)
		rc = function_property(r, rd, line, name, value);
	return rc;
}

static int property(lg_workload_result *r, const reader *rd,
		    long line, const char *name, const char *value,
		    int64_t *calls)
{
	lg_workload *wl = &r->workload;
	int64_t n;
	int rc;

	/* "<metric>.<field>" and the other passes' "<pass>.<field>" first:
	 * most properties are, and no plain name below has a dot. */
	if (strchr(name, '.')) {
		if ((rc = metric_property(r, rd, line, name, value)) <= 0)
			return rc;
		if ((rc = extension_property(r, rd, line, name, value)) <= 0)
			return rc;
		return 0; /* unknown: a property of a later version */
	}
	if (strcmp(name, "target") == 0)
		return lg_string_set(&wl->target, value);
	if (strcmp(name, "verdict") == 0) {
		if (verdict_from_name(&r->verdict, value) < 0)
			return invalid(rd, line, "property 'verdict': unknown "
				       "verdict '%s'%s", value, "");
		return 0;
	}
	if (strcmp(name, "outcome") == 0) {
		if (outcome_from_name(&r->outcome, value) < 0)
			return invalid(rd, line, "property 'outcome': unknown "
				       "outcome '%s'%s", value, "");
		return 0;
	}
	if (strcmp(name, "expect") == 0) {
		if (strcmp(value, "leak") != 0 && strcmp(value, "clean") != 0)
			return invalid(rd, line, "property 'expect': '%s' is "
				       "neither leak nor clean%s", value, "");
		wl->expect_leak = strcmp(value, "leak") == 0;
		return 0;
	}
	if (strcmp(name, "fail_inconclusive") == 0) {
		wl->fail_inconclusive = strcmp(value, "true") == 0;
		return 0;
	}
	if (strcmp(name, "cpu_seconds") == 0)
		return number(&r->cpu_seconds, rd, line, name, value);
	if (strcmp(name, "flat_calls") == 0)
		return number(&r->flat_calls, rd, line, name, value);
	if (strcmp(name, "threshold") == 0)
		return number(&wl->threshold, rd, line, name, value);
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
			return invalid(rd, line, "property 'culprit': unknown "
				       "metric '%s'%s", value, "");
		return 0;
	}
	if (strcmp(name, "batch") == 0 || strcmp(name, "call_ns") == 0 ||
	    strcmp(name, "calls") == 0) {
		if ((rc = whole(&n, rd, line, name, value)) < 0)
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
static int system_out(lg_workload_result *r, const char *text)
{
	const char *p = text;

	if (take_line(&p, "[[ATTACHMENT|", "]]", &r->attachment) < 0)
		return lg_error_oom();
	if (r->verdict == LG_VERDICT_LEAK_FIXED)
		take_line(&p, "", "", NULL);
	return tail(&r->out, p);
}

/* The <testcase> read, once the properties are: its attributes and
 * children. */
static int testcase(lg_workload_result *r, const reader *rd)
{
	char *const *a = rd->tc_attrs;
	int64_t n;
	int rc = 0;

	/* With an explanation the test case points at its site; the function's
	 * own place came with the function.* properties. */
	int site = r->explanation && r->explanation->site_file;

	if ((rc = lg_string_set(&r->module, a[TC_CLASSNAME])) == 0 &&
	    (rc = lg_string_set(&r->function, a[TC_NAME])) == 0 && !site)
		rc = lg_string_set(&r->file, a[TC_FILE]);
	if (rc == 0 && a[TC_LINE] && !site) {
		if (lg_parse_i64(&n, a[TC_LINE]) < 0 || n < 0 || n > 1000000000)
			rc = invalid(rd, rd->tc_line, "<testcase> line '%s' is not a "
				     "line number%s", a[TC_LINE], "");
		else
			r->line = (int)n;
	}
	if (rc == 0 && a[TC_TIME] && lg_parse_double(&r->seconds, a[TC_TIME]) < 0)
		rc = invalid(rd, rd->tc_line, "<testcase> time '%s' is not a number%s",
			     a[TC_TIME], "");

	for (size_t i = 0; i < rd->child_count && rc == 0; i++) {
		const tc_child *c = &rd->children[i];
		const char *text = lg_buf_cstr(&c->text);

		if (c->kind == CHILD_OUT) {
			rc = system_out(r, text);
		} else if (c->kind == CHILD_ERR) {
			rc = tail(&r->err, text);
		} else {
			/* Files without the message property (older ones). */
			if (!r->message)
				rc = lg_string_set(&r->message, c->message);
			/* An error with a chart is a <failure> (junit.c). */
			if (rc == 0 && (c->kind == CHILD_ERROR || (c->kind == CHILD_FAILURE &&
					r->verdict == LG_VERDICT_ERROR)) && *text)
				rc = lg_string_set(&r->traceback, text);
		}
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

/* rc, the first error, stops the parse; inside a suite only at its end,
 * so that a file cut short says so (not well-formed) as it did when the
 * suites were read whole. */
static void stop(reader *rd, int rc)
{
	if (rc < 0 && rd->rc == 0)
		rd->rc = rc;
	if (rd->rc < 0 && rd->in == OUTSIDE)
		xmlStopParser(rd->ctxt);
}

/* The value of attribute name among the SAX2 attributes (5 pointers
 * each: local name, prefix, URI, value, its end), as the tree holds it:
 * in rd->scratch[k] until the next call with k; *out NULL when absent. */
static int attribute(const char **out, reader *rd, int k, const xmlChar **attrs,
		     int count, const char *name)
{
	*out = NULL;
	for (int i = 0; i < count; i++, attrs += 5) {
		const char *v = (const char *)attrs[3];
		size_t len = (size_t)(attrs[4] - attrs[3]);
		xmlChar *decoded = NULL;
		int rc;

		if (strcmp((const char *)attrs[0], name) != 0)
			continue;
		/* The parser leaves '&' escaped ("&#38;", and references
		 * to entities of the DTD) for the tree builder to decode:
		 * decoded here as the tree would hold it, by libxml2's
		 * public tree API (xmlStringLenDecodeEntities, which
		 * xmlSAX2AttributeNs used, is deprecated from 2.12). */
		if (memchr(v, '&', len)) {
			xmlNodePtr list = xmlStringLenGetNodeList(rd->ctxt->myDoc,
								  attrs[3], (int)len);

			if (!list)
				return lg_error_oom();
			decoded = xmlNodeListGetString(rd->ctxt->myDoc, list, 1);
			xmlFreeNodeList(list);
			/* NULL too when it decodes to nothing (an entity
			 * without a value). */
			v = decoded ? (const char *)decoded : "";
			len = strlen(v);
		}
		lg_buf_clear(&rd->scratch[k]);
		rc = lg_buf_add(&rd->scratch[k], v, len);
		xmlFree(decoded);
		if (rc < 0)
			return rc;
		*out = lg_buf_cstr(&rd->scratch[k]);
		return 0;
	}
	return 0;
}

/* The same, copied into *out (freed first); NULL when absent. */
static int attribute_copy(char **out, reader *rd, const xmlChar **attrs, int count,
			  const char *name)
{
	const char *value;
	int rc = attribute(&value, rd, 0, attrs, count, name);

	free(*out);
	*out = NULL;
	if (rc < 0 || !value)
		return rc;
	return (*out = strdup(value)) ? 0 : lg_error_oom();
}

/* The root element: <testsuites>, whose time is the run's. */
static int root_element(reader *rd, long line, const char *name,
			const xmlChar **attrs, int count)
{
	const char *time;
	int rc;

	if (strcmp(name, "testsuites") != 0)
		return invalid(rd, line, "the root element is <%s>, not "
			       "<testsuites>: not a leakgate report%s", name, "");
	if ((rc = attribute(&time, rd, 0, attrs, count, "time")) < 0)
		return rc;
	if (time && lg_parse_double(&rd->run->seconds, time) < 0)
		return invalid(rd, line, "<testsuites> time '%s' is not a number%s",
			       time, "");
	return 0;
}

/* A <testsuite> starts: its result is added to the run. */
static int suite_start(reader *rd, long line, const xmlChar **attrs, int count)
{
	lg_run_result *run = rd->run;
	lg_workload_result *items;
	const char *tests;
	lg_workload wl;
	int rc;

	/* An empty shard's placeholder suite carries no result. */
	if ((rc = attribute(&tests, rd, 0, attrs, count, "tests")) < 0)
		return rc;
	if (tests && strcmp(tests, "0") == 0) {
		rd->in = EMPTY_SUITE;
		return 0;
	}
	rd->in = SUITE;
	rd->suite_line = line;
	rd->props = NO_PROPS;
	rd->testcases = rd->in_testcase = rd->has_verdict = 0;
	rd->calls = -1;
	if ((rc = attribute_copy(&rd->stamp, rd, attrs, count, "timestamp")) < 0 ||
	    (rc = attribute_copy(&rd->suite_name, rd, attrs, count, "name")) < 0)
		return rc;
	if (!rd->suite_name)
		return invalid(rd, line, "<testsuite> without a name%s%s", "", "");
	rd->suite = rd->suite_name;

	/* Doubling: 10,000 workloads must not mean 10,000 copies. */
	if (run->count == rd->capacity) {
		size_t capacity = rd->capacity ? rd->capacity * 2 : 16;

		if (!(items = realloc(run->items, capacity * sizeof(*items))))
			return lg_error_oom();
		run->items = items;
		rd->capacity = capacity;
	}
	if ((rc = lg_workload_init_defaults(&wl)) < 0)
		return rc;
	rc = lg_string_set(&wl.name, rd->suite_name);
	if (rc == 0)
		rc = lg_workload_result_init(&run->items[run->count], &wl, TAIL_MIN);
	lg_workload_dispose(&wl);
	if (rc < 0)
		return rc;
	run->items[run->count++].verdict = LG_VERDICT_ERROR; /* disposed with the run */
	return 0;
}

/* A <property> of the first <properties>. */
static int property_element(reader *rd, long line, const xmlChar **attrs, int count)
{
	lg_workload_result *r = &rd->run->items[rd->run->count - 1];
	const char *name, *value;
	int rc;

	if ((rc = attribute(&name, rd, 0, attrs, count, "name")) < 0 ||
	    (rc = attribute(&value, rd, 1, attrs, count, "value")) < 0)
		return rc;
	if (!name || !value)
		return invalid(rd, line, "<property> without %s%s",
			       name ? "a value" : "a name", "");
	if ((rc = property(r, rd, line, name, value, &rd->calls)) == 0 &&
	    strcmp(name, "verdict") == 0)
		rd->has_verdict = 1;
	return rc;
}

/* A child of the first <testcase>: kept (its text to come) when it holds
 * part of the result. */
static int testcase_child(reader *rd, const char *name, const xmlChar **attrs,
			  int count)
{
	static const char *const names[] = {
		[CHILD_FAILURE] = "failure", [CHILD_ERROR] = "error",
		[CHILD_SKIPPED] = "skipped", [CHILD_OUT] = "system-out",
		[CHILD_ERR] = "system-err",
	};
	tc_child *c;
	size_t k = 0;

	while (k < sizeof(names) / sizeof(*names) && strcmp(name, names[k]) != 0)
		k++;
	if (k == sizeof(names) / sizeof(*names))
		return 0;
	if (rd->child_count == rd->child_capacity) {
		size_t capacity = rd->child_capacity ? rd->child_capacity * 2 : 4;

		if (!(c = realloc(rd->children, capacity * sizeof(*c))))
			return lg_error_oom();
		rd->children = c;
		rd->child_capacity = capacity;
	}
	c = &rd->children[rd->child_count++];
	c->kind = (child_kind)k;
	c->message = NULL;
	c->text = (lg_buf)LG_BUF_INIT;
	rd->in_child = 1;
	if (k == CHILD_OUT || k == CHILD_ERR)
		return 0;
	return attribute_copy(&c->message, rd, attrs, count, "message");
}

/* An element starts, depth elements inside the root's parent (0: the
 * root). Inside a suite: its first <properties> (each <property> read at
 * once), its one <testcase> (kept until the suite ends), nothing else. */
static int element(reader *rd, int depth, const char *name, const xmlChar **attrs,
		   int count)
{
	long line = xmlSAX2GetLineNumber(rd->ctxt);
	int rc;

	if (depth == 0)
		return root_element(rd, line, name, attrs, count);
	if (depth == 1)
		return strcmp(name, "testsuite") == 0 ? suite_start(rd, line, attrs, count) : 0;
	if (rd->in != SUITE)
		return 0;
	if (depth == 2 && strcmp(name, "properties") == 0 && rd->props == NO_PROPS) {
		rd->props = IN_PROPS;
		rd->props_line = line;
	} else if (depth == 2 && strcmp(name, "testcase") == 0) {
		if (rd->testcases++)
			return invalid(rd, line, "more than one <testcase>: not a "
				       "leakgate report%s%s", "", "");
		rd->in_testcase = 1;
		rd->tc_line = line;
		if ((rc = attribute_copy(&rd->tc_attrs[TC_CLASSNAME], rd, attrs, count,
					 "classname")) < 0 ||
		    (rc = attribute_copy(&rd->tc_attrs[TC_NAME], rd, attrs, count, "name")) < 0 ||
		    (rc = attribute_copy(&rd->tc_attrs[TC_FILE], rd, attrs, count, "file")) < 0 ||
		    (rc = attribute_copy(&rd->tc_attrs[TC_LINE], rd, attrs, count, "line")) < 0)
			return rc;
		return attribute_copy(&rd->tc_attrs[TC_TIME], rd, attrs, count, "time");
	} else if (depth == 3 && rd->props == IN_PROPS && strcmp(name, "property") == 0) {
		return property_element(rd, line, attrs, count);
	} else if (depth == 3 && rd->in_testcase) {
		return testcase_child(rd, name, attrs, count);
	}
	return 0;
}

/* The suite read through: its checks, the testcase, its start time. */
static int suite_end(reader *rd)
{
	lg_run_result *run = rd->run;
	lg_workload_result *r = &run->items[run->count - 1];
	time_t started;
	int rc;

	if (rd->props == NO_PROPS || !rd->testcases)
		return invalid(rd, rd->suite_line, "no <%s>: not a leakgate report%s",
			       rd->props != NO_PROPS ? "testcase" : "properties", "");
	/* Calls but no samples kept (no heap counters): one sample says how
	 * far it got. */
	if (rd->calls > 0 && r->series.count == 0) {
		lg_sample last;

		memset(&last, 0, sizeof(last));
		last.calls = rd->calls;
		if ((rc = lg_series_push(&r->series, &last)) < 0)
			return rc;
	}
	if (!rd->has_verdict)
		return invalid(rd, rd->props_line, "no 'verdict' property: not "
			       "written by leakgate%s%s", "", "");
	if (!r->workload.target &&
	    (rc = lg_string_set(&r->workload.target, rd->suite_name)) < 0)
		return rc;
	if ((rc = testcase(r, rd)) < 0)
		return rc;
	started = parse_stamp(rd->stamp);
	if (started && (!run->started || started < run->started))
		run->started = started;
	return 0;
}

/* Back outside any suite: what was kept of the last one freed. */
static void suite_clear(reader *rd)
{
	for (size_t i = 0; i < rd->child_count; i++) {
		free(rd->children[i].message);
		lg_buf_dispose(&rd->children[i].text);
	}
	rd->child_count = 0;
	rd->in_child = 0;
	for (int i = 0; i < TC_ATTRS; i++) {
		free(rd->tc_attrs[i]);
		rd->tc_attrs[i] = NULL;
	}
	free(rd->suite_name);
	free(rd->stamp);
	rd->suite_name = rd->stamp = NULL;
	rd->suite = NULL;
	rd->in = OUTSIDE;
}

/*
 * The SAX2 handlers: the document is read as libxml2 parses it, into the
 * model, without a tree (building one and freeing it took most of the
 * time). A caller that copies the suites (each) gets each one built as a
 * tree by libxml2's own handlers, freed once each has it.
 */
static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
		     const xmlChar *uri, int ns_count, const xmlChar **ns,
		     int count, int defaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;

	if (rd->each)
		xmlSAX2StartElementNs(ctx, local, prefix, uri, ns_count, ns, count,
				      defaulted, attrs);
	if (rd->rc == 0)
		stop(rd, element(rd, rd->depth, (const char *)local, attrs, count));
	rd->depth++;
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
		   const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;
	xmlNodePtr node = ctxt->node; /* the element ending, when building */
	int depth = --rd->depth, rc = 0;

	if (rd->each)
		xmlSAX2EndElementNs(ctx, local, prefix, uri);
	if (depth == 3)
		rd->in_child = 0;
	else if (depth == 2 && rd->props == IN_PROPS)
		rd->props = PROPS_READ;
	else if (depth == 2)
		rd->in_testcase = 0;
	if (depth != 1 || rd->in == OUTSIDE)
		return;
	if (rd->in == SUITE && rd->rc == 0 && (rc = suite_end(rd)) == 0 && rd->each)
		rc = rd->each(rd->each_ctx, node);
	suite_clear(rd);
	if (rd->each) {
		xmlUnlinkNode(node);
		xmlFreeNode(node);
	}
	stop(rd, rc); /* outside now: an error inside stops here */
}

static void text(reader *rd, const xmlChar *ch, int len)
{
	if (rd->in_child && rd->rc == 0)
		stop(rd, lg_buf_add(&rd->children[rd->child_count - 1].text,
				    (const char *)ch, (size_t)len));
}

static void on_characters(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;

	/* Between the suites: not copied. */
	if (rd->each && rd->in != OUTSIDE)
		xmlSAX2Characters(ctx, ch, len);
	text(rd, ch, len);
}

static void on_cdata(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;

	if (rd->each && rd->in != OUTSIDE)
		xmlSAX2CDataBlock(ctx, ch, len);
	text(rd, ch, len);
}

/* An entity declared in a shard (its own DTD): its suites, copied as
 * written, would refer to it in a merged file that has no DTD, which
 * would not be well-formed. */
static void on_entity_decl(void *ctx, const xmlChar *name, int type,
			   const xmlChar *public_id, const xmlChar *system_id,
			   xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;

	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	stop(rd, invalid(rd, xmlSAX2GetLineNumber(ctxt), "declares entity '%s': "
			 "its suites cannot be copied into a merged file "
			 "without its DTD%s", (const char *)name, ""));
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

static int file_read(void *ctx, char *buffer, int size)
{
	FILE *f = ctx;
	size_t n = fread(buffer, 1, (size_t)size, f);

	return n == 0 && ferror(f) ? -1 : (int)n;
}

/* The input is its owner's to close. */
static int input_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* No network; no whitespace-only text (the indentation) unless the
 * suites are copied (each), which keep theirs; no IDs looked for in the
 * copied trees. */
#define READ_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOBLANKS)
#define COPY_OPTIONS (XML_PARSE_NONET | XML_PARSE_COMPACT)

/* The structured error handler: the first fatal error kept (the parser
 * goes on after it, and what it says then is of little use); libxml2
 * reports a text node over its limit as running out of memory. */
static void keep_fatal(void *context, lg_xml_error error)
{
	reader *rd = context;

	if ((error->level == XML_ERR_FATAL || error->code == XML_ERR_NO_MEMORY) &&
	    rd->fatal.code == 0)
		xmlCopyError(error, &rd->fatal);
}

/* libxml2's limit on one text or attribute (without XML_PARSE_HUGE, which
 * would also lift its guards against entity expansion), by its messages:
 * "AttValue length too long", "Huge input lookup", "huge text node". */
static int over_limit(const char *message)
{
	return strstr(message, "too long") || strstr(message, "Huge input") ||
	       strstr(message, "huge text");
}

/* Read the document that read(ctx) gives into out. */
static int read_document(lg_run_result *out, xmlInputReadCallback read, void *ctx,
			 const char *name, lg_junit_suite_fn each, void *each_ctx)
{
	xmlStructuredErrorFunc saved_handler = xmlStructuredError;
	void *saved_context = xmlStructuredErrorContext;
	lg_run_result run = LG_RUN_RESULT_INIT;
	reader rd;
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	int rc = 0;

	memset(&rd, 0, sizeof(rd));
	rd.name = name;
	rd.run = &run;
	rd.each = each;
	rd.each_ctx = each_ctx;
	rd.scratch[0] = rd.scratch[1] = (lg_buf)LG_BUF_INIT;
	/* libxml2's tree builders, but for the elements and their text. */
	xmlSAXVersion(&sax, 2);
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = sax.ignorableWhitespace = on_characters;
	sax.cdataBlock = on_cdata;
	if (!each) {
		sax.comment = NULL;
		sax.processingInstruction = NULL;
		sax.reference = NULL;
	} else {
		sax.entityDecl = on_entity_decl;
	}

	xmlSetStructuredErrorFunc(&rd, keep_fatal);
	xmlResetLastError();
	if (!(ctxt = xmlCreateIOParserCtxt(&sax, NULL, read, input_close, ctx,
					   XML_CHAR_ENCODING_NONE))) {
		rc = lg_error_oom();
	} else {
		rd.ctxt = ctxt;
		ctxt->_private = &rd;
		xmlCtxtUseOptions(ctxt, each ? COPY_OPTIONS : READ_OPTIONS);
		ctxt->loadsubset |= XML_SKIP_IDS;
		xmlParseDocument(ctxt);
		rc = rd.rc;
		/* Not well-formed before the error's suite ended: that is what
		 * is wrong. */
		if (!ctxt->wellFormed) {
			const xmlError *e = rd.fatal.code ? &rd.fatal : xmlGetLastError();
			char reason[256];
			size_t n;

			snprintf(reason, sizeof(reason), "%s", e && e->message
				 ? e->message : "not well-formed XML");
			n = strlen(reason);
			while (n && (reason[n - 1] == '\n' || reason[n - 1] == ' '))
				reason[--n] = '\0';
			if (over_limit(reason))
				snprintf(reason, sizeof(reason), "a text or attribute "
					 "over libxml2's limit of %d bytes (leakgate "
					 "writes none so long: it keeps %d bytes of a "
					 "workload's output)", XML_MAX_TEXT_LENGTH,
					 TAIL_MIN);
			if (e && e->line > 0)
				lg_error_set("%s: line %d: not well-formed XML: %s", name,
					     e->line, reason);
			else
				lg_error_set("%s: not well-formed XML: %s", name, reason);
			rc = LG_EINVALID;
		}
		xmlFreeDoc(ctxt->myDoc);
		xmlFreeParserCtxt(ctxt);
	}
	xmlResetError(&rd.fatal);
	suite_clear(&rd);
	free(rd.children);
	lg_buf_dispose(&rd.scratch[0]);
	lg_buf_dispose(&rd.scratch[1]);
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
	return read_document(out, memory_read, &input, name, NULL, NULL);
}

int lg_junit_read_each(lg_run_result *out, const char *path,
		       lg_junit_suite_fn each, void *ctx)
{
	/* Not blocking in open: a FIFO that nothing writes gives no data. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f = NULL;
	char *buffer = NULL;
	int rc, c;

	*out = (lg_run_result)LG_RUN_RESULT_INIT;
	if (fd < 0) {
		lg_error_set_os("cannot read '%s'", path);
		return LG_ENOTFOUND;
	}
	if (fstat(fd, &st) < 0 || fcntl(fd, F_SETFL, 0) < 0) {
		close(fd);
		return lg_error_set_os("cannot read '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		lg_error_set("%s: a directory, not a JUnit file", path);
		return LG_EINVALID;
	}
	if (!(f = fdopen(fd, "rb"))) {
		close(fd);
		return lg_error_set_os("cannot read '%s'", path);
	}
	/* A FIFO whose writer has not come (or gone): said so, not "Document
	 * is empty"; a read ends at once, with nothing. */
	if (S_ISFIFO(st.st_mode) && (c = getc(f)) == EOF) {
		fclose(f);
		lg_error_set("%s: a FIFO that nothing writes", path);
		return LG_EINVALID;
	} else if (S_ISFIFO(st.st_mode)) {
		ungetc(c, f);
	}
	/* libxml2 asks for 4 KB at a time: 10,000 reads for 40 MB without
	 * a larger buffer (glibc's is 4 KB unless given one). */
	if (!(buffer = malloc(READ_BUFFER)) ||
	    setvbuf(f, buffer, _IOFBF, READ_BUFFER) != 0)
		rc = lg_error_oom();
	else
		rc = read_document(out, file_read, f, path, each, ctx);
	fclose(f);
	free(buffer);
	return rc;
}

int lg_junit_read(lg_run_result *out, const char *path)
{
	return lg_junit_read_each(out, path, NULL, NULL);
}

/*
 * Baselines as data and as text: built from a run, written and read in
 * git-config syntax through libgit2's config API (libgit2 1.5 parses config
 * only from files, so text goes through an anonymous file in memory, or
 * a temporary file where there is none).
 */
#include "leakgate/baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "leakgate/error.h"
#include "leakgate/libgit2.h"
#include "leakgate/file.h"
#include "leakgate/parse.h"

#ifndef LG_VERSION
#define LG_VERSION "dev"
#endif

/* The figures of a metric, as key suffixes; also bits of a "given" mask. */
enum { FIG_SLOPE = 1, FIG_CI_LOW = 2, FIG_CI_HIGH = 4, FIG_LEAKS = 8, FIG_ALL = 15 };

static const struct {
	const char *suffix;
	unsigned bit;
} figures[] = {
	{ "-slope", FIG_SLOPE },
	{ "-ci-low", FIG_CI_LOW },
	{ "-ci-high", FIG_CI_HIGH },
	{ "-leaks", FIG_LEAKS },
};

/* The judging parameters as keys, in both sections. */
static const struct {
	const char *key;
	unsigned bit;
} params[] = {
	{ "threshold", LG_PARAM_THRESHOLD },
	{ "regression-floor", LG_PARAM_FLOOR },
	{ "regression-tolerance", LG_PARAM_TOLERANCE },
};

static double *param_field(lg_baseline_params *p, unsigned bit)
{
	return bit == LG_PARAM_THRESHOLD ? &p->threshold
	       : bit == LG_PARAM_FLOOR ? &p->regression_floor
	       : &p->regression_tolerance;
}

static double param_value(const lg_baseline_params *p, unsigned bit)
{
	return bit == LG_PARAM_THRESHOLD ? p->threshold
	       : bit == LG_PARAM_FLOOR ? p->regression_floor
	       : p->regression_tolerance;
}

void lg_baseline_params_of(lg_baseline_params *out, const lg_workload *wl)
{
	out->given = LG_PARAM_ALL;
	out->threshold = wl->threshold;
	out->regression_floor = wl->regression_floor;
	out->regression_tolerance = wl->regression_tolerance;
}

void lg_baseline_metric_key(char *out, size_t size, lg_metric m)
{
	const char *name = lg_metric_get(m)->name;
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++)
		out[i] = name[i] == '_' ? '-' : name[i];
	if (size)
		out[i] = '\0';
}

void lg_baseline_dispose(lg_baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->count; i++)
		lg_baseline_entry_dispose(&b->entries[i]);
	free(b->entries);
	free(b->leakgate_version);
	free(b->rev);
	free(b->store);
	memset(b, 0, sizeof(*b));
	b->format = LG_BASELINE_FORMAT;
}

int lg_baseline_merge(lg_baseline *into, const lg_baseline *from)
{
	int rc;

	for (size_t i = 0; i < from->count; i++) {
		const lg_baseline_entry *e = &from->entries[i];
		const lg_baseline_entry *have = lg_baseline_find(into, e->workload);

		if (have && have->recorded > e->recorded)
			continue;
		if ((rc = lg_baseline_add_entry(into, e)) < 0)
			return rc;
	}
	if (from->defaults.given)
		into->defaults = from->defaults;
	return 0;
}

void lg_baseline_retain(lg_baseline *b, const char *const *names, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < b->count; i++) {
		size_t j = 0;

		while (j < n && strcmp(names[j], b->entries[i].workload) != 0)
			j++;
		if (j == n)
			lg_baseline_entry_dispose(&b->entries[i]);
		else
			b->entries[kept++] = b->entries[i];
	}
	b->count = kept;
}

const lg_baseline_entry *lg_baseline_find(const lg_baseline *b,
					  const char *workload)
{
	for (size_t i = 0; b && workload && i < b->count; i++)
		if (strcmp(b->entries[i].workload, workload) == 0)
			return &b->entries[i];
	return NULL;
}

/* The entry named name, added empty on its first appearance. */
static int slot_for(lg_baseline_entry **out, lg_baseline *b, const char *name,
		    size_t len)
{
	lg_baseline_entry *grown;

	for (size_t i = 0; i < b->count; i++) {
		if (strlen(b->entries[i].workload) == len &&
		    memcmp(b->entries[i].workload, name, len) == 0) {
			*out = &b->entries[i];
			return 0;
		}
	}
	grown = realloc(b->entries, (b->count + 1) * sizeof(*grown));
	if (!grown)
		return lg_error_oom();
	b->entries = grown;
	memset(&grown[b->count], 0, sizeof(*grown));
	if (!(grown[b->count].workload = strndup(name, len)))
		return lg_error_oom();
	*out = &grown[b->count++];
	return 0;
}

int lg_baseline_add_entry(lg_baseline *b, const lg_baseline_entry *e)
{
	lg_baseline_entry *slot, copy;
	int rc;

	if (!e->workload) {
		lg_error_set("baseline entry without a workload name");
		return LG_EINVALID;
	}
	if ((rc = lg_baseline_entry_copy(&copy, e)) < 0)
		return rc;
	if ((rc = slot_for(&slot, b, e->workload, strlen(e->workload))) < 0) {
		lg_baseline_entry_dispose(&copy);
		return rc;
	}
	lg_baseline_entry_dispose(slot);
	*slot = copy;
	return 0;
}

int lg_baseline_add_result(lg_baseline *b, const lg_workload_result *r)
{
	lg_baseline_entry e;
	int rc;

	if (r->verdict == LG_VERDICT_ERROR || r->verdict == LG_VERDICT_SKIPPED ||
	    !r->python_version ||
	    !r->implementation)
		return 0;
	memset(&e, 0, sizeof(e));
	/* Borrowed: lg_baseline_add_entry copies. */
	e.workload = r->workload.name;
	e.target = r->workload.target;
	e.python_version = r->python_version;
	e.implementation = r->implementation;
	e.platform = r->platform;
	e.leakgate_version = (char *)LG_VERSION;
	e.calls = lg_series_calls(&r->series);
	e.recorded = (int64_t)time(NULL);
	lg_baseline_params_of(&e.params, &r->workload);
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		const lg_fit *f = &r->fits[m];

		if (!((r->fitted >> m) & 1u) || !f->enough)
			continue;
		e.metrics[m].present = 1;
		e.metrics[m].slope = f->slope;
		e.metrics[m].ci_low = f->ci_low;
		e.metrics[m].ci_high = f->ci_high;
		e.metrics[m].leaks = f->leaks;
	}
	if ((rc = lg_baseline_add_entry(b, &e)) < 0)
		return rc;
	return 1;
}

/* ---- writing ---------------------------------------------------------- */

/* A libgit2 call on the file at path failed: lg_error_git's message
 * about `what`, but never the temporary copy's name: "(in PATH:3)" becomes
 * "(line 3)", as the message already starts with what the user knows. */
static int libgit2_failure(const char *what, const char *path)
{
	int code = lg_error_git("%s", what);
	const char *text = lg_error_last(), *hit;
	lg_buf message = LG_BUF_INIT;
	size_t n = path ? strlen(path) : 0;
	int rc = 0;

	while (rc == 0 && n && (hit = strstr(text, path))) {
		int line = hit - text >= 3 && memcmp(hit - 3, "in ", 3) == 0 &&
			   hit[n] == ':';

		rc = lg_buf_add(&message, text, (size_t)(hit - text) - (line ? 3 : 0));
		if (rc == 0)
			rc = lg_buf_puts(&message, line ? "line " : what);
		text = hit + n + (line ? 1 : 0);
	}
	if (rc == 0)
		rc = lg_buf_puts(&message, text);
	if (rc < 0) {
		lg_buf_dispose(&message);
		return rc;
	}
	lg_error_set("%s", lg_buf_cstr(&message));
	lg_buf_dispose(&message);
	return code == LG_ERROR ? LG_EINVALID : code;
}

typedef struct {
	git_config *cfg;
	const char *path; /* the file written */
	const char *what; /* for messages */
} writer;

static int put(writer *w, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set the key fmt... to value. */
static int put(writer *w, const char *value, const char *fmt, ...)
{
	char key[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(key)) {
		lg_error_set("%s: key too long: %.60s...", w->what, key);
		return LG_EINVALID;
	}
	if (git_config_set_string(w->cfg, key, value) < 0)
		return libgit2_failure(w->what, w->path);
	return 0;
}

/* Numbers round-trip to 10 significant digits, whatever the locale (the
 * program never calls setlocale). */
static int put_number(writer *w, double v, const char *name, const char *key)
{
	char value[48];

	snprintf(value, sizeof(value), "%.10g", v);
	return put(w, value, "baseline.%s.%s", name, key);
}

/* The parameters given, as keys of the section `prefix` ("leakgate",
 * "baseline.NAME"). */
static int put_params(writer *w, const lg_baseline_params *p, const char *prefix)
{
	char value[48];
	int rc = 0;

	for (size_t i = 0; i < sizeof(params) / sizeof(*params) && rc == 0; i++) {
		if (!(p->given & params[i].bit))
			continue;
		snprintf(value, sizeof(value), "%.10g",
			 param_value(p, params[i].bit));
		rc = put(w, value, "%s.%s", prefix, params[i].key);
	}
	return rc;
}

static int write_entry(writer *w, const lg_baseline_entry *e)
{
	const char *name = e->workload;
	char calls[32], recorded[32], metric[64], key[96], section[1024];
	time_t when = (time_t)e->recorded;
	struct tm tm;
	int rc = 0;

	if (strchr(name, '\n')) {
		lg_error_set("%s: workload name '%s' has a newline", w->what, name);
		return LG_EINVALID;
	}
	snprintf(calls, sizeof(calls), "%lld", (long long)e->calls);
	snprintf(section, sizeof(section), "baseline.%s", name);
	if ((e->target && (rc = put(w, e->target, "baseline.%s.target", name)) < 0) ||
	    (rc = put(w, e->python_version ? e->python_version : "",
		      "baseline.%s.python", name)) < 0 ||
	    (rc = put(w, e->implementation ? e->implementation : "",
		      "baseline.%s.implementation", name)) < 0 ||
	    (rc = put(w, e->platform ? e->platform : "",
		      "baseline.%s.platform", name)) < 0 ||
	    (rc = put(w, e->leakgate_version ? e->leakgate_version : "",
		      "baseline.%s.leakgate-version", name)) < 0 ||
	    (rc = put(w, calls, "baseline.%s.calls", name)) < 0 ||
	    (rc = put_params(w, &e->params, section)) < 0)
		return rc;
	if (e->recorded > 0 && gmtime_r(&when, &tm) &&
	    strftime(recorded, sizeof(recorded), "%Y-%m-%dT%H:%M:%SZ", &tm) &&
	    (rc = put(w, recorded, "baseline.%s.recorded", name)) < 0)
		return rc;
	for (int m = 0; m < LG_METRIC_COUNT && rc == 0; m++) {
		const lg_baseline_metric *f = &e->metrics[m];

		if (!f->present)
			continue;
		lg_baseline_metric_key(metric, sizeof(metric), (lg_metric)m);
		snprintf(key, sizeof(key), "%s-slope", metric);
		if ((rc = put_number(w, f->slope, name, key)) < 0)
			break;
		snprintf(key, sizeof(key), "%s-ci-low", metric);
		if ((rc = put_number(w, f->ci_low, name, key)) < 0)
			break;
		snprintf(key, sizeof(key), "%s-ci-high", metric);
		if ((rc = put_number(w, f->ci_high, name, key)) < 0)
			break;
		rc = put(w, f->leaks ? "true" : "false", "baseline.%s.%s-leaks",
			 name, metric);
	}
	return rc;
}

/* A private temporary directory for text that libgit2 must see as a file. */
static int temp_dir(char *out, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(out, size, "%s/leakgate-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(out))
		return lg_error_set_os("cannot create a temporary "
						"directory '%s'", out);
	return 0;
}

/*
 * One section (the [leakgate] header when e is NULL) written by libgit2
 * into the empty file at path, then appended to out. libgit2 rewrites the
 * whole file on every set, so a section at a time keeps the cost linear in
 * the number of workloads; concatenated sections are the same config.
 */
static int add_section(lg_buf *out, const char *path, const char *what,
		       const lg_baseline *b, const lg_baseline_entry *e)
{
	writer w = { NULL, path, what };
	git_transaction *tx = NULL;
	char format[16];
	int fd, rc;

	if ((rc = lg_libgit2_start()) < 0)
		return rc;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return lg_error_set_os("cannot create '%s'", path);
	close(fd);
	/* Locked, the sets collect in memory and the commit writes once. */
	if (git_config_open_ondisk(&w.cfg, path) < 0 ||
	    git_config_lock(&tx, w.cfg) < 0) {
		git_config_free(w.cfg);
		return libgit2_failure(what, path);
	}
	if (e) {
		rc = write_entry(&w, e);
	} else {
		snprintf(format, sizeof(format), "%d", LG_BASELINE_FORMAT);
		if ((rc = put(&w, format, "leakgate.format")) == 0)
			rc = put(&w, b->leakgate_version ? b->leakgate_version
				 : LG_VERSION, "leakgate.leakgate-version");
		if (rc == 0)
			rc = put_params(&w, &b->defaults, "leakgate");
	}
	if (rc == 0 && git_transaction_commit(tx) < 0)
		rc = libgit2_failure(what, path);
	git_transaction_free(tx);
	git_config_free(w.cfg);
	if (rc == 0)
		rc = lg_file_read(out, path);
	unlink(path);
	return rc;
}

/* The whole text; `what` names it in messages. */
static int format_text(lg_buf *out, const lg_baseline *b, const char *what)
{
	char dir[4096], path[4200];
	int rc;

	if ((rc = temp_dir(dir, sizeof(dir))) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/section", dir);
	rc = add_section(out, path, what, b, NULL);
	for (size_t i = 0; i < b->count && rc == 0; i++)
		rc = add_section(out, path, what, b, &b->entries[i]);
	rmdir(dir);
	return rc;
}

int lg_baseline_format(lg_buf *out, const lg_baseline *b)
{
	return format_text(out, b, "baseline");
}

int lg_baseline_write(const lg_baseline *b, const char *path)
{
	lg_buf text = LG_BUF_INIT;
	int rc;

	if ((rc = lg_file_mkdir_parent(path)) == 0 &&
	    (rc = format_text(&text, b, path)) == 0)
		rc = lg_file_write_atomic(path, lg_buf_cstr(&text), text.len);
	lg_buf_dispose(&text);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

typedef struct {
	const char *what;
	const char *path;
	lg_baseline *b;
	unsigned (*given)[LG_METRIC_COUNT]; /* per entry: figures seen */
	size_t given_count;
} reader;

static int bad(const reader *rd, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "WHAT: KEY: problem" */
static int bad(const reader *rd, const char *key, const char *fmt, ...)
{
	char problem[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	lg_error_set("%s: %s: %s", rd->what, key, problem);
	return LG_EINVALID;
}

static int read_number(double *out, const reader *rd, const char *key,
		       const char *value)
{
	if (lg_parse_double(out, value) < 0)
		return bad(rd, key, "'%s' is not a number", value);
	return 0;
}

/* "2026-12-07T01:30:00Z", as written: UTC to the second. */
static int read_time(int64_t *out, const reader *rd, const char *key,
		     const char *value)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end || (t = timegm(&tm)) <= 0)
		return bad(rd, key, "'%s' is not a time such as "
			   "2026-12-07T01:30:00Z", value);
	*out = (int64_t)t;
	return 0;
}

/* A parameter key: 0 when read, 1 when name is none of them. */
static int read_param(lg_baseline_params *p, const reader *rd, const char *key,
		      const char *name, const char *value)
{
	double v;

	for (size_t i = 0; i < sizeof(params) / sizeof(*params); i++) {
		if (strcmp(name, params[i].key) != 0)
			continue;
		if (lg_parse_double(&v, value) < 0 || v < 0)
			return bad(rd, key, "'%s' is not a number >= 0", value);
		*param_field(p, params[i].bit) = v;
		p->given |= params[i].bit;
		return 0;
	}
	return 1;
}

static int read_figure(lg_baseline_entry *e, unsigned *given, const reader *rd,
		       const char *key, const char *name, const char *value)
{
	char metric[64];
	size_t len = strlen(name);

	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		size_t mlen;

		lg_baseline_metric_key(metric, sizeof(metric), (lg_metric)m);
		mlen = strlen(metric);
		if (len <= mlen || memcmp(name, metric, mlen) != 0)
			continue;
		for (size_t i = 0; i < sizeof(figures) / sizeof(*figures); i++) {
			lg_baseline_metric *f = &e->metrics[m];
			int truth, rc = 0;

			if (strcmp(name + mlen, figures[i].suffix) != 0)
				continue;
			switch (figures[i].bit) {
			case FIG_SLOPE:
				rc = read_number(&f->slope, rd, key, value);
				break;
			case FIG_CI_LOW:
				rc = read_number(&f->ci_low, rd, key, value);
				break;
			case FIG_CI_HIGH:
				rc = read_number(&f->ci_high, rd, key, value);
				break;
			case FIG_LEAKS:
				if (git_config_parse_bool(&truth, value) < 0)
					return bad(rd, key, "'%s' is not true or false",
						   value);
				f->leaks = truth;
				break;
			}
			if (rc < 0)
				return rc;
			given[m] |= figures[i].bit;
			f->present = 1;
			return 0;
		}
	}
	return bad(rd, key, "unknown key");
}

static int set_field(char **field, const reader *rd, const char *key,
		     const char *value)
{
	if (!*value)
		return bad(rd, key, "empty");
	return lg_string_set(field, value);
}

/* "baseline.NAME.KEY" */
static int read_workload_key(reader *rd, const char *key, const char *first,
			     const char *last, const char *value)
{
	lg_baseline_entry *e;
	const char *name = last + 1;
	size_t index;
	int64_t calls;
	int rc;

	if (first == last)
		return bad(rd, key, "[baseline] needs a name: [baseline \"WORKLOAD\"]");
	if ((rc = slot_for(&e, rd->b, first + 1, (size_t)(last - first - 1))) < 0)
		return rc;
	index = (size_t)(e - rd->b->entries);
	if (index >= rd->given_count) {
		unsigned (*grown)[LG_METRIC_COUNT] =
			realloc(rd->given, (index + 1) * sizeof(*grown));

		if (!grown)
			return lg_error_oom();
		memset(&grown[rd->given_count], 0,
		       (index + 1 - rd->given_count) * sizeof(*grown));
		rd->given = grown;
		rd->given_count = index + 1;
	}
	if (strcmp(name, "target") == 0)
		return set_field(&e->target, rd, key, value);
	if (strcmp(name, "python") == 0)
		return set_field(&e->python_version, rd, key, value);
	if (strcmp(name, "implementation") == 0)
		return set_field(&e->implementation, rd, key, value);
	/* lg_string_set frees what a repeated key set before. */
	if (strcmp(name, "platform") == 0)
		return lg_string_set(&e->platform, value);
	if (strcmp(name, "leakgate-version") == 0)
		return lg_string_set(&e->leakgate_version, value);
	if (strcmp(name, "recorded") == 0)
		return read_time(&e->recorded, rd, key, value);
	if (strcmp(name, "calls") == 0) {
		if (lg_parse_i64(&calls, value) < 0 || calls < 0)
			return bad(rd, key, "'%s' is not a whole number >= 0", value);
		e->calls = calls;
		return 0;
	}
	if ((rc = read_param(&e->params, rd, key, name, value)) <= 0)
		return rc;
	return read_figure(e, rd->given[index], rd, key, name, value);
}

static int read_entry(reader *rd, const char *key, const char *value)
{
	const char *first = strchr(key, '.'), *last = strrchr(key, '.');
	size_t section;
	int rc;

	if (!first)
		return bad(rd, key, "not in a section");
	if (!value)
		return bad(rd, key, "no value");
	section = (size_t)(first - key);
	if (section == strlen("leakgate") && memcmp(key, "leakgate", section) == 0) {
		if (first != last)
			return bad(rd, key, "unknown key");
		if (strcmp(first + 1, "format") == 0)
			return 0; /* checked first */
		if (strcmp(first + 1, "leakgate-version") == 0)
			return lg_string_set(&rd->b->leakgate_version, value);
		if ((rc = read_param(&rd->b->defaults, rd, key, first + 1,
				     value)) <= 0)
			return rc;
		return bad(rd, key, "unknown key");
	}
	if (section == strlen("baseline") && memcmp(key, "baseline", section) == 0)
		return read_workload_key(rd, key, first, last, value);
	return bad(rd, key, "unknown section (a baseline has [leakgate] and "
		   "[baseline \"WORKLOAD\"])");
}

/* Before anything else: a newer format may have keys this one rejects. */
static int check_format(reader *rd, git_config *cfg)
{
	git_config_entry *entry = NULL;
	int64_t format;
	int rc;

	rc = git_config_get_entry(&entry, cfg, "leakgate.format");
	if (rc == GIT_ENOTFOUND) {
		lg_error_set("%s: not a leakgate baseline: no 'format' in [leakgate]",
			     rd->what);
		return LG_EINVALID;
	}
	if (rc < 0)
		return libgit2_failure(rd->what, rd->path);
	if (!entry->value || lg_parse_i64(&format, entry->value) < 0 || format < 1)
		rc = bad(rd, "leakgate.format", "'%s' is not a format number",
			 entry->value ? entry->value : "");
	else if (format > LG_BASELINE_FORMAT)
		rc = bad(rd, "leakgate.format", "%lld: written by a newer leakgate "
			 "(this one, %s, reads format %d): upgrade leakgate",
			 (long long)format, LG_VERSION, LG_BASELINE_FORMAT);
	else
		rd->b->format = (int)format;
	git_config_entry_free(entry);
	return rc;
}

/* Figures that a run can have measured (baseline.h): else a note edited
 * to 1e299 would pass any leak as known. */
static int check_figures(const reader *rd, const lg_baseline_entry *e, int m)
{
	const lg_baseline_metric *f = &e->metrics[m];
	const double v[] = { f->slope, f->ci_low, f->ci_high };
	const char *const suffix[] = { "slope", "ci-low", "ci-high" };
	char key[256], metric[64];

	lg_baseline_metric_key(metric, sizeof(metric), (lg_metric)m);
	for (size_t k = 0; k < 3; k++) {
		if (isfinite(v[k]) && fabs(v[k]) <= LG_BASELINE_MAX_RATE)
			continue;
		snprintf(key, sizeof(key), "baseline.%s.%s-%s", e->workload, metric,
			 suffix[k]);
		return bad(rd, key, "%g is not a measurement (at most %g per call)",
			   v[k], LG_BASELINE_MAX_RATE);
	}
	if (f->ci_low > f->ci_high) {
		snprintf(key, sizeof(key), "baseline.%s.%s-ci-low", e->workload, metric);
		return bad(rd, key, "%.10g is above %s-ci-high %.10g", f->ci_low,
			   metric, f->ci_high);
	}
	return 0;
}

/* Every entry names its interpreter; every metric has all its figures. */
static int check_complete(const reader *rd)
{
	static const char *const names[] = {
		[FIG_SLOPE] = "slope", [FIG_CI_LOW] = "ci-low",
		[FIG_CI_HIGH] = "ci-high", [FIG_LEAKS] = "leaks",
	};
	char key[256], metric[64];

	for (size_t i = 0; i < rd->b->count; i++) {
		const lg_baseline_entry *e = &rd->b->entries[i];
		const char *missing = !e->python_version ? "python"
				      : !e->implementation ? "implementation" : NULL;

		if (missing) {
			snprintf(key, sizeof(key), "baseline.%s.%s", e->workload, missing);
			return bad(rd, key, "missing");
		}
		for (int m = 0; m < LG_METRIC_COUNT; m++) {
			unsigned given = i < rd->given_count ? rd->given[i][m] : 0;
			int rc;

			if (given == FIG_ALL && (rc = check_figures(rd, e, m)) < 0)
				return rc;
			if (!given || given == FIG_ALL)
				continue;
			for (unsigned bit = 1; bit < FIG_ALL; bit <<= 1) {
				if (given & bit)
					continue;
				lg_baseline_metric_key(metric, sizeof(metric), (lg_metric)m);
				snprintf(key, sizeof(key), "baseline.%s.%s-%s",
					 e->workload, metric, names[bit]);
				return bad(rd, key, "missing");
			}
		}
	}
	return 0;
}

static int read_all(reader *rd)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	int rc, err;

	if ((rc = lg_libgit2_start()) < 0)
		return rc;
	if (git_config_new(&cfg) < 0 ||
	    git_config_add_file_ondisk(cfg, rd->path, GIT_CONFIG_LEVEL_APP,
				       NULL, 1) < 0) {
		rc = libgit2_failure(rd->what, rd->path);
		goto out;
	}
	if ((rc = check_format(rd, cfg)) < 0)
		goto out;
	if (git_config_iterator_new(&it, cfg) < 0) {
		rc = libgit2_failure(rd->what, rd->path);
		goto out;
	}
	while ((err = git_config_next(&entry, it)) == 0)
		if ((rc = read_entry(rd, entry->name, entry->value)) < 0)
			goto out;
	rc = err == GIT_ITEROVER ? check_complete(rd)
				 : libgit2_failure(rd->what, rd->path);
out:
	git_config_iterator_free(it);
	git_config_free(cfg);
	return rc;
}

int lg_baseline_read_file(lg_baseline *out, const char *path, const char *what)
{
	lg_baseline init = LG_BASELINE_INIT;
	reader rd = { what ? what : path, path, out, NULL, 0 };
	struct stat st;
	int rc;

	*out = init;
	/* libgit2 reads a missing file as an empty one: look first. */
	if (stat(path, &st) < 0) {
		int missing = errno == ENOENT || errno == ENOTDIR;

		lg_error_set_os("%s", rd.what);
		return missing ? LG_ENOTFOUND : LG_EOS;
	}
	if (!S_ISREG(st.st_mode)) {
		lg_error_set("%s: not a regular file", rd.what);
		return LG_EINVALID;
	}
	rc = read_all(&rd);
	free(rd.given);
	if (rc < 0)
		lg_baseline_dispose(out);
	return rc;
}

/* text in an anonymous file (memfd) at "/proc/self/fd/N", for libgit2 to
 * read as a file without a writable TMPDIR: 1 with *fd set, 0 where the
 * system has none (then a temporary directory serves), < 0 on error. */
static int memory_file(int *fd, char *path, size_t size, const char *text,
		       size_t len)
{
	struct stat st;

	*fd = memfd_create("leakgate-baseline", MFD_CLOEXEC);
	if (*fd < 0)
		return 0;
	snprintf(path, size, "/proc/self/fd/%d", *fd);
	if (stat(path, &st) < 0) {
		close(*fd);
		return 0;
	}
	if (lg_file_write_fd(*fd, text, len) < 0) {
		close(*fd);
		return lg_error_set_os("cannot hold the baseline in memory");
	}
	return 1;
}

int lg_baseline_parse(lg_baseline *out, const char *text, size_t len,
		      const char *what)
{
	lg_baseline init = LG_BASELINE_INIT;
	char dir[4096], path[4200];
	int fd, rc = 0;

	*out = init;
	if (memchr(text, '\0', len)) {
		lg_error_set("%s: not a leakgate baseline: binary data", what);
		return LG_EINVALID;
	}
	if ((rc = memory_file(&fd, path, sizeof(path), text, len)) != 0) {
		if (rc > 0) {
			rc = lg_baseline_read_file(out, path, what);
			close(fd);
		}
		return rc;
	}
	if ((rc = temp_dir(dir, sizeof(dir))) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/baseline", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = lg_error_set_os("cannot create '%s'", path);
	if (rc == 0 && lg_file_write_fd(fd, text, len) < 0)
		rc = lg_error_set_os("cannot write '%s'", path);
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = lg_error_set_os("cannot write '%s'", path);
	if (rc == 0)
		rc = lg_baseline_read_file(out, path, what);
	unlink(path);
	rmdir(dir);
	return rc;
}

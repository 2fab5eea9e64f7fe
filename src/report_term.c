/*
 * Terminal sink: one aligned line per workload and a totals line, read from
 * the results model through report_view.h, into a buffer; the progress
 * line shown while workloads run.
 */
#include "leakgate/report.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/format.h"
#include "leakgate/metric.h"
#include "leakgate/report_view.h"

#define WORD_WIDTH 8       /* the verdict column */
#define INDENT "         " /* under the label: WORD_WIDTH + 1 */

#define ANSI_RESET "\033[0m"

/* The text so far; the first error stops the rest. */
typedef struct {
	lg_buf *b;
	int rc;
} term;

static void put(term *t, const char *s)
{
	if (t->rc == 0)
		t->rc = lg_buf_puts(t->b, s);
}

static void putf(term *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(term *t, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	put(t, line);
}

typedef struct {
	const char *word;
	const char *color;
} verdict_style;

static const verdict_style styles[] = {
	[LG_VERDICT_CLEAN] = { "CLEAN", "\033[32m" },
	[LG_VERDICT_LEAK] = { "LEAK", "\033[1;31m" },
	[LG_VERDICT_ERROR] = { "ERROR", "\033[1;35m" },
	[LG_VERDICT_EXPECTED_LEAK] = { "KNOWN", "\033[33m" },
	[LG_VERDICT_LEAK_FIXED] = { "FIXED", "\033[36m" },
	[LG_VERDICT_REGRESSION] = { "REGRESS", "\033[1;31m" },
	[LG_VERDICT_SKIPPED] = { "SKIP", "\033[2m" },
	[LG_VERDICT_INCONCLUSIVE] = { "UNSURE", "\033[33m" },
};

static const verdict_style *style(lg_verdict v)
{
	static const verdict_style unknown = { "?", "" };

	return (size_t)v < sizeof(styles) / sizeof(*styles) ? &styles[v] : &unknown;
}

/* Text from workloads, kept on one line and free of terminal escapes:
 * control characters are shown as '?'. */
static void put_text(term *t, const char *s)
{
	for (; *s && t->rc == 0; s++) {
		char c = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;

		t->rc = lg_buf_add(t->b, &c, 1);
	}
}

/* Columns put_text takes: one per character (UTF-8 lead byte). */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void pad(term *t, size_t n)
{
	while (n--)
		put(t, " ");
}

/* "<module>:<function>" when the agent said, else the workload's name. */
static void label(char *out, size_t size, const lg_workload_result *r)
{
	if (r->module && r->function)
		snprintf(out, size, "%s:%s", r->module, r->function);
	else
		snprintf(out, size, "%s", lg_view_name(r));
}

static size_t metric_name_width(void)
{
	size_t w = 0;

	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		size_t n = strlen(lg_metric_get((lg_metric)m)->name);

		if (n > w)
			w = n;
	}
	return w;
}

/* "heap_bytes      312 B/call (95% CI 305–320), tail 310 B/call, 48 samples
 * after 12 warm-up; leaks" */
static void fit_line(term *t, lg_metric m, const lg_fit *f)
{
	static const lg_fit_options defaults = LG_FIT_OPTIONS_INIT;
	const lg_metric_info *info = lg_metric_get(m);
	char rate[LG_FORMAT_RATE_SIZE], tail[LG_FORMAT_NUMBER_SIZE];

	putf(t, INDENT "%-*s  ", (int)metric_name_width(), info->name);
	if (!f->enough) {
		putf(t, "too few samples to fit (%zu after %zu warm-up)\n",
		     f->used, f->warmup);
		return;
	}
	/* The model does not record the level: lg_judge uses the default. */
	lg_format_rate(rate, sizeof(rate), f->slope, f->ci_low, f->ci_high, info,
		       defaults.confidence, 0);
	lg_format_number(tail, sizeof(tail), f->tail_slope);
	putf(t, "%s, tail %s %s/call, %zu samples after %zu warm-up%s%s\n",
	     rate, tail, info->unit, f->used, f->warmup,
	     f->leaks ? "; leaks" : "",
	     f->plateau ? "; grew then plateaued" : "");
}

static void details(term *t, const lg_workload_result *r)
{
	char path[4096];

	if (r->file && *r->file) {
		put(t, INDENT "at ");
		put_text(t, lg_format_path(path, sizeof(path), r->file));
		if (r->line > 0)
			putf(t, ":%d", r->line);
		put(t, "\n");
	}
	for (int m = 0; m < LG_METRIC_COUNT; m++)
		if ((r->fitted >> m) & 1u)
			fit_line(t, (lg_metric)m, &r->fits[m]);
	if (r->outcome != LG_OUTCOME_COMPLETED) {
		put(t, INDENT "stopped: ");
		put_text(t, r->detail ? r->detail : lg_outcome_name(r->outcome));
		put(t, "\n");
	}
}

/* The diagnosis under the workload's line: a summary, or all of it with
 * -v. Each line goes through put_text: it quotes the workload's code. */
static void explanation(term *t, const lg_workload_result *r, int verbose)
{
	lg_buf text = LG_BUF_INIT;
	int rc = lg_view_explanation(&text, r, verbose);

	if (rc < 0 && t->rc == 0)
		t->rc = rc;
	for (const char *p = lg_buf_cstr(&text); rc > 0 && *p;) {
		size_t n = strcspn(p, "\n");
		char line[4096]; /* the longest: a retainer chain, 2 KiB */

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		put(t, INDENT);
		put_text(t, line);
		put(t, "\n");
		p += n + (p[n] == '\n');
	}
	lg_buf_dispose(&text);
}

static void count(term *t, size_t n, const char *one, const char *many)
{
	putf(t, "%zu %s", n, n == 1 ? one : many);
}

static void totals(term *t, const lg_run_result *run)
{
	size_t by[LG_VERDICT_INCONCLUSIVE + 1] = { 0 };

	for (size_t i = 0; i < run->count; i++)
		if ((size_t)run->items[i].verdict < sizeof(by) / sizeof(*by))
			by[run->items[i].verdict]++;
	count(t, run->count, "workload", "workloads");
	put(t, ": ");
	/* Only runs against a baseline can regress. */
	if (by[LG_VERDICT_REGRESSION]) {
		count(t, by[LG_VERDICT_REGRESSION], "regression", "regressions");
		put(t, ", ");
	}
	count(t, by[LG_VERDICT_LEAK], "leak", "leaks");
	put(t, ", ");
	count(t, by[LG_VERDICT_CLEAN], "clean", "clean");
	put(t, ", ");
	count(t, by[LG_VERDICT_ERROR], "error", "errors");
	put(t, ", ");
	count(t, by[LG_VERDICT_EXPECTED_LEAK], "known leak", "known leaks");
	put(t, ", ");
	count(t, by[LG_VERDICT_LEAK_FIXED], "fixed", "fixed");
	/* Only runs short of evidence are inconclusive. */
	if (by[LG_VERDICT_INCONCLUSIVE]) {
		put(t, ", ");
		count(t, by[LG_VERDICT_INCONCLUSIVE], "inconclusive", "inconclusive");
	}
	/* Only test suites skip. */
	if (by[LG_VERDICT_SKIPPED]) {
		put(t, ", ");
		count(t, by[LG_VERDICT_SKIPPED], "skipped", "skipped");
	}
	putf(t, " in %.1f s\n", run->seconds);
}

/* The baseline the run was held to, on a line of its own. */
static void baseline_summary(term *t, const lg_run_result *run)
{
	lg_buf text = LG_BUF_INIT;
	int rc = lg_view_run_baseline(&text, run);

	if (rc < 0 && t->rc == 0)
		t->rc = rc;
	if (rc > 0) {
		put_text(t, text.ptr);
		put(t, "\n");
	}
	lg_buf_dispose(&text);
}

int lg_report_terminal(lg_buf *out, const lg_run_result *run,
		       const lg_report_options *opts)
{
	static const lg_report_options defaults = LG_REPORT_OPTIONS_INIT;
	term t = { out, 0 };
	char name[512];
	size_t width = 0;

	if (!out || !run || (run->count && !run->items)) {
		lg_error_set("terminal report: no output or no results");
		return LG_EINVALID;
	}
	if (!opts)
		opts = &defaults;
	for (size_t i = 0; i < run->count; i++) {
		label(name, sizeof(name), &run->items[i]);
		if (text_width(name) > width)
			width = text_width(name);
	}
	for (size_t i = 0; i < run->count && t.rc == 0; i++) {
		const lg_workload_result *r = &run->items[i];
		const verdict_style *s = style(r->verdict);

		putf(&t, "%s%s%s", opts->color ? s->color : "", s->word,
		     opts->color ? ANSI_RESET : "");
		pad(&t, WORD_WIDTH + 1 - strlen(s->word));
		label(name, sizeof(name), r);
		put_text(&t, name);
		pad(&t, width - text_width(name) + 2);
		put_text(&t, r->message ? r->message : lg_verdict_name(r->verdict));
		putf(&t, "   %.2f s\n", r->seconds);
		if (opts->verbose)
			details(&t, r);
		explanation(&t, r, opts->verbose);
	}
	totals(&t, run);
	baseline_summary(&t, run);
	return t.rc;
}

int lg_report_progress(lg_buf *out, size_t done, size_t total,
		       const char *running, double seconds)
{
	term t = { out, 0 };

	putf(&t, LG_PROGRESS_CLEAR "[%zu/%zu]", done, total);
	if (running) {
		put(&t, " running ");
		put_text(&t, running);
	}
	putf(&t, " (%.1f s)", seconds);
	return t.rc;
}

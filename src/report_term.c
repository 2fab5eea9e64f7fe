/*
 * Terminal sink: one aligned line per workload and a totals line, read from
 * the results model through report_view.h, into a buffer; the progress
 * line shown while workloads run.
 */
#include "leakgate/report_term.h"

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
/* The name column is padded to the longest name up to this; a longer name
 * (a pytest node id with parameters) gets a line of its own, so one long
 * name does not push every message off the screen. */
#define NAME_COLUMN_MAX 40

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

/* Text from workloads (its first len bytes), kept on one line and free of
 * terminal escapes: control characters are shown as '?'. */
static void put_text_n(term *t, const char *s, size_t len)
{
	for (; len-- && *s && t->rc == 0; s++) {
		char c = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;

		t->rc = lg_buf_add(t->b, &c, 1);
	}
}

static void put_text(term *t, const char *s)
{
	put_text_n(t, s, strlen(s));
}

/* Columns put_text takes for len bytes: one per character (UTF-8 lead
 * byte). */
static size_t text_width_n(const char *s, size_t len)
{
	size_t n = 0;

	for (; len-- && *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static size_t text_width(const char *s)
{
	return text_width_n(s, strlen(s));
}

static void pad(term *t, size_t n)
{
	while (n--)
		put(t, " ");
}

/*
 * Workload text from column col on, broken at spaces before width (0: one
 * line); continuation lines start under the name. A word longer than a
 * line is left whole. Returns the column it ended at.
 */
static size_t put_wrapped(term *t, const char *s, size_t col, size_t width)
{
	while (*s && t->rc == 0) {
		size_t sp = strspn(s, " "), n = strcspn(s + sp, " ");
		size_t w = text_width_n(s + sp, n);

		if (width && col > sizeof(INDENT) - 1 && col + sp + w > width) {
			put(t, "\n" INDENT);
			col = sizeof(INDENT) - 1;
		} else {
			pad(t, sp);
			col += sp;
		}
		put_text_n(t, s + sp, n);
		col += w;
		s += sp + n;
	}
	return col;
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

/* The explanation under the workload's line: a summary, or all of it with
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
static void baseline_summary(term *t, const lg_run_result *run, size_t width)
{
	lg_buf text = LG_BUF_INIT;
	int rc = lg_view_run_baseline(&text, run);

	if (rc < 0 && t->rc == 0)
		t->rc = rc;
	if (rc > 0) {
		put_wrapped(t, text.ptr, 0, width);
		put(t, "\n");
	}
	lg_buf_dispose(&text);
}

/* "ERROR    603 workloads not started: leakgate was interrupted (SIGINT)",
 * in place of a line for each. */
static void unstarted_summary(term *t, const lg_run_result *run,
			      const lg_report_options *opts)
{
	const verdict_style *s = style(LG_VERDICT_ERROR);
	const lg_workload_result *first = NULL;
	char what[64];
	size_t n = 0;

	for (size_t i = 0; i < run->count; i++)
		if (lg_view_not_started(&run->items[i])) {
			first = first ? first : &run->items[i];
			n++;
		}
	if (!n)
		return;
	putf(t, "%s%s%s", opts->color ? s->color : "", s->word,
	     opts->color ? ANSI_RESET : "");
	pad(t, WORD_WIDTH + 1 - strlen(s->word));
	snprintf(what, sizeof(what), "%zu %s ", n, n == 1 ? "workload" : "workloads");
	put(t, what);
	put_wrapped(t, first->detail ? first->detail : "not started",
		    sizeof(INDENT) - 1 + strlen(what), opts->width);
	put(t, "\n");
}

/* One workload: the verdict, the name (on a line of its own when longer
 * than the column), the message wrapped to the width, the time. */
static void result_line(term *t, const lg_workload_result *r, size_t column,
			const lg_report_options *opts)
{
	const verdict_style *s = style(r->verdict);
	const char *name = lg_view_name(r);
	size_t w = text_width(name), col;
	char secs[32];

	putf(t, "%s%s%s", opts->color ? s->color : "", s->word,
	     opts->color ? ANSI_RESET : "");
	pad(t, WORD_WIDTH + 1 - strlen(s->word));
	put_text(t, name);
	if (w <= column) {
		pad(t, column - w + 2);
		col = sizeof(INDENT) - 1 + column + 2;
	} else {
		put(t, "\n" INDENT);
		col = sizeof(INDENT) - 1;
	}
	col = put_wrapped(t, r->message ? r->message : lg_verdict_name(r->verdict),
			  col, opts->width);
	snprintf(secs, sizeof(secs), "%.2f s", r->seconds);
	if (opts->width && col + 3 + strlen(secs) > opts->width)
		put(t, "\n" INDENT);
	else
		put(t, "   ");
	put(t, secs);
	put(t, "\n");
}

int lg_report_terminal(lg_buf *out, const lg_run_result *run,
		       const lg_report_options *opts)
{
	static const lg_report_options defaults = LG_REPORT_OPTIONS_INIT;
	term t = { out, 0 };
	size_t column = 0;

	if (!out || !run || (run->count && !run->items)) {
		lg_error_set("terminal report: no output or no results");
		return LG_EINVALID;
	}
	if (!opts)
		opts = &defaults;
	for (size_t i = 0; i < run->count; i++) {
		size_t w = text_width(lg_view_name(&run->items[i]));

		if (w > column && !lg_view_not_started(&run->items[i]))
			column = w;
	}
	if (column > NAME_COLUMN_MAX)
		column = NAME_COLUMN_MAX;
	/* A narrow terminal: leave the message most of the line. */
	if (opts->width && column > opts->width / 3)
		column = opts->width / 3;
	for (size_t i = 0; i < run->count && t.rc == 0; i++) {
		const lg_workload_result *r = &run->items[i];

		if (lg_view_not_started(r))
			continue;
		result_line(&t, r, column, opts);
		if (opts->verbose)
			details(&t, r);
		explanation(&t, r, opts->verbose);
	}
	unstarted_summary(&t, run, opts);
	if (t.rc == 0) {
		/* The totals wrap too: written alone, then put in place. */
		lg_buf line = LG_BUF_INIT;
		term sum = { &line, 0 };

		totals(&sum, run);
		if ((t.rc = sum.rc) == 0) {
			line.ptr[--line.len] = '\0'; /* its newline */
			put_wrapped(&t, line.ptr, 0, opts->width);
			put(&t, "\n");
		}
		lg_buf_dispose(&line);
	}
	baseline_summary(&t, run, opts->width);
	return t.rc;
}

int lg_report_progress(lg_buf *out, size_t done, size_t total,
		       const char *running, double seconds, size_t width)
{
	term t = { out, 0 };
	char head[64], tail[32];
	size_t room;

	snprintf(head, sizeof(head), "[%zu/%zu]%s", done, total,
		 running ? " running " : "");
	snprintf(tail, sizeof(tail), " (%.1f s)", seconds);
	put(&t, LG_PROGRESS_CLEAR);
	put(&t, head);
	if (running) {
		/* A line that wraps cannot be cleared by the next one: keep the
		 * name's end (the test and its parameters) and cut its start.
		 * One column spare, for terminals that wrap at the last. */
		room = width > strlen(head) + strlen(tail) + 1
		       ? width - strlen(head) - strlen(tail) - 1 : 0;
		if (width && text_width(running) > room) {
			size_t skip = text_width(running) - room + 1;

			put(&t, "\xe2\x80\xa6"); /* … */
			for (; *running && (skip || ((unsigned char)*running & 0xc0) == 0x80);
			     running++)
				skip -= ((unsigned char)*running & 0xc0) != 0x80;
		}
		put_text(&t, running);
	}
	put(&t, tail);
	return t.rc;
}

/*
 * Terminal sink: one aligned line per workload and a totals line, read from
 * the results model; the progress line shown while workloads run.
 */
#include "leakgate/report.h"

#include <stdint.h>
#include <string.h>

#include "leakgate/baseline.h"
#include "leakgate/error.h"
#include "leakgate/explain.h"
#include "leakgate/format.h"
#include "leakgate/metric.h"

#define NUMBER_SIZE 48
#define WORD_WIDTH 8       /* the verdict column */
#define INDENT "         " /* under the label: WORD_WIDTH + 1 */

#define ANSI_RESET "\033[0m"

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
};

static const verdict_style *style(lg_verdict v)
{
	static const verdict_style unknown = { "?", "" };

	return (size_t)v < sizeof(styles) / sizeof(*styles) ? &styles[v] : &unknown;
}

/* Text from workloads, kept on one line and free of terminal escapes:
 * control characters are shown as '?'. */
static void put_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
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

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

/* "<module>:<function>" when the agent said, else the workload's name. */
static void label(char *out, size_t size, const lg_workload_result *r)
{
	if (r->module && r->function)
		snprintf(out, size, "%s:%s", r->module, r->function);
	else
		snprintf(out, size, "%s", r->workload.name ? r->workload.name
			 : r->workload.target ? r->workload.target : "?");
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
static void fit_line(FILE *out, lg_metric m, const lg_fit *f)
{
	static const lg_fit_options defaults = LG_FIT_OPTIONS_INIT;
	const lg_metric_info *info = lg_metric_get(m);
	char rate[LG_FORMAT_RATE_SIZE], tail[NUMBER_SIZE];

	fprintf(out, INDENT "%-*s  ", (int)metric_name_width(), info->name);
	if (!f->enough) {
		fprintf(out, "too few samples to fit (%zu after %zu warm-up)\n",
			f->used, f->warmup);
		return;
	}
	/* The model does not record the level: lg_judge uses the default. */
	lg_format_rate(rate, sizeof(rate), f->slope, f->ci_low, f->ci_high, info,
		       defaults.confidence, 0);
	lg_format_number(tail, sizeof(tail), f->tail_slope);
	fprintf(out, "%s, tail %s %s/call, %zu samples after %zu warm-up%s%s\n",
		rate, tail, info->unit, f->used, f->warmup,
		f->leaks ? "; leaks" : "",
		f->plateau ? "; grew then plateaued" : "");
}

static void details(FILE *out, const lg_workload_result *r)
{
	char path[4096];

	if (r->file && *r->file) {
		fputs(INDENT "at ", out);
		put_text(out, lg_format_path(path, sizeof(path), r->file));
		if (r->line > 0)
			fprintf(out, ":%d", r->line);
		fputc('\n', out);
	}
	for (int m = 0; m < LG_METRIC_COUNT; m++)
		if ((r->fitted >> m) & 1u)
			fit_line(out, (lg_metric)m, &r->fits[m]);
	if (r->outcome != LG_OUTCOME_COMPLETED) {
		fputs(INDENT "stopped: ", out);
		put_text(out, r->detail ? r->detail : lg_outcome_name(r->outcome));
		fputc('\n', out);
	}
}

/* The diagnosis under the workload's line: a summary, or all of it with
 * -v. Each line goes through put_text: it quotes the workload's code. */
static int explanation(FILE *out, const lg_workload_result *r, int verbose)
{
	lg_buf text = LG_BUF_INIT;
	int rc;

	if (!r->explanation)
		return 0;
	rc = lg_explain_render(&text, r->explanation, "", verbose);
	for (const char *p = lg_buf_cstr(&text); rc == 0 && *p;) {
		size_t n = strcspn(p, "\n");
		char line[4096]; /* the longest: a retainer chain, 2 KiB */

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		fputs(INDENT, out);
		put_text(out, line);
		fputc('\n', out);
		p += n + (p[n] == '\n');
	}
	lg_buf_dispose(&text);
	return rc;
}

static void count(FILE *out, size_t n, const char *one, const char *many)
{
	fprintf(out, "%zu %s", n, n == 1 ? one : many);
}

/* "baseline: file at 1a2b3c4: 1 regression, 2 same, 1 none", or why there
 * was none; nothing when the run was not compared with a baseline. */
static void baseline_summary(FILE *out, const lg_run_result *run)
{
	static const char *const names[][2] = {
		[LG_BASELINE_NONE] = { "without baseline", "without baseline" },
		[LG_BASELINE_SAME] = { "same", "same" },
		[LG_BASELINE_REGRESSION] = { "regression", "regressions" },
		[LG_BASELINE_IMPROVEMENT] = { "improvement", "improvements" },
		[LG_BASELINE_INCOMPARABLE] = { "incomparable", "incomparable" },
	};
	size_t by[LG_BASELINE_INCOMPARABLE + 1] = { 0 };
	const lg_baseline_cmp *found = NULL, *any = NULL;
	const char *sep = "";

	for (size_t i = 0; i < run->count; i++) {
		const lg_baseline_cmp *cmp = run->items[i].baseline;

		if (!cmp)
			continue;
		any = any ? any : cmp;
		if (cmp->store && !found)
			found = cmp;
		if ((size_t)cmp->status < sizeof(by) / sizeof(*by))
			by[cmp->status]++;
	}
	if (!any)
		return;
	if (!found) {
		fputs("baseline: none", out);
		if (any->reason) {
			fputs(" (", out);
			put_text(out, any->reason);
			fputc(')', out);
		}
		fputs(": every workload judged by the absolute rule\n", out);
		return;
	}
	fputs("baseline: ", out);
	put_text(out, found->store);
	fputs(" at ", out);
	put_text(out, found->rev ? found->rev : "?");
	fputs(": ", out);
	for (size_t s = 0; s < sizeof(by) / sizeof(*by); s++) {
		if (!by[s])
			continue;
		fputs(sep, out);
		count(out, by[s], names[s][0], names[s][1]);
		sep = ", ";
	}
	fputc('\n', out);
}

static void totals(FILE *out, const lg_run_result *run)
{
	size_t by[LG_VERDICT_SKIPPED + 1] = { 0 };

	for (size_t i = 0; i < run->count; i++)
		if ((size_t)run->items[i].verdict < sizeof(by) / sizeof(*by))
			by[run->items[i].verdict]++;
	count(out, run->count, "workload", "workloads");
	fputs(": ", out);
	/* Only runs against a baseline can regress. */
	if (by[LG_VERDICT_REGRESSION]) {
		count(out, by[LG_VERDICT_REGRESSION], "regression", "regressions");
		fputs(", ", out);
	}
	count(out, by[LG_VERDICT_LEAK], "leak", "leaks");
	fputs(", ", out);
	count(out, by[LG_VERDICT_CLEAN], "clean", "clean");
	fputs(", ", out);
	count(out, by[LG_VERDICT_ERROR], "error", "errors");
	fputs(", ", out);
	count(out, by[LG_VERDICT_EXPECTED_LEAK], "known leak", "known leaks");
	fputs(", ", out);
	count(out, by[LG_VERDICT_LEAK_FIXED], "fixed", "fixed");
	/* Only test suites skip. */
	if (by[LG_VERDICT_SKIPPED]) {
		fputs(", ", out);
		count(out, by[LG_VERDICT_SKIPPED], "skipped", "skipped");
	}
	fprintf(out, " in %.1f s\n", run->seconds);
}

int lg_report_terminal(FILE *out, const lg_run_result *run,
		       const lg_report_options *opts)
{
	static const lg_report_options defaults = LG_REPORT_OPTIONS_INIT;
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
	for (size_t i = 0; i < run->count; i++) {
		const lg_workload_result *r = &run->items[i];
		const verdict_style *s = style(r->verdict);

		fprintf(out, "%s%s%s", opts->color ? s->color : "", s->word,
			opts->color ? ANSI_RESET : "");
		pad(out, WORD_WIDTH + 1 - strlen(s->word));
		label(name, sizeof(name), r);
		put_text(out, name);
		pad(out, width - text_width(name) + 2);
		put_text(out, r->message ? r->message : lg_verdict_name(r->verdict));
		fprintf(out, "   %.2f s\n", r->seconds);
		if (opts->verbose)
			details(out, r);
		if (explanation(out, r, opts->verbose) < 0)
			return LG_ENOMEM;
	}
	totals(out, run);
	baseline_summary(out, run);
	if (fflush(out) != 0 || ferror(out))
		return lg_error_set_os("cannot write the report");
	return 0;
}

void lg_progress_show(FILE *tty, size_t done, size_t total,
		      const char *running, double seconds)
{
	fprintf(tty, "\r\033[K[%zu/%zu]", done, total);
	if (running) {
		fputs(" running ", tty);
		put_text(tty, running);
	}
	fprintf(tty, " (%.1f s)", seconds);
	fflush(tty);
}

void lg_progress_clear(FILE *tty)
{
	fputs("\r\033[K", tty);
	fflush(tty);
}

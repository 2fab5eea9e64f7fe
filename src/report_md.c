/*
 * Markdown sink: a GitHub step summary or a GitLab merge-request comment.
 * Everything taken from a workload (names, messages, tracebacks) goes
 * through md_text or a fence longer than any run of backticks in it.
 */
#include "leakgate/report_md.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/format.h"
#include "leakgate/metric.h"
#include "leakgate/report_view.h"
#include "leakgate/verdict.h"

#define CELL_LIMIT 300          /* bytes of workload text in a table cell */
#define MESSAGE_LIMIT 2000      /* bytes of a message in a section */
#define BLOCK_LIMIT 8192        /* bytes of a traceback or an explanation */
#define RESERVE 512             /* room kept for the closing notes */
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */

typedef struct {
	const char *icon;
	const char *word;
} look;

static look look_of(const lg_workload_result *r)
{
	switch (r->verdict) {
	case LG_VERDICT_CLEAN: return (look){ "\xe2\x9c\x85", "clean" };
	case LG_VERDICT_LEAK: return (look){ "\xe2\x9d\x8c", "leak" };
	case LG_VERDICT_ERROR: return (look){ "\xf0\x9f\x92\xa5", "error" };
	case LG_VERDICT_EXPECTED_LEAK:
		return (look){ "\xf0\x9f\x9f\xa1", "known leak" };
	case LG_VERDICT_LEAK_FIXED:
		return (look){ "\xe2\x9a\xa0\xef\xb8\x8f", "no longer leaks" };
	case LG_VERDICT_REGRESSION:
		return (look){ "\xf0\x9f\x93\x88", "regression" };
	case LG_VERDICT_SKIPPED:
		return (look){ "\xe2\x8f\xad\xef\xb8\x8f", "skipped" };
	case LG_VERDICT_INCONCLUSIVE:
		return (look){ "\xe2\x9d\x94", "inconclusive" };
	}
	return (look){ "\xe2\x9d\x8c", lg_verdict_name(r->verdict) };
}

/* Bytes of s that fit in limit, cut on a character boundary. */
static size_t fit_utf8(const char *s, size_t len, size_t limit)
{
	if (len <= limit)
		return len;
	while (limit > 0 && ((unsigned char)s[limit] & 0xc0) == 0x80)
		limit--;
	return limit;
}

/*
 * Inline text: one line, no markup of its own. Table pipes and markdown
 * punctuation are backslash-escaped, HTML is written as entities, control
 * characters become spaces. At most `limit` bytes of s, then an ellipsis.
 */
static int md_text(lg_buf *out, const char *s, size_t limit)
{
	size_t len = strlen(s), n = fit_utf8(s, len, limit);
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '<': rc = lg_buf_puts(out, "&lt;"); break;
		case '>': rc = lg_buf_puts(out, "&gt;"); break;
		case '&': rc = lg_buf_puts(out, "&amp;"); break;
		case '\\': case '`': case '*': case '_': case '[': case ']':
		case '|': case '~': case '#':
			rc = lg_buf_printf(out, "\\%c", c);
			break;
		default:
			rc = c < 0x20 || c == 0x7f ? lg_buf_puts(out, " ")
						   : lg_buf_add(out, (const char *)&c, 1);
		}
	}
	if (rc == 0 && n < len)
		rc = lg_buf_puts(out, ELLIPSIS);
	return rc;
}

/* A fenced block of any text: the fence is longer than every run of
 * backticks inside, so nothing in it can close it. Long text keeps its end
 * (where a traceback says what happened). */
static int md_block(lg_buf *out, const char *info, const char *s)
{
	size_t len = strlen(s), run = 0, longest = 0, fence;
	const char *start = s;
	int rc;

	if (len > BLOCK_LIMIT) {
		start = s + len - BLOCK_LIMIT;
		while (((unsigned char)*start & 0xc0) == 0x80)
			start++;
	}
	for (const char *p = start; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	fence = longest < 3 ? 3 : longest + 1;
	for (size_t i = 0; i < fence; i++)
		if ((rc = lg_buf_puts(out, "`")) < 0)
			return rc;
	if ((rc = lg_buf_printf(out, "%s\n%s", info, start != s ? "[...]\n" : "")) < 0)
		return rc;
	for (const char *p = start; *p; p++) {
		/* Control characters other than tab and newline would garble
		 * the page. */
		char c = ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') ||
			 *p == 0x7f ? ' ' : *p;

		if ((rc = lg_buf_add(out, &c, 1)) < 0)
			return rc;
	}
	if (len && s[len - 1] != '\n' && (rc = lg_buf_puts(out, "\n")) < 0)
		return rc;
	for (size_t i = 0; i < fence; i++)
		if ((rc = lg_buf_puts(out, "`")) < 0)
			return rc;
	return lg_buf_puts(out, "\n");
}

/* Text inside a Mermaid quoted string: no quotes, no line breaks. */
static int mermaid_text(lg_buf *out, const char *s)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		char c = *s == '"' ? '\'' : (unsigned char)*s < 0x20 ? ' ' : *s;

		rc = lg_buf_add(out, &c, 1);
	}
	return rc;
}

/* The value at calls x, linear between the two samples around it. */
static double interpolate(const lg_view_chart *c, double x)
{
	size_t i = 1;

	while (i + 1 < c->count && c->calls[i] < x)
		i++;
	if (c->calls[i] == c->calls[i - 1])
		return c->values[i];
	return c->values[i - 1] + (c->values[i] - c->values[i - 1]) *
	       (x - c->calls[i - 1]) / (c->calls[i] - c->calls[i - 1]);
}

static int is_bytes(lg_metric m)
{
	return strcmp(lg_metric_get(m)->unit, "B") == 0;
}

/*
 * xychart-beta of metric m against calls: Mermaid spaces line points evenly
 * along the x range, so the samples (dense during calibration, then one
 * per batch) are interpolated at evenly spaced call counts; the second line
 * is the fitted growth.
 */
static int chart(lg_buf *out, const lg_workload_result *r, lg_metric m,
		 size_t points)
{
	lg_view_chart c;
	double x0, x1, scale, low = INFINITY, high = -INFINITY;
	const char *unit;
	int decimals, rc;

	rc = lg_view_chart_build(&c, r, m, SIZE_MAX);
	if (rc == LG_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	x0 = c.calls[0];
	x1 = c.count ? c.calls[c.count - 1] : x0;
	if (c.count < 2 || x1 <= x0) {
		lg_view_chart_dispose(&c);
		return 0;
	}
	scale = is_bytes(m) ? 1024 : 1;
	unit = is_bytes(m) ? " (KiB)" : "";
	for (size_t i = 0; i < c.count; i++) {
		low = fmin(low, c.values[i] / scale);
		high = fmax(high, c.values[i] / scale);
	}
	/* Enough decimals to see the growth, whatever its size. */
	decimals = high - low >= 100 ? 0 : high - low >= 10 ? 1 : 2;
	if (!is_bytes(m) && decimals > 0 && high - low >= 1)
		decimals = 0;

	rc = lg_buf_puts(out, "```mermaid\nxychart-beta\n    title \"");
	if (rc == 0)
		rc = mermaid_text(out, lg_view_name(r));
	if (rc == 0)
		rc = lg_buf_printf(out, ": %s against calls\"\n    x-axis \"calls\" "
				   "%.0f --> %.0f\n    y-axis \"%s%s\"\n    line [",
				   lg_metric_get(m)->name, x0, x1,
				   lg_metric_get(m)->name, unit);
	for (size_t i = 0; i < points && rc == 0; i++) {
		double x = x0 + (x1 - x0) * (double)i / (double)(points - 1);

		rc = lg_buf_printf(out, "%s%.*f", i ? ", " : "", decimals,
				   interpolate(&c, x) / scale);
	}
	if (rc == 0)
		rc = lg_buf_puts(out, "]\n");
	if (rc == 0 && c.has_line) {
		rc = lg_buf_puts(out, "    line [");
		for (size_t i = 0; i < points && rc == 0; i++) {
			double x = x0 + (x1 - x0) * (double)i / (double)(points - 1);

			rc = lg_buf_printf(out, "%s%.*f", i ? ", " : "", decimals,
					   (c.slope * x + c.intercept) / scale);
		}
		if (rc == 0)
			rc = lg_buf_puts(out, "]\n");
	}
	if (rc == 0)
		rc = lg_buf_printf(out, "```\n\n_%s%s at %zu evenly spaced call "
				   "counts%s._\n", lg_metric_get(m)->name, unit,
				   points, c.has_line
				   ? "; the straight line is the fitted growth" : "");
	lg_view_chart_dispose(&c);
	return rc;
}

/* "312 B/call (95% CI 305–320)", prefixed by the metric unless heap. */
static int growth(lg_buf *out, const lg_workload_result *r)
{
	lg_metric m = lg_view_metric(r);
	int rc = 0;

	if (m == LG_METRIC_COUNT)
		return lg_buf_puts(out, "\xe2\x80\x93");
	if (m != LG_METRIC_HEAP_BYTES)
		rc = lg_buf_printf(out, "%s: ", lg_metric_get(m)->name);
	return rc < 0 ? rc : lg_view_rate(out, r, m);
}

static int row(lg_buf *out, const lg_workload_result *r, int with_baseline)
{
	look l = look_of(r);
	lg_buf cell = LG_BUF_INIT;
	char calls[LG_FORMAT_NUMBER_SIZE], seconds[LG_FORMAT_NUMBER_SIZE];
	int rc;

	lg_format_count(calls, sizeof(calls), lg_view_calls(r));
	lg_format_number(seconds, sizeof(seconds), r->seconds);
	if ((rc = lg_buf_printf(out, "| %s | ", l.icon)) < 0 ||
	    (rc = md_text(out, lg_view_name(r), CELL_LIMIT)) < 0 ||
	    (rc = lg_buf_printf(out, " | %s | ", l.word)) < 0 ||
	    (rc = growth(&cell, r)) < 0 ||
	    (rc = md_text(out, cell.ptr, CELL_LIMIT)) < 0)
		goto out;
	if (with_baseline) {
		lg_buf_clear(&cell);
		if ((rc = lg_buf_puts(out, " | ")) < 0 ||
		    (rc = lg_view_baseline(&cell, r)) < 0 ||
		    (rc = md_text(out, rc > 0 ? cell.ptr : "\xe2\x80\x93",
				  CELL_LIMIT)) < 0)
			goto out;
	}
	rc = lg_buf_printf(out, " | %s | %s s |\n", calls, seconds);
out:
	lg_buf_dispose(&cell);
	return rc;
}

static int section(lg_buf *out, const lg_workload_result *r, size_t points)
{
	look l = look_of(r);
	lg_buf text = LG_BUF_INIT;
	const char *file;
	char path[4096];
	int line, rc;

	if ((rc = lg_buf_printf(out, "\n### %s ", l.icon)) < 0 ||
	    (rc = md_text(out, lg_view_name(r), CELL_LIMIT)) < 0 ||
	    (rc = lg_buf_printf(out, ": %s\n\n", l.word)) < 0 ||
	    (rc = md_text(out, r->message ? r->message : l.word, MESSAGE_LIMIT)) < 0 ||
	    (rc = lg_buf_puts(out, "\n")) < 0)
		goto out;
	lg_view_site(r, &file, &line);
	if (file) {
		lg_format_path(path, sizeof(path), file);
		if ((rc = lg_buf_puts(out, "\nat ")) < 0 ||
		    (rc = md_text(out, path, CELL_LIMIT)) < 0 ||
		    (line > 0 && (rc = lg_buf_printf(out, ":%d", line)) < 0) ||
		    (rc = lg_buf_puts(out, "\n")) < 0)
			goto out;
	}
	if (r->verdict != LG_VERDICT_ERROR && lg_view_metric(r) != LG_METRIC_COUNT) {
		if ((rc = lg_buf_puts(out, "\n")) < 0 ||
		    (rc = chart(out, r, lg_view_metric(r), points)) < 0)
			goto out;
	}
	if ((rc = lg_view_explanation(&text, r, 1)) < 0)
		goto out;
	if (rc > 0 && ((rc = lg_buf_puts(out, "\n")) < 0 ||
		       (rc = md_block(out, "text", text.ptr)) < 0))
		goto out;
	if (r->traceback && *r->traceback &&
	    ((rc = lg_buf_puts(out, "\n<details><summary>Traceback</summary>\n\n")) < 0 ||
	     (rc = md_block(out, "", r->traceback)) < 0 ||
	     (rc = lg_buf_puts(out, "\n</details>\n")) < 0))
		goto out;
	rc = 0;
out:
	lg_buf_dispose(&text);
	return rc;
}

/* "1 leak, 2 clean, 1 error": the categories that occur. */
static int totals(lg_buf *out, const lg_run_result *run)
{
	static const struct {
		lg_verdict verdict;
		const char *one, *many;
	} kinds[] = {
		{ LG_VERDICT_LEAK, "leak", "leaks" },
		{ LG_VERDICT_REGRESSION, "regression", "regressions" },
		{ LG_VERDICT_ERROR, "error", "errors" },
		{ LG_VERDICT_LEAK_FIXED, "fixed", "fixed" },
		{ LG_VERDICT_EXPECTED_LEAK, "known leak", "known leaks" },
		{ LG_VERDICT_INCONCLUSIVE, "inconclusive", "inconclusive" },
		{ LG_VERDICT_CLEAN, "clean", "clean" },
		{ LG_VERDICT_SKIPPED, "skipped", "skipped" },
	};
	int rc = 0, first = 1;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds) && rc == 0; k++) {
		size_t n = 0;

		for (size_t i = 0; i < run->count; i++)
			n += run->items[i].verdict == kinds[k].verdict;
		if (n == 0)
			continue;
		rc = lg_buf_printf(out, "%s%zu %s", first ? "" : ", ", n,
				   n == 1 ? kinds[k].one : kinds[k].many);
		first = 0;
	}
	return rc;
}

/* Failing first, then what asks for attention, then the rest. */
static size_t order(size_t *out, const lg_run_result *run)
{
	static const lg_view_severity ranks[] = {
		LG_VIEW_FAIL, LG_VIEW_WARN, LG_VIEW_NOTE, LG_VIEW_PASS
	};
	size_t n = 0;

	for (size_t k = 0; k < sizeof(ranks) / sizeof(*ranks); k++)
		for (size_t i = 0; i < run->count; i++)
			if (lg_view_severity_of(&run->items[i]) == ranks[k])
				out[n++] = i;
	return n;
}

int lg_report_markdown(lg_buf *out, const lg_run_result *run,
		       const lg_markdown_options *opts)
{
	static const lg_markdown_options defaults = LG_MARKDOWN_OPTIONS_INIT;
	lg_buf part = LG_BUF_INIT;
	size_t *sorted = NULL, base, limit, points, rows = 0, sections = 0;
	size_t failing = 0;
	lg_run_status status;
	int with_baseline, rc;
	char seconds[LG_FORMAT_NUMBER_SIZE];

	if (!out || !run || (run->count && !run->items)) {
		lg_error_set("markdown report: no output or no results");
		return LG_EINVALID;
	}
	if (!opts)
		opts = &defaults;
	limit = opts->limit ? opts->limit : LG_MARKDOWN_LIMIT;
	points = opts->chart_points >= 2 ? opts->chart_points : LG_MARKDOWN_CHART_POINTS;
	base = out->len;
	if (run->count && !(sorted = malloc(run->count * sizeof(*sorted))))
		return lg_error_oom();
	order(sorted, run);
	status = lg_run_status_of(run);
	with_baseline = lg_view_run_has_baseline(run);
	lg_format_number(seconds, sizeof(seconds), run->seconds);

	rc = lg_buf_printf(out, "## %s ", status == LG_RUN_PASSED ? "\xe2\x9c\x85"
			   : status == LG_RUN_FAILED ? "\xe2\x9d\x8c" : "\xf0\x9f\x92\xa5");
	if (rc == 0)
		rc = md_text(out, opts->title ? opts->title : "leakgate", CELL_LIMIT);
	if (rc == 0)
		rc = lg_buf_printf(out, ": %zu workload%s", run->count,
				   run->count == 1 ? "" : "s");
	if (rc == 0 && run->count) {
		rc = lg_buf_puts(out, " \xe2\x80\x94 ");
		if (rc == 0)
			rc = totals(out, run);
	}
	if (rc == 0)
		rc = lg_buf_printf(out, " (%s s)\n\n", seconds);
	if (rc == 0 && run->count)
		rc = lg_buf_printf(out, "| | workload | verdict | growth per call |%s "
				   "calls | time |\n| :-: | --- | --- | --- |%s ---: | ---: |\n",
				   with_baseline ? " baseline |" : "",
				   with_baseline ? " --- |" : "");

	/* The table may take half the room; the failing sections the rest. */
	for (size_t k = 0; k < run->count && rc == 0; k++) {
		lg_buf_clear(&part);
		if ((rc = row(&part, &run->items[sorted[k]], with_baseline)) < 0)
			break;
		if (out->len - base + part.len > limit / 2) {
			rows = run->count - k;
			break;
		}
		rc = lg_buf_add(out, part.ptr, part.len);
	}
	if (rc == 0 && rows)
		rc = lg_buf_printf(out, "\n_%zu more workload%s not listed: see the "
				   "JUnit report._\n", rows, rows == 1 ? "" : "s");

	for (size_t k = 0; k < run->count && rc == 0; k++) {
		const lg_workload_result *r = &run->items[sorted[k]];

		if (lg_view_severity_of(r) != LG_VIEW_FAIL)
			break; /* sorted: the failing ones come first */
		failing++;
		lg_buf_clear(&part);
		if ((rc = section(&part, r, points)) < 0)
			break;
		if (out->len - base + part.len + RESERVE > limit) {
			sections++;
			continue;
		}
		rc = lg_buf_add(out, part.ptr, part.len);
	}
	if (rc == 0 && sections)
		rc = lg_buf_printf(out, "\n_%zu of %zu failing workload%s not "
				   "shown: the summary is limited to %zu KiB; see "
				   "the JUnit report._\n", sections, failing,
				   failing == 1 ? "" : "s", limit / 1024);
	lg_buf_dispose(&part);
	free(sorted);
	return rc;
}

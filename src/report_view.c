/*
 * The workload as the renderers see it. The explain pass
 * (explanation.h) and the baseline comparison (baseline_cmp.h) come in
 * here, in lg_view_site, lg_view_explanation, lg_view_baseline and
 * lg_view_run_baseline: the renderers never read those fields directly.
 */
#include "leakgate/report_view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/baseline_cmp.h"
#include "leakgate/error.h"
#include "leakgate/explain_text.h"
#include "leakgate/fit.h"
#include "leakgate/format.h"
#include "leakgate/series.h"

#define EN_DASH "\xe2\x80\x93"

lg_view_severity lg_view_severity_of(const lg_workload_result *r)
{
	switch (r->verdict) {
	case LG_VERDICT_CLEAN:
	case LG_VERDICT_SKIPPED:
		return LG_VIEW_PASS;
	case LG_VERDICT_EXPECTED_LEAK:
		return LG_VIEW_NOTE;
	case LG_VERDICT_LEAK_FIXED:
		return LG_VIEW_WARN;
	case LG_VERDICT_INCONCLUSIVE:
		return r->workload.fail_inconclusive ? LG_VIEW_FAIL : LG_VIEW_WARN;
	default:
		/* leak, error, and verdicts added later (a regression) fail */
		return LG_VIEW_FAIL;
	}
}

const char *lg_view_name(const lg_workload_result *r)
{
	return r->workload.name ? r->workload.name
	       : r->workload.target ? r->workload.target : "?";
}

int lg_view_not_started(const lg_workload_result *r)
{
	return r->outcome == LG_OUTCOME_CANCELLED && r->series.count == 0 &&
	       r->seconds == 0;
}

void lg_view_site(const lg_workload_result *r, const char **file, int *line)
{
	const lg_explanation *e = r->explanation;

	/* An error at the line that raised, not at the function's def. */
	if (r->verdict == LG_VERDICT_ERROR && r->raised_file && *r->raised_file) {
		*file = r->raised_file;
		*line = r->raised_line;
		return;
	}
	if (e && e->site_file && *e->site_file) {
		*file = e->site_file;
		*line = e->site_line > 0 ? e->site_line : 0;
		return;
	}
	*file = r->file && *r->file ? r->file : NULL;
	*line = *file && r->line > 0 ? r->line : 0;
}

static int is_fitted(const lg_workload_result *r, lg_metric m)
{
	return m < LG_METRIC_COUNT && ((r->fitted >> m) & 1u);
}

lg_metric lg_view_metric(const lg_workload_result *r)
{
	if (lg_view_severity_of(r) != LG_VIEW_PASS && is_fitted(r, r->culprit) &&
	    r->fits[r->culprit].leaks)
		return r->culprit;
	if (is_fitted(r, LG_METRIC_HEAP_BYTES))
		return LG_METRIC_HEAP_BYTES;
	for (int m = 0; m < LG_METRIC_COUNT; m++)
		if (is_fitted(r, (lg_metric)m))
			return (lg_metric)m;
	return LG_METRIC_COUNT;
}

int lg_view_rate(lg_buf *out, const lg_workload_result *r, lg_metric m)
{
	static const lg_fit_options defaults = LG_FIT_OPTIONS_INIT;
	const lg_fit *f;
	char rate[LG_FORMAT_RATE_SIZE];

	if (!is_fitted(r, m) || !r->fits[m].enough)
		return lg_buf_puts(out, EN_DASH);
	f = &r->fits[m];
	/* The model does not record the level: lg_judge uses the default. */
	return lg_buf_puts(out, lg_format_rate(rate, sizeof(rate), f->slope,
					       f->ci_low, f->ci_high,
					       lg_metric_get(m),
					       defaults.confidence, 0));
}

long long lg_view_calls(const lg_workload_result *r)
{
	lg_metric m = lg_view_metric(r);

	/* The figure the message gives ("... over 385,000 calls"): the calls
	 * the shown fit spans, after the warm-up. */
	if (m != LG_METRIC_COUNT && r->fits[m].calls > 0)
		return llround(r->fits[m].calls);
	return (long long)lg_series_calls(&r->series);
}

int lg_view_explanation(lg_buf *out, const lg_workload_result *r, int full)
{
	size_t before = out->len;
	int rc;

	if (!r->explanation)
		return 0;
	/* An explanation read back from a JUnit file keeps no tables and no
	 * duration: its summary is all there is to show. */
	if (r->explanation->seconds <= 0)
		full = 0;
	rc = lg_explain_render(out, r->explanation, "", full);
	if (rc < 0)
		return rc;
	while (out->len > before && out->ptr[out->len - 1] == '\n')
		out->ptr[--out->len] = '\0';
	return out->len > before;
}

int lg_view_baseline(lg_buf *out, const lg_workload_result *r)
{
	static const lg_fit_options defaults = LG_FIT_OPTIONS_INIT;
	const lg_baseline_cmp *cmp = r->baseline;
	const lg_baseline_metric *b;
	lg_metric m = lg_view_metric(r);
	char rate[LG_FORMAT_RATE_SIZE];
	int rc;

	if (!cmp || cmp->status == LG_BASELINE_NONE)
		return 0;
	if (m == LG_METRIC_COUNT || !cmp->entry.metrics[m].present)
		m = LG_METRIC_HEAP_BYTES;
	b = &cmp->entry.metrics[m];
	if (!b->present)
		return 0;
	rc = lg_buf_puts(out, lg_format_rate(rate, sizeof(rate), b->slope,
					     b->ci_low, b->ci_high, lg_metric_get(m),
					     defaults.confidence,
					     m == LG_METRIC_HEAP_BYTES ? 0
					     : LG_FORMAT_RATE_NAME));
	if (rc == 0 && cmp->rev)
		rc = lg_buf_printf(out, " at %s", cmp->rev);
	if (rc == 0 && cmp->status == LG_BASELINE_INCOMPARABLE)
		rc = lg_buf_puts(out, " (not comparable)");
	else if (rc == 0 && cmp->status == LG_BASELINE_IMPROVEMENT)
		rc = lg_buf_puts(out, " (improved)");
	return rc < 0 ? rc : 1;
}

int lg_view_run_baseline(lg_buf *out, const lg_run_result *run)
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
	int rc;

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
		return 0;
	if (!found)
		rc = lg_buf_printf(out, "baseline: none%s%s%s: every workload "
				   "judged by the absolute rule",
				   any->reason ? " (" : "",
				   any->reason ? any->reason : "",
				   any->reason ? ")" : "");
	else
		rc = lg_buf_printf(out, "baseline: %s at %s: ", found->store,
				   found->rev ? found->rev : "?");
	for (size_t s = 0; found && s < sizeof(by) / sizeof(*by) && rc == 0; s++) {
		if (!by[s])
			continue;
		rc = lg_buf_printf(out, "%s%zu %s", sep, by[s],
				   names[s][by[s] == 1 ? 0 : 1]);
		sep = ", ";
	}
	return rc < 0 ? rc : 1;
}

int lg_view_run_has_baseline(const lg_run_result *run)
{
	lg_buf probe = LG_BUF_INIT;
	int found = 0;

	for (size_t i = 0; i < run->count && !found; i++)
		found = lg_view_baseline(&probe, &run->items[i]) > 0;
	lg_buf_dispose(&probe);
	return found;
}

int lg_view_chart_build(lg_view_chart *out, const lg_workload_result *r,
			lg_metric m, size_t max_points)
{
	const lg_series *s = &r->series;
	const lg_fit *f = &r->fits[m];
	lg_view_chart c = LG_VIEW_CHART_INIT;
	double *residuals;
	size_t n;

	*out = c;
	if (m >= LG_METRIC_COUNT || !lg_series_has(s, m) || s->count == 0 ||
	    max_points == 0)
		return LG_ENOTFOUND;
	n = s->count < max_points ? s->count : max_points;
	c.metric = m;
	c.calls = malloc(n * sizeof(*c.calls));
	c.values = malloc(n * sizeof(*c.values));
	if (!c.calls || !c.values)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const lg_sample *p = &s->samples[lg_series_pick(i, n, s->count)];

		c.calls[i] = (double)p->calls;
		c.values[i] = (double)p->value[m];
	}
	c.count = n;
	if (is_fitted(r, m) && f->enough && f->warmup + f->used > 0) {
		/* The same share of points as the fit cut, on the picked ones
		 * (exact when nothing was dropped). */
		c.window = (size_t)llround((double)n * (double)f->warmup /
					   (double)(f->warmup + f->used));
		if (c.window >= n)
			c.window = n - 1;
		residuals = malloc((n - c.window) * sizeof(*residuals));
		if (!residuals)
			goto oom;
		for (size_t i = c.window; i < n; i++)
			residuals[i - c.window] = c.values[i] - f->slope * c.calls[i];
		c.slope = f->slope;
		c.intercept = lg_fit_median(residuals, n - c.window);
		c.has_line = 1;
		free(residuals);
	}
	*out = c;
	return 0;
oom:
	lg_view_chart_dispose(&c);
	return lg_error_oom();
}

void lg_view_chart_dispose(lg_view_chart *c)
{
	if (!c)
		return;
	free(c->calls);
	free(c->values);
	c->calls = c->values = NULL;
	c->count = 0;
}

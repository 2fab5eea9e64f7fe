#include "ci.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/file.h"
#include "leakgate/report_github.h"
#include "leakgate/report_md.h"
#include "leakgate/report_svg.h"

static int env_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v && strcmp(v, value) == 0;
}

int lg_ci_in_github(void)
{
	return env_is("GITHUB_ACTIONS", "true");
}

int lg_ci_github_annotations(FILE *out, const lg_run_result *run)
{
	lg_github_options opts = LG_GITHUB_OPTIONS_INIT;
	lg_buf text = LG_BUF_INIT;
	int rc;

	if (!lg_ci_in_github())
		return 0;
	opts.root = getenv("GITHUB_WORKSPACE");
	rc = lg_report_github(&text, run, &opts);
	if (rc == 0 && text.len)
		rc = lg_file_put(out, text.ptr, text.len, "the GitHub annotations");
	lg_buf_dispose(&text);
	return rc;
}

int lg_ci_github_summary(const lg_run_result *run, const char *title)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	lg_markdown_options opts = LG_MARKDOWN_OPTIONS_INIT;
	lg_buf md = LG_BUF_INIT;
	int rc;

	if (!lg_ci_in_github() || !path || !*path)
		return 0;
	opts.title = title;
	rc = lg_report_markdown(&md, run, &opts);
	/* Shared with the job's other steps: appended, never replaced. */
	if (rc == 0)
		rc = lg_file_append(path, lg_buf_cstr(&md), md.len);
	lg_buf_dispose(&md);
	return rc;
}

int lg_ci_charts_dir(lg_buf *out, const char *dir, const char *junit)
{
	const char *slash;

	lg_buf_clear(out);
	if (dir && *dir)
		return lg_buf_puts(out, dir) < 0 ? LG_ENOMEM : 1;
	if (!env_is("GITLAB_CI", "true") || !junit || !*junit)
		return 0;
	slash = strrchr(junit, '/');
	if (slash && lg_buf_add(out, junit, (size_t)(slash - junit + 1)) < 0)
		return LG_ENOMEM;
	return lg_buf_puts(out, LG_CI_CHARTS_DIR) < 0 ? LG_ENOMEM : 1;
}

int lg_ci_write_charts(lg_run_result *run, const char *dir)
{
	lg_svg_chart *charts;
	size_t count;
	int rc = lg_report_svg_charts(&charts, &count, run, dir);

	if (rc < 0)
		return rc;
	if (count)
		rc = lg_file_mkdirs(dir);
	for (size_t i = 0; i < count && rc == 0; i++) {
		lg_svg_chart *c = &charts[i];
		lg_workload_result *r = &run->items[c->item];

		rc = lg_file_write_atomic(c->path, lg_buf_cstr(&c->svg), c->svg.len);
		if (rc == 0) {
			free(r->attachment);
			r->attachment = c->path;
			c->path = NULL;
		}
	}
	lg_svg_charts_free(charts, count);
	return rc < 0 ? rc : (int)count;
}

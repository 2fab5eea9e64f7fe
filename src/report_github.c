/* GitHub Actions annotations: one workflow command per failing workload. */
#include "leakgate/report_github.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/error.h"
#include "leakgate/format.h"
#include "leakgate/report_view.h"

/* GitHub shows a few KiB of an annotation; the rest is in the summary. */
#define MESSAGE_LIMIT 4000

static int escape(lg_buf *out, const char *s, int property)
{
	int rc = lg_buf_add(out, "", 0); /* never NULL, even for "" */

	for (; *s && rc == 0; s++) {
		switch (*s) {
		case '%': rc = lg_buf_puts(out, "%25"); break;
		case '\r': rc = lg_buf_puts(out, "%0D"); break;
		case '\n': rc = lg_buf_puts(out, "%0A"); break;
		case ':':
			rc = property ? lg_buf_puts(out, "%3A") : lg_buf_add(out, s, 1);
			break;
		case ',':
			rc = property ? lg_buf_puts(out, "%2C") : lg_buf_add(out, s, 1);
			break;
		default: rc = lg_buf_add(out, s, 1); break;
		}
	}
	return rc;
}

int lg_github_escape_data(lg_buf *out, const char *s)
{
	return escape(out, s, 0);
}

int lg_github_escape_property(lg_buf *out, const char *s)
{
	return escape(out, s, 1);
}

static const char *title_of(const lg_workload_result *r)
{
	switch (lg_view_severity_of(r)) {
	case LG_VIEW_WARN:
		return "no longer leaks";
	case LG_VIEW_FAIL:
		return r->verdict == LG_VERDICT_ERROR ? "could not be measured"
		       : r->verdict == LG_VERDICT_REGRESSION ? "regressed"
		       : r->verdict == LG_VERDICT_LEAK ? "leaks" : lg_verdict_name(r->verdict);
	default:
		return NULL;
	}
}

/* The message: the verdict's line, then the explanation when there is one. */
static int message(lg_buf *text, const lg_workload_result *r)
{
	lg_buf explanation = LG_BUF_INIT;
	int rc = lg_buf_puts(text, r->message ? r->message
			     : lg_verdict_name(r->verdict));

	if (rc == 0 && (rc = lg_view_explanation(&explanation, r, 0)) > 0)
		rc = lg_buf_printf(text, "\n%s", explanation.ptr);
	lg_buf_dispose(&explanation);
	if (rc >= 0 && text->len > MESSAGE_LIMIT) {
		size_t n = MESSAGE_LIMIT;

		while (n > 0 && ((unsigned char)text->ptr[n] & 0xc0) == 0x80)
			n--;
		text->len = n;
		text->ptr[n] = '\0';
		rc = lg_buf_puts(text, " [...]");
	}
	return rc < 0 ? rc : 0;
}

static int annotation(lg_buf *out, const lg_workload_result *r,
		      const char *root)
{
	const char *title = title_of(r), *file;
	char path[PATH_MAX];
	lg_buf text = LG_BUF_INIT;
	int line, rc;

	if (!title)
		return 0;
	lg_view_site(r, &file, &line);
	rc = lg_buf_puts(out, lg_view_severity_of(r) == LG_VIEW_FAIL
			 ? "::error " : "::warning ");
	if (rc == 0 && file) {
		lg_format_path_from(path, sizeof(path), file, root);
		/* Outside the repository GitHub has nothing to attach it to. */
		if (path[0] != '/' && strncmp(path, "../", 3) != 0) {
			if ((rc = lg_buf_puts(out, "file=")) == 0 &&
			    (rc = lg_github_escape_property(out, path)) == 0 &&
			    line > 0)
				rc = lg_buf_printf(out, ",line=%d", line);
			if (rc == 0)
				rc = lg_buf_puts(out, ",");
		}
	}
	if (rc == 0 && (rc = lg_buf_puts(&text, "leakgate: ")) == 0 &&
	    (rc = lg_buf_puts(&text, lg_view_name(r))) == 0 &&
	    (rc = lg_buf_printf(&text, " %s", title)) == 0 &&
	    (rc = lg_buf_puts(out, "title=")) == 0)
		rc = lg_github_escape_property(out, text.ptr);
	if (rc == 0 && (rc = lg_buf_puts(out, "::")) == 0) {
		lg_buf_clear(&text);
		if ((rc = message(&text, r)) == 0 &&
		    (rc = lg_github_escape_data(out, lg_buf_cstr(&text))) == 0)
			rc = lg_buf_puts(out, "\n");
	}
	lg_buf_dispose(&text);
	return rc;
}

int lg_report_github(lg_buf *out, const lg_run_result *run,
		     const lg_github_options *opts)
{
	char cwd[PATH_MAX];
	const char *root = opts && opts->root && *opts->root ? opts->root : NULL;
	int rc;

	if (!out || !run || (run->count && !run->items)) {
		lg_error_set("GitHub annotations: no output or no results");
		return LG_EINVALID;
	}
	if (!root)
		root = getcwd(cwd, sizeof(cwd)) ? cwd : "/";
	if ((rc = lg_buf_add(out, "", 0)) < 0)
		return rc;
	for (size_t i = 0; i < run->count; i++)
		if ((rc = annotation(out, &run->items[i], root)) < 0)
			return rc;
	return 0;
}

/* What `run` and `baseline record` share: options, workloads, the run. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/file.h"
#include "leakgate/junit.h"
#include "leakgate/proc.h"
#include "leakgate/pytest_suite.h"
#include "leakgate/report_term.h"
#include "leakgate/report_view.h"
#include "leakgate/runner.h"

#include "cli.h"
#include "run_setup.h"

/* The options that are not settings: they say how to run, not what. */
static const struct {
	char short_option;
	const char *option, *value_name, *help;
	int has_arg;
} command_options[] = {
	{ 'c', "config", "FILE", "workloads and defaults, git-config syntax", 1 },
	{ 'q', "quiet", NULL, "no report on standard output, no progress", 0 },
	{ 'v', "verbose", NULL, "every metric's fit in the report", 0 },
};

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

/* Does the command take the row's option? */
static int takes(const lg_setting *s, lg_run_cmd cmd)
{
	return s->option && (cmd == LG_RUN_CMD_RUN || !(s->flags & LG_SETTING_RUN_ONLY));
}

/* The getopt_long table of the command, and its optstring (':' first);
 * both freed with free(). */
static int run_getopt(struct option **longs_out, char **shorts_out,
		      lg_run_cmd cmd, const struct option *own,
		      const char *own_shorts)
{
	size_t own_count = 0, n = 0;
	struct option *longs;
	lg_buf shorts = LG_BUF_INIT;
	int rc = lg_buf_puts(&shorts, ":");

	*longs_out = NULL;
	*shorts_out = NULL;
	while (own[own_count].name)
		own_count++;
	longs = calloc(COUNT(command_options) + lg_settings_count + own_count + 1,
		       sizeof(*longs));
	if (!longs) {
		lg_buf_dispose(&shorts);
		return lg_error_oom();
	}
	for (size_t i = 0; i < COUNT(command_options) && rc == 0; i++) {
		longs[n++] = (struct option){ command_options[i].option,
			command_options[i].has_arg ? required_argument : no_argument,
			NULL, command_options[i].short_option };
		rc = lg_buf_printf(&shorts, "%c%s", command_options[i].short_option,
				   command_options[i].has_arg ? ":" : "");
	}
	for (size_t i = 0; i < lg_settings_count && rc == 0; i++) {
		const lg_setting *s = &lg_settings[i];

		if (!takes(s, cmd))
			continue;
		longs[n++] = (struct option){ s->option, s->value_name
			? required_argument : no_argument, NULL, s->short_option
			? s->short_option : LG_RUN_OPT_SETTING + (int)i };
		if (s->short_option)
			rc = lg_buf_printf(&shorts, "%c%s", s->short_option,
					   s->value_name ? ":" : "");
	}
	memcpy(&longs[n], own, own_count * sizeof(*own));
	if (rc == 0)
		rc = lg_buf_puts(&shorts, own_shorts);
	if (rc < 0) {
		free(longs);
		lg_buf_dispose(&shorts);
		return rc;
	}
	*longs_out = longs;
	*shorts_out = shorts.ptr;
	return 0;
}

int lg_run_parse(const lg_cli_options *spec, lg_run_cmd cmd, void *ctx,
		 int argc, char **argv)
{
	lg_cli_options all = *spec;
	struct option *longs;
	char *shorts;
	int rc;

	if ((rc = run_getopt(&longs, &shorts, cmd, spec->longs,
			     spec->shorts)) < 0) {
		lg_cli_error(spec->name, "%s", lg_error_last());
		return rc;
	}
	all.longs = longs;
	all.shorts = shorts;
	rc = lg_cli_parse(&all, ctx, argc, argv);
	free(longs);
	free(shorts);
	return rc;
}

/* "-j, --jobs N|auto" */
static void help_line(FILE *out, lg_buf *left, char short_option,
		      const char *option, const char *value_name, const char *text)
{
	lg_buf_clear(left);
	/* Best effort: without memory, --help lacks a line. */
	if (lg_buf_printf(left, "%c%c%c --%s%s%s", short_option ? '-' : ' ',
			  short_option ? short_option : ' ', short_option ? ',' : ' ',
			  option, value_name ? " " : "", value_name ? value_name : "") == 0)
		lg_cli_help_item(out, left->ptr, 25, text);
}

void lg_run_options_help(FILE *out, lg_run_cmd cmd)
{
	lg_buf text = LG_BUF_INIT, left = LG_BUF_INIT;

	help_line(out, &left, 'c', "config", "FILE", command_options[0].help);
	for (size_t i = 0; i < lg_settings_count; i++) {
		const lg_setting *s = &lg_settings[i];

		if (!takes(s, cmd))
			continue;
		lg_buf_clear(&text);
		/* Best effort: without memory, the line without its default. */
		if (s->default_text && s->value_name &&
		    lg_buf_printf(&text, "%s (default %s)", s->help,
				  s->default_text) < 0)
			lg_buf_clear(&text);
		help_line(out, &left, s->short_option, s->option, s->value_name,
			  text.len ? text.ptr : s->help);
	}
	for (size_t i = 1; i < COUNT(command_options); i++)
		help_line(out, &left, command_options[i].short_option,
			  command_options[i].option, command_options[i].value_name,
			  command_options[i].help);
	lg_buf_dispose(&text);
	lg_buf_dispose(&left);
}

int lg_run_args_option(lg_run_args *a, int option, const char *value)
{
	int row = -1, rc;

	switch (option) {
	case 'c': a->config = value; return 0;
	case 'q': a->quiet = 1; return 0;
	case 'v': a->verbose = 1; return 0;
	}
	if (option >= LG_RUN_OPT_SETTING &&
	    option < LG_RUN_OPT_SETTING + (int)lg_settings_count)
		row = option - LG_RUN_OPT_SETTING;
	for (size_t i = 0; i < lg_settings_count && row < 0; i++)
		if (lg_settings[i].short_option == option)
			row = (int)i;
	if (row < 0)
		return LG_NOT_MINE;
	if ((rc = lg_setting_parse_option(&a->set, row, value)) < 0)
		return rc;
	a->given |= LG_SETTING_BIT(row);
	return 0;
}

void lg_run_args_dispose(lg_run_args *a)
{
	if (a)
		lg_config_dispose(&a->set);
}

typedef struct {
	int tty;
	size_t width;         /* of the terminal; 0: unknown */
	const char *running;  /* the workload started last */
	size_t done, total;
	double start, shown;  /* when the run started, the line was drawn */
} progress_state;

/* Best effort: a progress line that cannot be shown is not an error. */
static void show_progress(progress_state *p)
{
	lg_buf line = LG_BUF_INIT;

	p->shown = lg_proc_clock();
	if (lg_report_progress(&line, p->done, p->total, p->running,
			       p->shown - p->start, p->width) == 0)
		lg_file_put(stderr, line.ptr, line.len, "the progress line");
	lg_buf_dispose(&line);
}

static void on_progress(void *ctx, const lg_workload_result *r, size_t done,
			size_t total, int finished)
{
	progress_state *p = ctx;

	if (p->tty) {
		if (!finished)
			p->running = lg_view_name(r);
		p->done = done;
		p->total = total;
		if (done < total)
			show_progress(p);
		else
			lg_file_put(stderr, LG_PROGRESS_CLEAR,
				    strlen(LG_PROGRESS_CLEAR), "the progress line");
	} else if (finished && !lg_view_not_started(r)) {
		/* The tests an interrupted run never started are counted once,
		 * after the report, not a line each here. */
		fprintf(stderr, "leakgate: [%zu/%zu] %s: %s\n", done, total,
			lg_view_name(r), lg_verdict_name(r->verdict));
	}
}

/* The line's clock moves between events, redrawn about ten times a second. */
static void on_tick(void *ctx)
{
	progress_state *p = ctx;

	if (p->tty && p->done < p->total && lg_proc_clock() - p->shown >= 0.1)
		show_progress(p);
}

/* Command-line settings win over the configuration file. */
static int apply_overrides(lg_workload *wl, lg_config *cfg, const lg_run_args *a)
{
	return lg_setting_copy(wl, cfg, &a->set.defaults, &a->set, a->given);
}

/* A target that names a file must name one that exists: bad input, exit 2. */
static int check_target(const lg_workload *wl)
{
	char *path = NULL, *function = NULL;
	struct stat st;
	int is_file, rc;

	rc = lg_workload_parse_target(&path, &function, &is_file, wl->target);
	if (rc == 0 && is_file && (stat(path, &st) < 0 || !S_ISREG(st.st_mode))) {
		lg_error_set_os("%s", path);
		if (strcmp(wl->name, wl->target) != 0)
			lg_error_set("%s (workload '%s')", lg_error_last(), wl->name);
		rc = LG_ENOTFOUND;
	}
	free(path);
	free(function);
	return rc;
}

static int add_workload(lg_workload **list, size_t *count, const lg_workload *wl)
{
	lg_workload *grown = realloc(*list, (*count + 1) * sizeof(**list));

	if (!grown)
		return lg_error_oom();
	*list = grown;
	if (lg_workload_copy(&grown[*count], wl) < 0)
		return LG_ENOMEM; /* with its message */
	(*count)++;
	return 0;
}

/* Which workloads to run: the named config sections and targets, or all. */
static int select_workloads(lg_workload **out, size_t *count,
			    const lg_config *cfg, char *const *names, int n)
{
	lg_workload adhoc;
	int rc;

	if (n == 0) {
		for (size_t i = 0; i < cfg->count; i++)
			if ((rc = add_workload(out, count, &cfg->workloads[i])) < 0)
				return rc;
		return 0;
	}
	for (int k = 0; k < n; k++) {
		size_t i;

		for (i = 0; i < cfg->count; i++)
			if (strcmp(cfg->workloads[i].name, names[k]) == 0)
				break;
		if (i < cfg->count) {
			rc = add_workload(out, count, &cfg->workloads[i]);
		} else {
			if ((rc = lg_workload_copy(&adhoc, &cfg->defaults)) < 0)
				return rc;
			if ((rc = lg_string_set(&adhoc.name, names[k])) == 0 &&
			    (rc = lg_string_set(&adhoc.target, names[k])) == 0)
				rc = add_workload(out, count, &adhoc);
			lg_workload_dispose(&adhoc);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Every test of the suite a section does not already name, as a workload
 * with the defaults; named after its node id (stable, so shards hold). */
static int add_suite(lg_run_plan *plan, const char *args, const char *python)
{
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;
	lg_workload wl;
	size_t i, k;
	int rc;

	if ((rc = lg_pytest_collect(&suite, python, args,
				    plan->cfg.defaults.timeout)) < 0)
		return rc;
	for (const char *p = lg_buf_cstr(&suite.notes); *p; p += strcspn(p, "\n") + 1)
		fprintf(stderr, "leakgate run: warning: %.*s\n", (int)strcspn(p, "\n"), p);
	for (i = 0; i < suite.count && rc == 0; i++) {
		for (k = 0; k < plan->count; k++)
			if (strcmp(plan->workloads[k].name, suite.nodes[i]) == 0)
				break;
		if (k < plan->count)
			continue;
		if ((rc = lg_workload_copy(&wl, &plan->cfg.defaults)) < 0)
			break;
		if ((rc = lg_string_set(&wl.name, suite.nodes[i])) == 0 &&
		    asprintf(&wl.target, "pytest:%s", suite.nodes[i]) < 0) {
			wl.target = NULL;
			rc = lg_error_oom();
		}
		if (rc == 0)
			rc = add_workload(&plan->workloads, &plan->count, &wl);
		lg_workload_dispose(&wl);
	}
	lg_pytest_suite_dispose(&suite);
	return rc < 0 ? lg_error_oom() : 0;
}

/* pytest: targets run with the suite's arguments (rootdir, ini, plugins). */
static int give_suite_args(lg_run_plan *plan, const char *args)
{
	for (size_t i = 0; i < plan->count; i++) {
		lg_workload *wl = &plan->workloads[i];

		if (lg_workload_target_kind(wl->target) == LG_TARGET_PYTEST &&
		    !wl->pytest_args && lg_string_set(&wl->pytest_args, args) < 0)
			return lg_error_oom();
	}
	return 0;
}

int lg_run_plan_load(lg_run_plan *out, const lg_run_args *a,
		     char *const *names, int n)
{
	const char *suite, *python;
	uint32_t run_wide = 0;
	lg_workload base;
	int rc;

	memset(out, 0, sizeof(*out));
	out->cancel_fd = -1;
	if ((rc = lg_workload_init_defaults(&base)) < 0)
		return rc;
	if (a->config) {
		rc = lg_config_load(&out->cfg, a->config, &base);
		lg_workload_dispose(&base);
		if (rc < 0)
			return rc;
	} else {
		out->cfg.defaults = base;
	}
	if ((rc = select_workloads(&out->workloads, &out->count, &out->cfg,
				   names, n)) < 0)
		goto fail;
	/* The run-wide settings first: the suite's arguments among them. */
	for (size_t i = 0; i < lg_settings_count; i++)
		if (lg_settings[i].flags & LG_SETTING_RUN_WIDE)
			run_wide |= LG_SETTING_BIT(i);
	if ((rc = lg_setting_copy(&out->cfg.defaults, &out->cfg, &a->set.defaults,
				  &a->set, a->given & run_wide)) < 0)
		goto fail;
	suite = out->cfg.pytest;
	python = a->given & LG_SETTING_BIT(lg_setting_find_option("python"))
		 ? a->set.defaults.python : out->cfg.defaults.python;
	if (suite && n == 0 && (rc = add_suite(out, suite, python)) < 0)
		goto fail;
	if (suite && (rc = give_suite_args(out, suite)) < 0)
		goto fail;
	if (out->count == 0) {
		lg_error_set("%s", a->config
			? "no workloads: the configuration has no [workload] section"
			: "no workloads: give WORKLOAD arguments, --pytest ARGS or --config FILE");
		rc = LG_EINVALID;
		goto fail;
	}
	for (size_t i = 0; i < out->count; i++) {
		if ((rc = apply_overrides(&out->workloads[i], NULL, a)) < 0 ||
		    (rc = check_target(&out->workloads[i])) < 0)
			goto fail;
	}
	/* What a workload without a section would get (a baseline records it). */
	if ((rc = apply_overrides(&out->cfg.defaults, &out->cfg, a)) < 0)
		goto fail;
	out->jobs = out->cfg.jobs > 0 ? out->cfg.jobs : 1;
	return 0;
fail:
	lg_run_plan_dispose(out);
	return rc;
}

void lg_run_plan_dispose(lg_run_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->count; i++)
		lg_workload_dispose(&plan->workloads[i]);
	free(plan->workloads);
	lg_config_dispose(&plan->cfg);
	memset(plan, 0, sizeof(*plan));
}

int lg_run_plan_execute(lg_run_result *out, const lg_run_plan *plan,
			const lg_run_args *a)
{
	lg_runner_options ropts = LG_RUNNER_OPTIONS_INIT;
	progress_state progress = { .running = "" };

	ropts.jobs = plan->jobs;
	ropts.judge = plan->judge;
	ropts.judge_ctx = plan->judge_ctx;
	ropts.cancel_fd = plan->cancel_fd;
	/* The binary: every child of this process is the runner's. */
	ropts.adopt_orphans = 1;
	progress.tty = !a->quiet && isatty(STDERR_FILENO);
	progress.width = progress.tty ? lg_cli_terminal_width(STDERR_FILENO) : 0;
	progress.start = progress.shown = lg_proc_clock();
	ropts.progress = a->quiet ? NULL : on_progress;
	ropts.tick = a->quiet ? NULL : on_tick;
	ropts.progress_ctx = &progress;
	return lg_runner_run(out, plan->workloads, plan->count, &ropts);
}

int lg_run_print_report(const lg_run_result *run, const lg_run_args *a)
{
	lg_report_options opts = LG_REPORT_OPTIONS_INIT;
	lg_buf text = LG_BUF_INIT;
	int rc;

	if (a->quiet)
		return 0;
	opts.verbose = a->verbose;
	opts.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	opts.width = lg_cli_terminal_width(STDOUT_FILENO);
	rc = lg_report_terminal(&text, run, &opts);
	if (rc == 0)
		rc = lg_file_put(stdout, lg_buf_cstr(&text), text.len, "the report");
	lg_buf_dispose(&text);
	return rc;
}

int lg_run_write_junit(const lg_run_result *run, const char *path)
{
	lg_buf xml = LG_BUF_INIT;
	int rc = lg_junit_render(&xml, run);

	if (rc == 0)
		rc = lg_file_write_atomic_named(path, "JUnit report",
						lg_buf_cstr(&xml), xml.len);
	lg_buf_dispose(&xml);
	return rc;
}

int lg_run_plan_shard(lg_run_plan *plan, const lg_shard *shard,
		      const char *command)
{
	size_t all = plan->count;
	int rc;

	if (shard->total == 1)
		return 0;
	if ((rc = lg_shard_workloads(plan->workloads, &plan->count, shard)) < 0)
		return rc;
	fprintf(stderr, "leakgate %s: shard %u/%u: %zu of %zu workloads\n",
		command, shard->index, shard->total, plan->count, all);
	return 0;
}

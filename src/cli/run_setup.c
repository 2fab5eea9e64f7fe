/* What `run` and `baseline record` share: options, workloads, the run. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/proc.h"
#include "leakgate/file.h"
#include "leakgate/junit.h"
#include "leakgate/parse.h"
#include "leakgate/pytest_suite.h"
#include "leakgate/report_term.h"
#include "leakgate/report_view.h"
#include "leakgate/runner.h"

#include "cli.h"
#include "run_setup.h"

static int bad_option(const char *fmt, const char *value)
{
	lg_error_set(fmt, value);
	return LG_EINVALID;
}

int lg_run_args_option(lg_run_args *a, int option, const char *value)
{
	switch (option) {
	case 'c': a->config = value; break;
	case 'q': a->quiet = 1; break;
	case 'v': a->verbose = 1; break;
	case LG_RUN_OPT_EXPLAIN: a->explain = LG_EXPLAIN_ALWAYS; break;
	case LG_RUN_OPT_NO_EXPLAIN: a->explain = LG_EXPLAIN_NEVER; break;
	case LG_RUN_OPT_FAIL_ON_CYCLES: a->fail_on_cycles = 1; break;
	case LG_RUN_OPT_FAIL_INCONCLUSIVE: a->fail_inconclusive = 1; break;
	case LG_RUN_OPT_NO_EARLY_STOP: a->no_early_stop = 1; break;
	case LG_RUN_OPT_PYTHON: a->python = value; break;
	case LG_RUN_OPT_PYTEST: a->pytest = value; break;
	case LG_RUN_OPT_THRESHOLD:
		if (lg_parse_double(&a->threshold, value) < 0 || a->threshold < 0)
			return bad_option("--threshold: '%s' is not a number >= 0", value);
		break;
	case LG_RUN_OPT_CALLS:
		if (lg_parse_i64(&a->max_calls, value) < 0 || a->max_calls < 1)
			return bad_option("--calls: '%s' is not a whole number >= 1", value);
		break;
	case LG_RUN_OPT_DURATION:
		if (lg_parse_double(&a->duration, value) < 0 || a->duration <= 0)
			return bad_option("--duration: '%s' is not a number > 0", value);
		break;
	case LG_RUN_OPT_TIMEOUT:
		if (lg_parse_double(&a->timeout, value) < 0 || a->timeout <= 0)
			return bad_option("--timeout: '%s' is not a number > 0", value);
		break;
	case LG_RUN_OPT_MEMORY:
		if (lg_parse_size_mb(&a->memory_limit_mb, value) < 0)
			return bad_option("--memory-limit: '%s' is not a size: MiB, "
					  "or with a unit (512M, 2G, 1.5G; 0 = none)", value);
		break;
	case 'j':
		if (strcmp(value, "auto") == 0) {
			a->jobs = lg_proc_cpus();
			break;
		}
		if (lg_parse_i64(&a->jobs, value) < 0 || a->jobs < 1 || a->jobs > 1024)
			return bad_option("--jobs: '%s' is not auto or a whole number "
					  "from 1 to 1024", value);
		break;
	default:
		return 0;
	}
	return 1;
}

typedef struct {
	int tty;
	size_t width;         /* of the terminal; 0: unknown */
	const char *running;  /* the workload started last */
	size_t done, total;
	double start, shown;  /* when the run started, the line was drawn */
} progress_state;

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Best effort: a progress line that cannot be shown is not an error. */
static void show_progress(progress_state *p)
{
	lg_buf line = LG_BUF_INIT;

	p->shown = monotonic();
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

	if (p->tty && p->done < p->total && monotonic() - p->shown >= 0.1)
		show_progress(p);
}

/* Command-line settings win over the configuration file. */
static int apply_overrides(lg_workload *wl, const lg_run_args *a)
{
	if (a->python && lg_string_set(&wl->python, a->python) < 0)
		return lg_error_oom();
	if (a->threshold >= 0)
		wl->threshold = a->threshold;
	if (a->max_calls > 0)
		wl->max_calls = a->max_calls;
	if (a->duration > 0)
		wl->duration = a->duration;
	if (a->timeout > 0)
		wl->timeout = a->timeout;
	if (a->memory_limit_mb >= 0)
		wl->memory_limit_mb = a->memory_limit_mb;
	if (a->regression_floor >= 0)
		wl->regression_floor = a->regression_floor;
	if (a->regression_tolerance >= 0)
		wl->regression_tolerance = a->regression_tolerance;
	if (a->explain >= 0)
		wl->explain = a->explain;
	if (a->fail_on_cycles >= 0)
		wl->fail_on_cycles = a->fail_on_cycles;
	if (a->fail_inconclusive >= 0)
		wl->fail_inconclusive = a->fail_inconclusive;
	if (a->no_early_stop >= 0)
		wl->no_early_stop = a->no_early_stop;
	return 0;
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
	const char *suite;
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
	suite = a->pytest ? a->pytest : out->cfg.pytest;
	if (suite && n == 0 &&
	    (rc = add_suite(out, suite, a->python ? a->python : out->cfg.defaults.python)) < 0)
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
		if ((rc = apply_overrides(&out->workloads[i], a)) < 0 ||
		    (rc = check_target(&out->workloads[i])) < 0)
			goto fail;
	}
	/* What a workload without a section would get (a baseline records it). */
	if ((rc = apply_overrides(&out->cfg.defaults, a)) < 0)
		goto fail;
	out->jobs = a->jobs > 0 ? (int)a->jobs : out->cfg.jobs > 0 ? out->cfg.jobs : 1;
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
	progress.start = progress.shown = monotonic();
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

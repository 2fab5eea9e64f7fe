/* leakgate run: measure workloads, judge, report. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/baseline_rule.h"
#include "leakgate/baseline_store.h"
#include "leakgate/error.h"
#include "leakgate/file.h"
#include "leakgate/junit.h"
#include "leakgate/shard.h"

#include "cancel.h"
#include "ci.h"
#include "cli.h"
#include "run_setup.h"

static const char run_head[] =
	"usage: leakgate run [options] [WORKLOAD...]\n"
	"\n"
	"A WORKLOAD is path/to/file.py:function or package.module:function;\n"
	"the function takes no arguments and is called again and again. An\n"
	"existing test is pytest:NODE_ID or unittest:MODULE.CLASS.METHOD; one\n"
	"call is one run of the test (see --pytest for a whole suite). With\n"
	"--config, a WORKLOAD may also name a [workload \"NAME\"] section; with\n"
	"no WORKLOAD every section runs.\n"
	"\n"
	"options:\n";

static const char run_tail[] =
	"      --shard K/N|auto   run the K-th of N shards of the workloads (by\n"
	"                         sorted name, round-robin); auto: GitLab's\n"
	"                         CI_NODE_INDEX/CI_NODE_TOTAL, all without them\n"
	"      --charts DIR       an SVG chart per failing workload in DIR,\n"
	"                         attached to its JUnit test case (default in\n"
	"                         GitLab CI: leakgate-charts/ by the JUnit file)\n"
	"      --baseline auto|REV|none\n"
	"                         hold every workload to the baseline at a\n"
	"                         commit (see 'leakgate baseline --help'): auto\n"
	"                         is the merge base with the target branch, or\n"
	"                         HEAD~1 outside a merge request (default none)\n"
	"      --base REV         the target branch for auto (default: from\n"
	"                         GITHUB_BASE_REF, CI_MERGE_REQUEST_DIFF_BASE_SHA\n"
	"                         or CI_MERGE_REQUEST_TARGET_BRANCH_NAME)\n"
	"  -h, --help             this help\n"
	"\n"
	"In GitHub Actions (GITHUB_ACTIONS=true) it also prints annotations on\n"
	"standard output and appends a markdown summary to GITHUB_STEP_SUMMARY.\n"
	"\n"
	"exit codes: 0 clean, 1 leak or regression, 2 usage or configuration\n"
	"error, 3 a workload could not be measured (1 wins over 3); 128+N\n"
	"interrupted by signal N (SIGTERM, SIGINT, SIGHUP: 143, 130, 129), with\n"
	"the JUnit file written: what finished, the rest as cancelled. A second\n"
	"signal exits at once.\n";

void lg_cmd_run_usage(FILE *out)
{
	fputs(run_head, out);
	lg_run_options_help(out, LG_RUN_CMD_RUN);
	fputs(run_tail, out);
}

enum {
	OPT_BASELINE = LG_RUN_OPT_NEXT, OPT_BASE, OPT_SHARD, OPT_CHARTS
};

static const struct option own_options[] = {
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "charts", required_argument, NULL, OPT_CHARTS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* What the command line says beyond the shared options. */
typedef struct {
	lg_run_args run;
	const char *baseline; /* "auto", a revision, or NULL / "none" */
	const char *base;
	lg_shard shard;       /* --shard; 1/1 when not given */
	const char *charts;   /* --charts DIR */
} run_args;

static int usage_error(const char *fmt, const char *arg)
{
	return lg_cli_error("run", fmt, arg);
}

static int run_option(void *ctx, int c, const char *value)
{
	run_args *a = ctx;
	int rc;

	if ((rc = lg_run_args_option(&a->run, c, value)) != LG_NOT_MINE)
		return rc;
	switch (c) {
	case OPT_BASELINE:
		if (!*value)
			return lg_error_set("--baseline: give auto, a revision or none");
		a->baseline = value;
		break;
	case OPT_BASE: a->base = value; break;
	case OPT_SHARD:
		if (lg_shard_parse(&a->shard, value, getenv("CI_NODE_INDEX"),
				   getenv("CI_NODE_TOTAL")) < 0)
			return lg_error_set("--shard: %s", lg_error_last());
		break;
	case OPT_CHARTS:
		if (!*value)
			return lg_error_set("--charts: give a directory");
		a->charts = value;
		break;
	}
	return 0;
}

/* Its own options; lg_run_parse adds the shared ones. */
static const lg_cli_options run_options = {
	"run", lg_cmd_run_usage, "h", own_options, run_option
};

/* The baseline every workload is held to (--baseline). */
typedef struct {
	int found;
	lg_baseline baseline;
	lg_buf why;           /* why none was found */
	lg_base_commit base;  /* where it was looked for */
	lg_buf record;        /* the command that records a new baseline */
	lg_baseline_judge_options opts;
} gate;

/* Each result against its entry, as soon as it is judged (so that the
 * explain pass and the progress line see the final verdict). */
static int gate_judge(void *ctx, lg_workload_result *r)
{
	gate *g = ctx;
	int rc = lg_baseline_judge(r, &g->opts);

	if (rc == 0 && r->baseline->status == LG_BASELINE_INCOMPARABLE &&
	    r->verdict != LG_VERDICT_ERROR)
		fprintf(stderr, "leakgate run: warning: workload '%s': %s: "
			"judged by the absolute rule\n", r->workload.name,
			r->baseline->reason);
	return rc;
}

/* Before running: a bad revision or baseline must not cost a whole run.
 * Sets the plan's second judgement when there is a gate. */
static int gate_load(gate *g, lg_run_plan *plan, const run_args *a)
{
	const char *rev = a->baseline ? a->baseline : a->base ? "auto" : "none";
	lg_baseline_judge_options opts = LG_BASELINE_JUDGE_OPTIONS_INIT;
	lg_base_hints hints;
	int rc;

	if (strcmp(rev, "none") == 0)
		return a->base ? usage_error("%s", "--base needs --baseline auto") : 0;
	if (a->base && strcmp(rev, "auto") != 0)
		return usage_error("--base goes with --baseline auto, not '%s'", rev);
	lg_base_hints_from_env(&hints, a->base);
	rc = lg_baseline_locate(&g->baseline, &g->why, &g->base, ".", rev,
				&hints, LG_STORE_ANY);
	if (rc < 0)
		return usage_error("baseline: %s", lg_error_last());
	g->found = rc == 1;
	if (lg_buf_printf(&g->record, "leakgate baseline record%s%s%s",
			  a->run.config ? " --config " : "",
			  a->run.config ? a->run.config : "",
			  g->found && strcmp(g->baseline.store, "notes") == 0
			  ? " --store notes" : "") < 0)
		return usage_error("%s", lg_error_last());
	opts.baseline = g->found ? &g->baseline : NULL;
	opts.rev = g->base.rev[0] ? g->base.rev : NULL;
	opts.none_reason = lg_buf_cstr(&g->why);
	opts.record_command = g->record.ptr;
	g->opts = opts;
	plan->judge = gate_judge;
	plan->judge_ctx = g;
	return 0;
}

/* --charts DIR, or by default in GitLab CI: an SVG chart per failing
 * workload, which becomes its JUnit attachment. */
static int write_charts(lg_run_result *run, const char *dir, const char *junit)
{
	lg_buf where = LG_BUF_INIT;
	int rc = lg_ci_charts_dir(&where, dir, junit);

	if (rc > 0)
		rc = lg_ci_write_charts(run, where.ptr);
	lg_buf_dispose(&where);
	return rc < 0 ? rc : 0;
}

/* After an interrupted run: what was kept, on stderr even with --quiet. */
static void report_cancelled(const lg_run_result *run, int signo, const char *junit)
{
	size_t cancelled = 0;

	for (size_t i = 0; i < run->count; i++)
		cancelled += run->items[i].outcome == LG_OUTCOME_CANCELLED;
	fprintf(stderr, "leakgate run: interrupted by SIG%s: %zu of %zu workloads "
		"finished, %zu cancelled%s%s\n", sigabbrev_np(signo) ? sigabbrev_np(signo)
		: "?", run->count - cancelled, run->count, cancelled,
		junit ? "; results in " : "", junit ? junit : "");
}

static void gate_dispose(gate *g)
{
	lg_baseline_dispose(&g->baseline);
	lg_buf_dispose(&g->why);
	lg_buf_dispose(&g->record);
}

int lg_cmd_run(int argc, char **argv)
{
	run_args args = { .run = LG_RUN_ARGS_INIT, .shard = LG_SHARD_ALL };
	gate baseline = { .baseline = LG_BASELINE_INIT, .why = LG_BUF_INIT,
			  .record = LG_BUF_INIT,
			  .opts = LG_BASELINE_JUDGE_OPTIONS_INIT };
	lg_run_plan plan;
	lg_run_result run = LG_RUN_RESULT_INIT;
	const char *junit;
	int code, rc, signo;

	if ((rc = lg_run_parse(&run_options, LG_RUN_CMD_RUN, &args, argc,
				 argv)) != 0) {
		lg_run_args_dispose(&args.run);
		return lg_cli_parse_exit(rc);
	}
	if (lg_run_plan_load(&plan, &args.run, argv + optind, argc - optind) < 0) {
		lg_run_args_dispose(&args.run);
		return usage_error("%s", lg_error_last());
	}
	if (lg_run_plan_shard(&plan, &args.shard, "run") < 0) {
		code = usage_error("--shard: %s", lg_error_last());
		goto out;
	}
	if ((code = gate_load(&baseline, &plan, &args)) != 0)
		goto out;
	/* From here a signal ends the run as results (cancel.h). */
	if (lg_cancel_install(&plan.cancel_fd) < 0) {
		code = usage_error("%s", lg_error_last());
		goto out;
	}
	if (lg_run_plan_execute(&run, &plan, &args.run) < 0) {
		fprintf(stderr, "leakgate run: %s\n", *lg_error_last()
			? lg_error_last() : "out of memory");
		code = LG_EXIT_USAGE;
		goto out;
	}

	code = lg_cli_exit_code(&run);
	if (lg_run_print_report(&run, &args.run) < 0)
		fprintf(stderr, "leakgate run: cannot write the report: %s\n",
			lg_error_last());
	junit = plan.cfg.junit;
	/* Charts first: they become the attachments the JUnit file names. */
	if (write_charts(&run, args.charts, junit) < 0 ||
	    (junit && lg_run_write_junit(&run, junit) < 0) ||
	    lg_ci_github_annotations(stdout, &run) < 0 ||
	    lg_ci_github_summary(&run, NULL) < 0) {
		fprintf(stderr, "leakgate run: %s\n", lg_error_last());
		code = LG_EXIT_USAGE;
	}
	if ((signo = lg_cancel_received()) != 0) {
		report_cancelled(&run, signo, junit);
		code = LG_EXIT_SIGNAL + signo;
	}
out:
	lg_cancel_uninstall();
	lg_run_result_dispose(&run);
	lg_run_plan_dispose(&plan);
	gate_dispose(&baseline);
	lg_run_args_dispose(&args.run);
	return code;
}

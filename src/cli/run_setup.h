#ifndef LEAKGATE_RUN_SETUP_H
#define LEAKGATE_RUN_SETUP_H

#include <getopt.h>
#include <stdint.h>

#include "leakgate/config.h"
#include "leakgate/result.h"
#include "leakgate/shard.h"

/*
 * What `run` and `baseline record` share: the measuring options, loading the
 * configuration, choosing the workloads and running them with a progress
 * line. Part of the command layer: errors are returned with a message
 * (lg_error_last) for the command to print; nothing here exits.
 */

/* What the command line says; NULL / negative means "not given". */
typedef struct {
	const char *config;
	const char *python;
	const char *pytest;     /* --pytest ARGS: a suite's pytest arguments */
	double threshold;
	int64_t max_calls;
	double duration;
	double timeout;
	int64_t memory_limit_mb;
	int64_t jobs;
	double regression_floor;
	double regression_tolerance;
	int quiet;
	int verbose;
	int explain;        /* -1, or LG_EXPLAIN_ALWAYS / _NEVER (workload.h) */
	int fail_on_cycles; /* -1, or 1 */
	int fail_inconclusive; /* -1, or 1 */
	int no_early_stop;  /* -1, or 1 */
} lg_run_args;

/* Every number "not given"; no command-line switch on. */
#define LG_RUN_ARGS_INIT { \
	.threshold = -1, .max_calls = -1, .duration = -1, .timeout = -1, \
	.memory_limit_mb = -1, .jobs = -1, .regression_floor = -1, \
	.regression_tolerance = -1, .explain = -1, .fail_on_cycles = -1, \
	.fail_inconclusive = -1, .no_early_stop = -1 \
}

/* getopt_long codes of the shared options; commands number theirs from
 * LG_RUN_OPT_NEXT. */
enum {
	LG_RUN_OPT_PYTHON = 256, LG_RUN_OPT_THRESHOLD, LG_RUN_OPT_CALLS,
	LG_RUN_OPT_DURATION, LG_RUN_OPT_TIMEOUT, LG_RUN_OPT_MEMORY,
	LG_RUN_OPT_EXPLAIN, LG_RUN_OPT_NO_EXPLAIN, LG_RUN_OPT_FAIL_ON_CYCLES,
	LG_RUN_OPT_PYTEST, LG_RUN_OPT_NO_EARLY_STOP, LG_RUN_OPT_FAIL_INCONCLUSIVE,
	LG_RUN_OPT_NEXT = 300
};

/* Entries for a command's `struct option` table. */
#define LG_RUN_LONG_OPTIONS \
	{ "config", required_argument, NULL, 'c' }, \
	{ "python", required_argument, NULL, LG_RUN_OPT_PYTHON }, \
	{ "pytest", required_argument, NULL, LG_RUN_OPT_PYTEST }, \
	{ "threshold", required_argument, NULL, LG_RUN_OPT_THRESHOLD }, \
	{ "calls", required_argument, NULL, LG_RUN_OPT_CALLS }, \
	{ "duration", required_argument, NULL, LG_RUN_OPT_DURATION }, \
	{ "timeout", required_argument, NULL, LG_RUN_OPT_TIMEOUT }, \
	{ "memory-limit", required_argument, NULL, LG_RUN_OPT_MEMORY }, \
	{ "jobs", required_argument, NULL, 'j' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "explain", no_argument, NULL, LG_RUN_OPT_EXPLAIN }, \
	{ "no-explain", no_argument, NULL, LG_RUN_OPT_NO_EXPLAIN }, \
	{ "fail-on-cycles", no_argument, NULL, LG_RUN_OPT_FAIL_ON_CYCLES }, \
	{ "fail-inconclusive", no_argument, NULL, LG_RUN_OPT_FAIL_INCONCLUSIVE }, \
	{ "no-early-stop", no_argument, NULL, LG_RUN_OPT_NO_EARLY_STOP }

/* Short options of the shared ones, for getopt_long's optstring. */
#define LG_RUN_SHORT_OPTIONS "c:j:qv"

/* Their lines for a command's --help. */
#define LG_RUN_OPTIONS_HELP \
	"  -c, --config FILE      workloads and defaults, git-config syntax\n" \
	"      --python PATH      interpreter to run (default: python3 on PATH)\n" \
	"      --pytest ARGS      a pytest suite: every test pytest collects with\n" \
	"                         ARGS (one string, e.g. 'tests/ -m leakcheck')\n" \
	"                         is a workload (pytest = ARGS in the config)\n" \
	"      --threshold BYTES  heap growth per call that still counts as clean\n" \
	"                         (default 16)\n" \
	"      --calls N          calls per workload (default 100000); more when\n" \
	"                         the end still grows, fewer once clearly clean\n" \
	"      --no-early-stop    exactly --calls calls, whatever the samples say\n" \
	"      --duration SECS    seconds of calls to aim for (default 2)\n" \
	"      --timeout SECS     kill a workload after this long (default 120)\n" \
	"      --memory-limit SIZE kill a workload past this resident memory:\n" \
	"                         MiB, or 512M, 2G, 1.5G (default 4096, 0 = none)\n" \
	"  -j, --jobs N|auto      workloads measured in parallel (default 1; auto:\n" \
	"                         the processors leakgate may use)\n" \
	"  -q, --quiet            no report on standard output, no progress\n" \
	"  -v, --verbose          every metric's fit in the report\n" \
	"      --explain          explain every workload, not only leaks: growing\n" \
	"                         types, allocation sites, retainer chain, kind\n" \
	"      --no-explain       no explain pass, not even for leaks\n" \
	"      --fail-on-cycles   cyclic garbage (objects freed by gc) fails\n" \
	"      --fail-inconclusive a verdict without enough evidence fails\n"

/*
 * Apply one shared option getopt_long returned: 1 when it was one (and
 * valid), 0 when it is not a shared option, LG_EINVALID with a message
 * ("--calls: 'ten' is not a whole number >= 1") for a bad value.
 */
int lg_run_args_option(lg_run_args *a, int option, const char *value);

/* The workloads to measure, with the command line applied over the file. */
typedef struct {
	lg_config cfg;          /* empty but for defaults without --config;
				 * defaults with the command line applied */
	lg_workload *workloads;
	size_t count;
	int jobs;               /* children at once */
	/* A second judgement right after lg_judge (runner.h); NULL: none. */
	int (*judge)(void *ctx, lg_workload_result *r);
	void *judge_ctx;
	int cancel_fd;          /* the runner's cancel_fd (runner.h); -1: none */
} lg_run_plan;

/*
 * Load a->config (if any) and choose the workloads: the named config
 * sections and targets, or every section when n is 0, and then every test
 * of the pytest suite (--pytest, else pytest = in the file) that no
 * section names (pytest_suite.h: collected here, once). Errors name the file,
 * option or key: LG_EINVALID / LG_ENOTFOUND for bad input (exit 2),
 * LG_ENOMEM. An empty selection is LG_EINVALID ("no workloads: ...").
 */
int lg_run_plan_load(lg_run_plan *out, const lg_run_args *a,
		     char *const *names, int n);
void lg_run_plan_dispose(lg_run_plan *plan);

/* Keep the shard's workloads, saying so on stderr ("leakgate COMMAND:
 * shard 2/4: 3 of 12 workloads"); an empty shard (more shards than
 * workloads) is not an error: it runs nothing. */
int lg_run_plan_shard(lg_run_plan *plan, const lg_shard *shard,
		      const char *command);

/* Measure and judge the plan's workloads, with progress on stderr unless
 * a->quiet. Returns < 0 only when the runner could not go on. */
int lg_run_plan_execute(lg_run_result *out, const lg_run_plan *plan,
			const lg_run_args *a);

/* The JUnit report of run into the file path (--junit), replaced whole. */
int lg_run_write_junit(const lg_run_result *run, const char *path);

/* The terminal report of a run on standard output, unless a->quiet;
 * coloured on a terminal unless NO_COLOR is set. */
int lg_run_print_report(const lg_run_result *run, const lg_run_args *a);

#endif

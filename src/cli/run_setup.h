#ifndef LEAKGATE_RUN_SETUP_H
#define LEAKGATE_RUN_SETUP_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "leakgate/config.h"
#include "leakgate/setting.h"
#include "leakgate/result.h"
#include "leakgate/shard.h"

#include "cli.h"

/*
 * What `run` and `baseline record` share: the measuring options, loading the
 * configuration, choosing the workloads and running them with a progress
 * line. Part of the command layer: errors are returned with a message
 * (lg_error_last) for the command to print; nothing here exits.
 */

/* What the command line says. */
typedef struct {
	const char *config;
	int quiet;
	int verbose;
	lg_config set;   /* the settings given (setting.h): set.defaults holds
			  * the workloads', the rest the run-wide ones */
	uint32_t given;  /* LG_SETTING_BIT of each row given */
} lg_run_args;

#define LG_RUN_ARGS_INIT { NULL, 0, 0, { .jobs = 0 }, 0 }

void lg_run_args_dispose(lg_run_args *a);

/* getopt_long codes: a setting's is LG_RUN_OPT_SETTING + its row (or its
 * short option); commands number theirs from LG_RUN_OPT_NEXT. */
enum { LG_RUN_OPT_SETTING = 256, LG_RUN_OPT_NEXT = 320 };

/* A run-like command's options: the shared ones, then its own. */
typedef enum { LG_RUN_CMD_RUN, LG_RUN_CMD_RECORD } lg_run_cmd;

/* lg_cli_parse (cli.h) for a run-like command: spec gives the command's
 * own options (longs up to a zero row, shorts without the ':'), to which
 * -c, -q, -v and every setting with an option are added (for record, not
 * those of run only). */
int lg_run_parse(const lg_cli_options *spec, lg_run_cmd cmd, void *ctx,
		 int argc, char **argv);

/* The lines of the shared options for a command's --help. */
void lg_run_options_help(FILE *out, lg_run_cmd cmd);

/*
 * Apply one shared option getopt_long returned: 0 when it was one (and
 * valid), LG_NOT_MINE when it is not a shared option, LG_EINVALID with a
 * message ("--calls: 'ten' is not a whole number >= 1") for a bad value.
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

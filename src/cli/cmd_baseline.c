/* leakgate baseline: record what main measures, show what was recorded. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/baseline.h"
#include "leakgate/baseline_store.h"
#include "leakgate/error.h"
#include "leakgate/format.h"

#include "cancel.h"
#include "cli.h"
#include "run_setup.h"


static const char baseline_head[] =
	"usage: leakgate baseline record [options] [WORKLOAD...]\n"
	"       leakgate baseline show [REV] [--store file|notes]\n"
	"       leakgate baseline merge-notes REF\n"
	"\n"
	"A baseline is what main measured, per workload and metric: growth per\n"
	"call, its confidence interval, calls, interpreter, platform. With\n"
	"'leakgate run --baseline auto', a change fails only where it is\n"
	"credibly worse than its base commit's baseline, so known growth on\n"
	"main does not fail every pull request, and a pull request cannot\n"
	"loosen its own gate: the baseline is read at the base commit, never\n"
	"from the working tree, and main's threshold, regression floor and\n"
	"tolerance hold where they are stricter than the change's own.\n"
	"\n"
	"record runs the workloads (the options of 'leakgate run') and stores\n"
	"the results with the parameters that judged them, merged into what\n"
	"the store holds when it writes: each workload measured replaces its\n"
	"entry unless a newer one is there, every other entry stays (without\n"
	"WORKLOAD names or with --shard, but those of workloads no longer in\n"
	"the configuration), so records running at once lose nothing.\n"
	"It runs no explain pass unless --explain is given.\n"
	"  --store file   write " LG_BASELINE_PATH " at the top of the working\n"
	"                 tree, for you to commit (default)\n"
	"  --store notes  attach the baseline to HEAD as a git note in\n"
	"                 " LG_BASELINE_NOTES_REF " (push it: git push origin\n"
	"                 " LG_BASELINE_NOTES_REF ")\n"
	"  --shard K/N|auto  only the K-th of N shards of the workloads (as\n"
	"                 'leakgate run --shard')\n"
	"\n"
	"run options:\n";

static const char baseline_tail[] =
	"\n"
	"show prints the baseline that 'run --baseline REV' would use (default\n"
	"HEAD): the file in REV's tree, else the note of REV or of its nearest\n"
	"first-parent ancestor that has one; --store looks in one place only.\n"
	"\n"
	"merge-notes merges the notes ref REF (fetched from a remote, e.g.\n"
	"refs/notes/leakgate-remote) into " LG_BASELINE_NOTES_REF ", workload by\n"
	"workload, the newest measurement winning, on top of REF so that the\n"
	"result can be pushed where REF came from.\n"
	"\n"
	"exit codes: record: 0 recorded, 2 usage, configuration or git error,\n"
	"3 a workload could not be measured (the others are recorded), 128+N\n"
	"interrupted by signal N (what finished is recorded);\n"
	"show: 0 shown, 1 no baseline, 2 error; merge-notes: 0 merged, 2 error.\n";

void lg_cmd_baseline_usage(FILE *out)
{
	fputs(baseline_head, out);
	lg_run_options_help(out, LG_RUN_CMD_RECORD);
	fputs(baseline_tail, out);
}

enum {
	OPT_STORE = LG_RUN_OPT_NEXT,
	OPT_SHARD
};

static const struct option record_options[] = {
	{ "store", required_argument, NULL, OPT_STORE },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const struct option show_options[] = {
	{ "store", required_argument, NULL, OPT_STORE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int usage_error(const char *fmt, const char *arg)
{
	return lg_cli_error("baseline", fmt, arg);
}

typedef struct {
	lg_run_args run;
	lg_baseline_store store;
	lg_shard shard;
} baseline_args;

static int show_option(void *ctx, int c, const char *value)
{
	baseline_args *a = ctx;

	if (c == OPT_STORE)
		return lg_baseline_store_parse(&a->store, value);
	return 0;
}

static int record_option(void *ctx, int c, const char *value)
{
	baseline_args *a = ctx;
	int rc = lg_run_args_option(&a->run, c, value);

	if (rc != LG_NOT_MINE)
		return rc;
	if (c == OPT_SHARD && lg_shard_parse(&a->shard, value, getenv("CI_NODE_INDEX"),
					     getenv("CI_NODE_TOTAL")) < 0)
		return lg_error_set("--shard: %s", lg_error_last());
	return show_option(ctx, c, value);
}

/* Its own options; lg_run_parse adds the shared ones. */
static const lg_cli_options record_spec = {
	"baseline", lg_cmd_baseline_usage, "h", record_options, record_option
};

static const lg_cli_options show_spec = {
	"baseline", lg_cmd_baseline_usage, ":h", show_options, show_option
};

/* Where record writes: the repository's file, or HEAD's note. */
typedef struct {
	lg_repo *repo;
	lg_base_commit head;
	lg_buf path;          /* the file store's path */
} destination;

/* Before running: a bad repository must not cost a whole run. */
static int open_destination(destination *d, const baseline_args *a)
{
	const char *workdir;
	int rc;

	if ((rc = lg_repo_open(&d->repo, ".")) < 0)
		return rc;
	if (a->store == LG_STORE_NOTES)
		return lg_repo_resolve(&d->head, d->repo, "HEAD");
	if (!(workdir = lg_repo_workdir(d->repo))) {
		lg_error_set("a bare repository has no working tree for %s: "
			     "use --store notes", LG_BASELINE_PATH);
		return LG_EINVALID;
	}
	return lg_buf_printf(&d->path, "%s%s", workdir, LG_BASELINE_PATH);
}

/* A test may shorten the wait for another writer (baseline_store.h). */
static double lock_timeout(void)
{
	const char *env = getenv("LEAKGATE_LOCK_TIMEOUT");

	return env && *env ? atof(env) : LG_BASELINE_LOCK_TIMEOUT;
}

/* measured merged into what the store holds now (baseline_store.h). */
static int write_destination(destination *d, const baseline_args *a,
			     const lg_baseline *measured,
			     const char *const *workloads, size_t count)
{
	lg_baseline_change change = { measured, workloads, count, lock_timeout() };

	if (a->store == LG_STORE_NOTES)
		return lg_baseline_record_note(d->repo, d->head.id, &change);
	return lg_baseline_record_file(d->path.ptr, &change);
}

static void destination_dispose(destination *d)
{
	lg_repo_free(d->repo);
	lg_buf_dispose(&d->path);
}

/* Copies of the names of every workload configured, for a record without
 * WORKLOAD names (entries of the others are dropped); NULL when names were
 * given. Copies: a shard disposes of the workloads it drops. */
static int configured_names(char ***out, const lg_run_plan *plan, int named)
{
	*out = NULL;
	if (named || plan->count == 0)
		return 0;
	if (!(*out = calloc(plan->count, sizeof(**out))))
		return lg_error_oom();
	for (size_t i = 0; i < plan->count; i++)
		if (!((*out)[i] = strdup(plan->workloads[i].name)))
			return lg_error_oom();
	return 0;
}

static int cmd_record(int argc, char **argv)
{
	baseline_args args = { .run = LG_RUN_ARGS_INIT, .store = LG_STORE_FILE,
			       .shard = LG_SHARD_ALL };
	destination dest = { .path = LG_BUF_INIT };
	lg_baseline measured = LG_BASELINE_INIT;
	lg_run_plan plan;
	lg_run_result run = LG_RUN_RESULT_INIT;
	char **names = NULL;
	size_t recorded = 0, skipped = 0, configured = 0;
	uint32_t explain;
	int code = LG_EXIT_CLEAN, rc, signo, no_explain;

	if ((rc = lg_run_parse(&record_spec, LG_RUN_CMD_RECORD, &args, argc,
			       argv)) != 0) {
		lg_run_args_dispose(&args.run);
		return lg_cli_parse_exit(rc);
	}
	/* Recording measures; it explains nothing (run does, where it fails)
	 * unless asked on the command line. */
	explain = LG_SETTING_BIT(lg_setting_find_option("explain"));
	no_explain = lg_setting_find_option("no-explain");
	if (!(args.run.given & (explain | LG_SETTING_BIT(no_explain))))
		lg_run_args_option(&args.run, LG_RUN_OPT_SETTING + no_explain, NULL);
	if (lg_run_plan_load(&plan, &args.run, argv + optind, argc - optind) < 0) {
		lg_run_args_dispose(&args.run);
		return usage_error("%s", lg_error_last());
	}
	if (open_destination(&dest, &args) < 0) {
		code = usage_error("%s", lg_error_last());
		goto out;
	}
	/* Names before the shard: a shard keeps the others' entries. */
	configured = plan.count;
	if (configured_names(&names, &plan, argc > optind) < 0)
		goto fail;
	if (lg_run_plan_shard(&plan, &args.shard, "baseline") < 0) {
		code = usage_error("--shard: %s", lg_error_last());
		goto out;
	}
	/* Main's defaults hold the workloads a change adds (baseline.h). */
	lg_baseline_params_of(&measured.defaults, &plan.cfg.defaults);
	/* From here a signal ends the run with what finished recorded. */
	if (lg_cancel_install(&plan.cancel_fd) < 0) {
		code = usage_error("%s", lg_error_last());
		goto out;
	}
	if (lg_run_plan_execute(&run, &plan, &args.run) < 0)
		goto fail;
	for (size_t i = 0; i < run.count; i++) {
		const lg_workload_result *r = &run.items[i];

		if ((rc = lg_baseline_add_result(&measured, r)) < 0)
			goto fail;
		if (rc > 0) {
			recorded++;
			continue;
		}
		skipped++;
		fprintf(stderr, "leakgate baseline: workload '%s' not recorded: %s\n",
			r->workload.name, r->message ? r->message : "not measured");
	}
	if (lg_run_print_report(&run, &args.run) < 0)
		fprintf(stderr, "leakgate baseline: cannot write the report: %s\n",
			lg_error_last());
	signo = lg_cancel_received();
	if (recorded == 0) {
		fprintf(stderr, "leakgate baseline: nothing recorded: no workload "
			"could be measured\n");
		code = LG_EXIT_UNMEASURED;
	} else if (write_destination(&dest, &args, &measured,
				     (const char *const *)names, configured) < 0) {
		code = usage_error("%s", lg_error_last());
		fprintf(stderr, "leakgate baseline: %zu measured workload%s not "
			"recorded\n", recorded, recorded == 1 ? "" : "s");
		goto out;
	} else if (!args.run.quiet && args.store == LG_STORE_NOTES) {
		printf("recorded %zu workload%s as the note on %s in %s: push it "
		       "with `git push origin %s`\n", recorded,
		       recorded == 1 ? "" : "s", dest.head.rev,
		       LG_BASELINE_NOTES_REF, LG_BASELINE_NOTES_REF);
	} else if (!args.run.quiet) {
		printf("recorded %zu workload%s in %s: commit it\n", recorded,
		       recorded == 1 ? "" : "s", LG_BASELINE_PATH);
	}
	if (recorded)
		code = skipped ? LG_EXIT_UNMEASURED : LG_EXIT_CLEAN;
	if (signo) {
		fprintf(stderr, "leakgate baseline: interrupted by SIG%s: %zu of %zu "
			"workloads recorded, %zu not (above)\n",
			sigabbrev_np(signo) ? sigabbrev_np(signo) : "?", recorded,
			run.count, skipped);
		code = LG_EXIT_SIGNAL + signo;
	}
	goto out;

fail:
	fprintf(stderr, "leakgate baseline: %s\n", *lg_error_last()
		? lg_error_last() : "out of memory");
	code = LG_EXIT_USAGE;
out:
	lg_cancel_uninstall();
	for (size_t i = 0; names && i < configured; i++)
		free(names[i]);
	free(names);
	lg_baseline_dispose(&measured);
	lg_run_result_dispose(&run);
	lg_run_plan_dispose(&plan);
	destination_dispose(&dest);
	lg_run_args_dispose(&args.run);
	return code;
}

static int cmd_merge_notes(int argc, char **argv)
{
	baseline_args args = { .run = LG_RUN_ARGS_INIT, .store = LG_STORE_NOTES };
	lg_repo *repo = NULL;
	size_t changed = 0;
	int rc, code = LG_EXIT_CLEAN;

	if ((rc = lg_cli_parse(&show_spec, &args, argc, argv)) != 0)
		return lg_cli_parse_exit(rc);
	if (argc - optind != 1)
		return usage_error("%s", "merge-notes takes one notes ref "
				   "(e.g. refs/notes/leakgate-remote)");
	if (lg_repo_open(&repo, ".") < 0 ||
	    lg_baseline_merge_notes(&changed, repo, argv[optind], lock_timeout()) < 0)
		code = usage_error("%s", lg_error_last());
	else
		printf("merged %s into %s: %zu note%s merged\n", argv[optind],
		       LG_BASELINE_NOTES_REF, changed, changed == 1 ? "" : "s");
	lg_repo_free(repo);
	return code;
}

/* "312 B/call (95% CI 305–320 B)" */
static void print_rate(lg_metric m, const lg_baseline_metric *f)
{
	static const lg_fit_options fit = LG_FIT_OPTIONS_INIT;
	char rate[LG_FORMAT_RATE_SIZE];

	fputs(lg_format_rate(rate, sizeof(rate), f->slope, f->ci_low, f->ci_high,
			     lg_metric_get(m), fit.confidence, LG_FORMAT_RATE_UNITS),
	      stdout);
}

/* "threshold 16 B/call, regression-floor 16 B/call, ..." as recorded,
 * after `lead`; nothing when none was (an older baseline). */
static void print_params(const char *lead, const lg_baseline_params *p)
{
	const struct {
		unsigned bit;
		const char *name, *unit;
		double value;
	} keys[] = {
		{ LG_PARAM_THRESHOLD, "threshold", " B/call", p->threshold },
		{ LG_PARAM_FLOOR, "regression-floor", " B/call", p->regression_floor },
		{ LG_PARAM_TOLERANCE, "regression-tolerance", "",
		  p->regression_tolerance },
	};
	char value[LG_FORMAT_NUMBER_SIZE];

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		if (!(p->given & keys[i].bit))
			continue;
		lg_format_number(value, sizeof(value), keys[i].value);
		printf("%s%s %s%s", lead, keys[i].name, value, keys[i].unit);
		lead = ", ";
	}
}

static void print_baseline(const lg_baseline *b)
{
	char calls[LG_FORMAT_NUMBER_SIZE];

	printf("baseline at %s (%s%s), format %d, leakgate %s\n", b->rev,
	       strcmp(b->store, "file") == 0 ? "file " : "note in ",
	       strcmp(b->store, "file") == 0 ? LG_BASELINE_PATH
					     : LG_BASELINE_NOTES_REF,
	       b->format, b->leakgate_version ? b->leakgate_version : "?");
	if (b->defaults.given) {
		print_params("defaults: ", &b->defaults);
		putchar('\n');
	}
	for (size_t i = 0; i < b->count; i++) {
		const lg_baseline_entry *e = &b->entries[i];

		lg_format_count(calls, sizeof(calls), e->calls);
		printf("%s: %s %s on %s, %s calls", e->workload,
		       e->implementation, e->python_version,
		       e->platform ? e->platform : "?", calls);
		print_params("; ", &e->params);
		putchar('\n');
		for (int m = 0; m < LG_METRIC_COUNT; m++) {
			const lg_baseline_metric *f = &e->metrics[m];

			if (!f->present)
				continue;
			printf("  %-15s ", lg_metric_get((lg_metric)m)->name);
			print_rate((lg_metric)m, f);
			printf("%s\n", f->leaks ? "; leaks" : "");
		}
	}
}

static int cmd_show(int argc, char **argv)
{
	baseline_args args = { .run = LG_RUN_ARGS_INIT, .store = LG_STORE_ANY };
	lg_baseline baseline;
	lg_base_commit base;
	lg_base_hints hints;
	lg_buf why = LG_BUF_INIT;
	const char *rev;
	int rc, code;

	if ((rc = lg_cli_parse(&show_spec, &args, argc, argv)) != 0)
		return lg_cli_parse_exit(rc);
	if (argc - optind > 1)
		return usage_error("show takes one revision, not '%s'", argv[optind + 1]);
	rev = argc > optind ? argv[optind] : "HEAD";
	lg_base_hints_from_env(&hints, NULL);
	rc = lg_baseline_locate(&baseline, &why, &base, ".", rev, &hints,
				args.store);
	if (rc < 0) {
		code = usage_error("%s", lg_error_last());
	} else if (rc == 0) {
		fprintf(stderr, "leakgate baseline: %s\n", lg_buf_cstr(&why));
		code = LG_EXIT_NO_BASELINE;
	} else {
		print_baseline(&baseline);
		code = LG_EXIT_CLEAN;
	}
	lg_baseline_dispose(&baseline);
	lg_buf_dispose(&why);
	return code;
}

int lg_cmd_baseline(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		lg_cmd_baseline_usage(stderr);
		return LG_EXIT_USAGE;
	}
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
	    strcmp(sub, "help") == 0) {
		lg_cmd_baseline_usage(stdout);
		return LG_EXIT_CLEAN;
	}
	if (strcmp(sub, "record") == 0)
		return cmd_record(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(sub, "merge-notes") == 0)
		return cmd_merge_notes(argc - 1, argv + 1);
	return usage_error("unknown subcommand '%s' (record, show or "
			   "merge-notes)", sub);
}

/* leakgate baseline: record what main measures, show what was recorded. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/baseline.h"
#include "leakgate/baseline_store.h"
#include "leakgate/error.h"
#include "leakgate/format.h"

#include "cli.h"
#include "run_setup.h"


static const char baseline_usage[] =
	"usage: leakgate baseline record [options] [WORKLOAD...]\n"
	"       leakgate baseline show [REV] [--store file|notes]\n"
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
	"the results with the parameters that judged them. With WORKLOAD\n"
	"names, only their entries are replaced (and the defaults).\n"
	"It runs no diagnostic pass unless --explain is given.\n"
	"  --store file   write " LG_BASELINE_PATH " at the top of the working\n"
	"                 tree, for you to commit (default)\n"
	"  --store notes  attach the baseline to HEAD as a git note in\n"
	"                 " LG_BASELINE_NOTES_REF " (push it: git push origin\n"
	"                 " LG_BASELINE_NOTES_REF ")\n"
	"\n"
	"run options:\n"
	LG_RUN_OPTIONS_HELP
	"\n"
	"show prints the baseline that 'run --baseline REV' would use (default\n"
	"HEAD): the file in REV's tree, else the note of REV or of its nearest\n"
	"first-parent ancestor that has one; --store looks in one place only.\n"
	"\n"
	"exit codes: record: 0 recorded, 2 usage, configuration or git error,\n"
	"3 a workload could not be measured (the others are recorded);\n"
	"show: 0 shown, 1 no baseline, 2 error.\n";

enum {
	OPT_STORE = LG_RUN_OPT_NEXT
};

static const struct option record_options[] = {
	LG_RUN_LONG_OPTIONS,
	{ "store", required_argument, NULL, OPT_STORE },
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
} baseline_args;

static int show_option(void *ctx, int c, const char *value)
{
	baseline_args *a = ctx;

	if (c == OPT_STORE && lg_baseline_store_parse(&a->store, value) < 0)
		return usage_error("%s", lg_error_last());
	return 0;
}

static int record_option(void *ctx, int c, const char *value)
{
	baseline_args *a = ctx;
	int rc = lg_run_args_option(&a->run, c, value);

	if (rc < 0)
		return usage_error("%s", lg_error_last());
	return rc > 0 ? 0 : show_option(ctx, c, value);
}

static const lg_cli_options record_spec = {
	"baseline", baseline_usage, ":" LG_RUN_SHORT_OPTIONS "h", record_options,
	record_option
};

static const lg_cli_options show_spec = {
	"baseline", baseline_usage, ":h", show_options, show_option
};

/* Where record writes: the repository's file, or HEAD's note. */
typedef struct {
	lg_repo *repo;
	lg_base_commit head;
	lg_buf path;          /* the file store's path */
	lg_baseline baseline; /* what is written: kept entries, then new ones */
} destination;

/* With WORKLOAD names only their entries change: start from what is there. */
static int open_destination(destination *d, const baseline_args *a, int partial)
{
	const char *workdir;
	int rc;

	lg_buf why = LG_BUF_INIT;

	if ((rc = lg_repo_open(&d->repo, ".")) < 0)
		return rc;
	if (a->store == LG_STORE_NOTES) {
		if ((rc = lg_repo_resolve(&d->head, d->repo, "HEAD")) < 0 || !partial)
			return rc;
		/* The note in force at HEAD, which may be an ancestor's. */
		rc = lg_baseline_load_at(&d->baseline, &why, d->repo, d->head.id,
					 LG_STORE_NOTES);
		lg_buf_dispose(&why);
		return rc < 0 ? rc : 0;
	}
	if (!(workdir = lg_repo_workdir(d->repo))) {
		lg_error_set("a bare repository has no working tree for %s: "
			     "use --store notes", LG_BASELINE_PATH);
		return LG_EINVALID;
	}
	if ((rc = lg_buf_printf(&d->path, "%s%s", workdir, LG_BASELINE_PATH)) < 0)
		return rc;
	if (!partial)
		return 0;
	rc = lg_baseline_read_file(&d->baseline, d->path.ptr, LG_BASELINE_PATH);
	return rc == LG_ENOTFOUND ? 0 : rc;
}

static int write_destination(destination *d, const baseline_args *a)
{
	lg_buf text = LG_BUF_INIT;
	int rc;

	/* Entries kept from before say the version that measured them. */
	free(d->baseline.leakgate_version);
	d->baseline.leakgate_version = NULL;
	if (a->store != LG_STORE_NOTES)
		return lg_baseline_write(&d->baseline, d->path.ptr);
	if ((rc = lg_baseline_format(&text, &d->baseline)) == 0)
		rc = lg_baseline_write_note(d->repo, d->head.id, lg_buf_cstr(&text));
	lg_buf_dispose(&text);
	return rc;
}

static void destination_dispose(destination *d)
{
	lg_repo_free(d->repo);
	lg_buf_dispose(&d->path);
	lg_baseline_dispose(&d->baseline);
}

static int cmd_record(int argc, char **argv)
{
	baseline_args args = { .run = LG_RUN_ARGS_INIT, .store = LG_STORE_FILE };
	destination dest = { .path = LG_BUF_INIT, .baseline = LG_BASELINE_INIT };
	lg_run_plan plan;
	lg_run_result run = LG_RUN_RESULT_INIT;
	size_t recorded = 0, skipped = 0;
	int code = LG_EXIT_CLEAN, rc;

	if ((rc = lg_cli_parse(&record_spec, &args, argc, argv)) != 0)
		return rc < 0 ? LG_EXIT_CLEAN : rc;
	/* Recording measures; it explains nothing (run does, where it fails)
	 * unless asked on the command line. */
	if (args.run.explain < 0)
		args.run.explain = LG_EXPLAIN_NEVER;
	if (lg_run_plan_load(&plan, &args.run, argv + optind, argc - optind) < 0)
		return usage_error("%s", lg_error_last());
	/* Before running: a bad repository must not cost a whole run. */
	if (open_destination(&dest, &args, argc > optind) < 0) {
		code = usage_error("%s", lg_error_last());
		goto out;
	}
	/* Main's defaults hold the workloads a change adds (baseline.h). */
	lg_baseline_params_of(&dest.baseline.defaults, &plan.cfg.defaults);
	if (lg_run_plan_execute(&run, &plan, &args.run) < 0)
		goto fail;
	for (size_t i = 0; i < run.count; i++) {
		const lg_workload_result *r = &run.items[i];

		if ((rc = lg_baseline_add_result(&dest.baseline, r)) < 0)
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
	if (recorded == 0) {
		fprintf(stderr, "leakgate baseline: nothing recorded: no workload "
			"could be measured\n");
		code = LG_EXIT_UNMEASURED;
		goto out;
	}
	if (write_destination(&dest, &args) < 0) {
		code = usage_error("%s", lg_error_last());
		goto out;
	}
	if (!args.run.quiet && args.store == LG_STORE_NOTES)
		printf("recorded %zu workload%s as the note on %s in %s: push it "
		       "with `git push origin %s`\n", recorded,
		       recorded == 1 ? "" : "s", dest.head.rev,
		       LG_BASELINE_NOTES_REF, LG_BASELINE_NOTES_REF);
	else if (!args.run.quiet)
		printf("recorded %zu workload%s in %s: commit it\n", recorded,
		       recorded == 1 ? "" : "s", LG_BASELINE_PATH);
	code = skipped ? LG_EXIT_UNMEASURED : LG_EXIT_CLEAN;
	goto out;

fail:
	fprintf(stderr, "leakgate baseline: %s\n", *lg_error_last()
		? lg_error_last() : "out of memory");
	code = LG_EXIT_USAGE;
out:
	lg_run_result_dispose(&run);
	lg_run_plan_dispose(&plan);
	destination_dispose(&dest);
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
		return rc < 0 ? LG_EXIT_CLEAN : rc;
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
		fputs(baseline_usage, stderr);
		return LG_EXIT_USAGE;
	}
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
	    strcmp(sub, "help") == 0) {
		fputs(baseline_usage, stdout);
		return LG_EXIT_CLEAN;
	}
	if (strcmp(sub, "record") == 0)
		return cmd_record(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	return usage_error("unknown subcommand '%s' (record or show)", sub);
}

/* leakgate merge: the JUnit files of a run's shards as one run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/file.h"
#include "leakgate/junit_merge.h"
#include "leakgate/report_md.h"

#include "ci.h"
#include "cli.h"

static const char merge_text[] =
	"usage: leakgate merge -o OUT.xml [--summary FILE] SHARD.xml...\n"
	"\n"
	"Combine the JUnit files of the shards of one run ('leakgate run\n"
	"--shard K/N --junit ...' in N parallel CI jobs) into one JUnit file,\n"
	"and exit as that one run would have.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE    the merged JUnit file (temp file, then renamed)\n"
	"      --summary FILE   also write a markdown summary of the whole run;\n"
	"                       in GitHub Actions (GITHUB_ACTIONS=true) it is\n"
	"                       appended to GITHUB_STEP_SUMMARY when not given\n"
	"      --title TEXT     the summary's heading (default: leakgate)\n"
	"  -h, --help           this help\n"
	"\n"
	"A workload found in two files is an error (the shards overlap).\n"
	"\n"
	"exit codes: 0 clean, 1 leak, 3 a workload could not be measured (1 wins\n"
	"over 3), as for 'leakgate run'; 2 bad arguments, or a file that cannot\n"
	"be read or is not a leakgate JUnit report (the message names it).\n";

void lg_cmd_merge_usage(FILE *out)
{
	fputs(merge_text, out);
}

enum { OPT_SUMMARY = 256, OPT_TITLE };

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

typedef struct {
	const char *output;
	const char *summary;
	const char *title;
} merge_args;

static int usage_error(const char *fmt, const char *arg)
{
	return lg_cli_error("merge", fmt, arg);
}

static int merge_option(void *ctx, int c, const char *value)
{
	merge_args *a = ctx;

	switch (c) {
	case 'o': a->output = value; break;
	case OPT_SUMMARY: a->summary = value; break;
	case OPT_TITLE: a->title = value; break;
	}
	return 0;
}

static const lg_cli_options merge_options = {
	"merge", lg_cmd_merge_usage, ":o:h", long_options, merge_option
};

static int parse_args(merge_args *a, int argc, char **argv)
{
	int rc = lg_cli_parse(&merge_options, a, argc, argv);

	if (rc != 0)
		return rc;
	if (!a->output || optind == argc) {
		usage_error("%s", !a->output ? "give the merged file with -o OUT.xml"
			    : "give the shards' JUnit files to merge");
		return LG_EINVALID;
	}
	return 0;
}

/* --summary FILE is replaced; in GitHub Actions the step summary, shared
 * by the job's steps, is appended to. */
static int write_summary(const lg_run_result *run, const merge_args *a)
{
	lg_markdown_options opts = LG_MARKDOWN_OPTIONS_INIT;
	lg_buf md = LG_BUF_INIT;
	int rc;

	if (!a->summary)
		return lg_ci_github_summary(run, a->title);
	opts.title = a->title;
	rc = lg_report_markdown(&md, run, &opts);
	if (rc == 0)
		rc = lg_file_write_atomic(a->summary, lg_buf_cstr(&md), md.len);
	lg_buf_dispose(&md);
	return rc;
}

int lg_cmd_merge(int argc, char **argv)
{
	merge_args args = { NULL, NULL, NULL };
	lg_run_result run = LG_RUN_RESULT_INIT;
	int code, rc;

	if ((rc = parse_args(&args, argc, argv)) != 0)
		return lg_cli_parse_exit(rc);
	/* The samples are for the summary's charts only. */
	if (lg_junit_merge(args.output, &run, (const char *const *)argv + optind,
			   (size_t)(argc - optind), args.summary || lg_ci_in_github()) < 0 ||
	    write_summary(&run, &args) < 0) {
		code = usage_error("%s", lg_error_last());
		goto out;
	}
	code = lg_cli_exit_code(&run);
	fprintf(stderr, "leakgate merge: %zu workloads from %d files into %s\n",
		run.count, argc - optind, args.output);
out:
	lg_run_result_dispose(&run);
	return code;
}

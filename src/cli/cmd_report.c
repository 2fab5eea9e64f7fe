/* leakgate report: render a saved run (its JUnit file) again. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/file.h"
#include "leakgate/junit_read.h"
#include "leakgate/report_github.h"
#include "leakgate/report_md.h"
#include "leakgate/report_svg.h"
#include "leakgate/report_term.h"

#include "cli.h"

static const char report_text[] =
	"usage: leakgate report [options] RUN.xml\n"
	"\n"
	"Render a saved run again: RUN.xml is the JUnit file 'leakgate run\n"
	"--junit' (or 'leakgate merge') wrote; it keeps every fitted figure\n"
	"and the samples the charts need.\n"
	"\n"
	"options:\n"
	"  -f, --format FORMAT  terminal (default), markdown (GitHub step\n"
	"                       summary, GitLab comment), github (workflow\n"
	"                       annotations) or svg (one workload's chart)\n"
	"  -w, --workload NAME  only this workload; svg needs it when the run\n"
	"                       has more than one\n"
	"  -o, --output FILE    write FILE (temp file, then renamed) instead of\n"
	"                       standard output\n"
	"  -v, --verbose        terminal: every metric's fit\n"
	"  -h, --help           this help\n"
	"\n"
	"GitHub annotations name files relative to GITHUB_WORKSPACE when set,\n"
	"else the current directory.\n"
	"\n"
	"exit codes: 0 rendered; 2 bad arguments, or RUN.xml unreadable or not\n"
	"a leakgate report. The run's own verdict does not change it.\n";

void lg_cmd_report_usage(FILE *out)
{
	fputs(report_text, out);
}

static const struct option long_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "workload", required_argument, NULL, 'w' },
	{ "output", required_argument, NULL, 'o' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

typedef enum { FORMAT_TERMINAL, FORMAT_MARKDOWN, FORMAT_GITHUB, FORMAT_SVG } format;

typedef struct {
	format format;
	const char *workload;
	const char *output;
	int verbose;
	const char *run;
} report_args;

static int usage_error(const char *fmt, const char *arg)
{
	return lg_cli_error("report", fmt, arg);
}

static int report_option(void *ctx, int c, const char *value)
{
	report_args *a = ctx;

	switch (c) {
	case 'f':
		if (strcmp(value, "terminal") == 0)
			a->format = FORMAT_TERMINAL;
		else if (strcmp(value, "markdown") == 0)
			a->format = FORMAT_MARKDOWN;
		else if (strcmp(value, "github") == 0)
			a->format = FORMAT_GITHUB;
		else if (strcmp(value, "svg") == 0)
			a->format = FORMAT_SVG;
		else
			return lg_error_set("--format: '%s' is not one of terminal, "
					    "markdown, github, svg", value);
		break;
	case 'w': a->workload = value; break;
	case 'o': a->output = value; break;
	case 'v': a->verbose = 1; break;
	}
	return 0;
}

static const lg_cli_options report_options = {
	"report", lg_cmd_report_usage, ":f:w:o:vh", long_options, report_option
};

static int parse_args(report_args *a, int argc, char **argv)
{
	int rc = lg_cli_parse(&report_options, a, argc, argv);

	if (rc != 0)
		return rc;
	if (optind != argc - 1) {
		usage_error("%s", optind == argc
			    ? "give one RUN.xml (a JUnit file leakgate wrote)"
			    : "give only one RUN.xml");
		return LG_EINVALID;
	}
	a->run = argv[optind];
	return 0;
}

static int render(lg_buf *out, const lg_run_result *run, const report_args *a)
{
	lg_github_options github = LG_GITHUB_OPTIONS_INIT;
	lg_report_options terminal = LG_REPORT_OPTIONS_INIT;

	switch (a->format) {
	case FORMAT_MARKDOWN:
		return lg_report_markdown(out, run, NULL);
	case FORMAT_GITHUB:
		github.root = getenv("GITHUB_WORKSPACE");
		return lg_report_github(out, run, &github);
	case FORMAT_SVG:
		return lg_report_svg(out, &run->items[0]);
	case FORMAT_TERMINAL:
		break;
	}
	terminal.verbose = a->verbose;
	terminal.width = lg_cli_terminal_width(STDOUT_FILENO);
	return lg_report_terminal(out, run, &terminal);
}

/* The workload named NAME as a run of its own (borrowed from run). */
static int pick(lg_run_result *view, const lg_run_result *run, const char *name,
		const char *path)
{
	lg_buf names = LG_BUF_INIT;

	for (size_t i = 0; i < run->count; i++) {
		if (strcmp(run->items[i].workload.name, name) == 0) {
			view->items = &run->items[i];
			view->count = 1;
			return 0;
		}
	}
	for (size_t i = 0; i < run->count && names.len < 200; i++)
		lg_buf_printf(&names, "%s'%s'", i ? ", " : "", run->items[i].workload.name);
	lg_error_set("no workload '%s' in %s (it has %s%s)", name, path,
		     run->count ? lg_buf_cstr(&names) : "none",
		     names.len >= 200 ? ", ..." : "");
	lg_buf_dispose(&names);
	return LG_ENOTFOUND;
}

int lg_cmd_report(int argc, char **argv)
{
	report_args args = { FORMAT_TERMINAL, NULL, NULL, 0, NULL };
	lg_run_result run = LG_RUN_RESULT_INIT, view;
	lg_buf out = LG_BUF_INIT;
	int code = LG_EXIT_USAGE, rc;

	if ((rc = parse_args(&args, argc, argv)) != 0)
		return lg_cli_parse_exit(rc);
	if (lg_junit_read(&run, args.run) < 0)
		return usage_error("%s", lg_error_last());
	view = run;
	if (args.workload && pick(&view, &run, args.workload, args.run) < 0) {
		usage_error("%s", lg_error_last());
		goto out;
	}
	if (args.format == FORMAT_SVG && view.count != 1) {
		fprintf(stderr, "leakgate report: svg charts one workload: give "
			"--workload NAME (%s has %zu)\n", args.run, view.count);
		goto out;
	}
	if (render(&out, &view, &args) < 0) {
		usage_error("%s", lg_error_last());
		goto out;
	}
	if (args.output) {
		if (lg_file_write_atomic(args.output, lg_buf_cstr(&out), out.len) < 0) {
			usage_error("%s", lg_error_last());
			goto out;
		}
	} else if (lg_file_put(stdout, lg_buf_cstr(&out), out.len,
			       "standard output") < 0) {
		usage_error("%s", lg_error_last());
		goto out;
	}
	code = LG_EXIT_CLEAN;
out:
	lg_buf_dispose(&out);
	lg_run_result_dispose(&run);
	return code;
}

#include "cli.h"
#include "doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "leakgate/error.h"
#include "leakgate/metric.h"
#include "leakgate/verdict.h"

#ifndef LG_VERSION
#define LG_VERSION "dev"
#endif

size_t lg_cli_terminal_width(int fd)
{
	const char *columns = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long n;

	if (columns && *columns) {
		n = strtol(columns, &end, 10);
		if (!*end && n > 0)
			return (size_t)n;
	}
	if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const lg_cli_command commands[] = {
	{ "run", lg_cmd_run, "measure workloads and judge leaks", lg_cmd_run_usage },
	{ "baseline", lg_cmd_baseline, "record or show what main measured",
	  lg_cmd_baseline_usage },
	{ "report", lg_cmd_report, "render a saved run again (markdown, github, svg)",
	  lg_cmd_report_usage },
	{ "merge", lg_cmd_merge, "combine the JUnit files of a run's shards",
	  lg_cmd_merge_usage },
	{ "help", cmd_help, "show this help", NULL },
	{ "version", cmd_version, "print the version", NULL },
};

static const lg_cli_exit exits[] = {
	{ "0", "every workload is clean (known leaks with expect = leak pass, "
	       "and so do inconclusive ones)" },
	{ "1", "at least one workload leaks, or regresses against its "
	       "baseline, or is inconclusive under --fail-inconclusive (this "
	       "wins over 3)" },
	{ "2", "bad arguments or configuration: one line on stderr names the "
	       "file, option or key" },
	{ "3", "a workload could not be measured: import error, exception, "
	       "crash, timeout or memory limit, without evidence of a leak" },
	{ "128+N", "run was interrupted by signal N: 143 SIGTERM (a cancelled "
		   "or timed-out CI job), 130 SIGINT (Ctrl-C), 129 SIGHUP" },
};

const lg_cli_command *lg_cli_commands(size_t *count)
{
	*count = sizeof(commands) / sizeof(*commands);
	return commands;
}

const lg_cli_exit *lg_cli_exits(size_t *count)
{
	*count = sizeof(exits) / sizeof(*exits);
	return exits;
}

void lg_cli_help_item(FILE *out, const char *left, int column, const char *text)
{
	enum { WIDTH = 78 };
	int used = fprintf(out, "  %s", left);

	/* Too long for its column: the text starts on the next line. */
	if (used >= column - 1) {
		fputc('\n', out);
		used = 0;
	}
	while (*text) {
		size_t len = strlen(text), cut = len;

		if (len > (size_t)(WIDTH - column)) {
			for (cut = (size_t)(WIDTH - column); cut > 0 && text[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = strcspn(text, " ");
		}
		fprintf(out, "%*s%.*s\n", column - used, "", (int)cut, text);
		used = 0;
		text += cut;
		text += *text == ' ';
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: leakgate <command> [options]\n"
		"\n"
		"%s\n"
		"\n"
		"commands:\n", LG_CLI_ABOUT);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out,
		"\n"
		"'leakgate <command> --help' lists the options of a command.\n"
		"\n"
		"exit codes:\n");
	for (size_t i = 0; i < sizeof(exits) / sizeof(*exits); i++)
		lg_cli_help_item(out, exits[i].code, 9, exits[i].meaning);
	fprintf(out,
		"\n"
		"metrics (sampled after gc.collect(), after every batch of calls):\n");
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		const lg_metric_info *info = lg_metric_get((lg_metric)m);

		fprintf(out, "  %-15s %s%s\n", info->name,
			info->kind == LG_METRIC_BYTES ? "[judged: --threshold] " :
			info->kind == LG_METRIC_RESOURCE ? "[judged: any growth] " :
			info->kind == LG_METRIC_OBJECTS ? "[judged: steady growth] " : "",
			info->meaning);
	}
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return LG_EXIT_CLEAN;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("leakgate %s\n", LG_VERSION);
	return LG_EXIT_CLEAN;
}

int lg_cli_exit_code(const lg_run_result *run)
{
	static const int codes[] = {
		[LG_RUN_PASSED] = LG_EXIT_CLEAN,
		[LG_RUN_FAILED] = LG_EXIT_LEAK,
		[LG_RUN_UNMEASURED] = LG_EXIT_UNMEASURED,
	};

	return codes[lg_run_status_of(run)];
}

int lg_cli_main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	if (!name) {
		usage(stderr);
		return LG_EXIT_USAGE;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (strcmp(name, "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	/* Hidden: what make install and the README's check read (doc.h). */
	if (strcmp(name, "--man") == 0)
		return lg_doc_man(stdout) < 0 ? LG_EXIT_USAGE : LG_EXIT_CLEAN;
	if (strcmp(name, "--settings-markdown") == 0)
		return lg_doc_settings_markdown(stdout) < 0 ? LG_EXIT_USAGE
							    : LG_EXIT_CLEAN;
	if (strcmp(name, "--exit-codes-markdown") == 0)
		return lg_doc_exit_codes_markdown(stdout) < 0 ? LG_EXIT_USAGE
							      : LG_EXIT_CLEAN;
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "leakgate: unknown command '%s' (see 'leakgate --help')\n",
		name);
	return LG_EXIT_USAGE;
}

int lg_cli_parse(const lg_cli_options *spec, void *ctx, int argc, char **argv)
{
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, spec->shorts, spec->longs, NULL)) != -1) {
		switch (c) {
		case 'h':
			spec->usage(stdout);
			return LG_HANDLED;
		case ':':
			lg_cli_error(spec->name, "option '%s' needs a value",
				     argv[optind - 1]);
			return LG_EINVALID;
		case '?':
			lg_cli_error(spec->name, "unknown option '%s' (see "
				     "'leakgate %s --help')", argv[optind - 1],
				     spec->name);
			return LG_EINVALID;
		}
		if ((rc = spec->option(ctx, c, optarg)) < 0) {
			lg_cli_error(spec->name, "%s", lg_error_last());
			return rc;
		}
	}
	return 0;
}

int lg_cli_parse_exit(int rc)
{
	return rc == LG_HANDLED ? LG_EXIT_CLEAN : LG_EXIT_USAGE;
}

int lg_cli_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "leakgate %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return LG_EXIT_USAGE;
}

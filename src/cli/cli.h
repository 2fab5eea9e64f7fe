#ifndef LEAKGATE_CLI_H
#define LEAKGATE_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "leakgate/result.h"

/* Exit codes, decided in one place (the command layer). */
enum {
	LG_EXIT_CLEAN = 0,      /* every workload clean (or a known leak) */
	LG_EXIT_LEAK = 1,       /* at least one workload leaks */
	LG_EXIT_USAGE = 2,      /* bad arguments or configuration */
	LG_EXIT_UNMEASURED = 3, /* a workload could not be measured */
	LG_EXIT_NO_BASELINE = 1, /* baseline show: none recorded there */
	LG_EXIT_SIGNAL = 128    /* + N: run interrupted by signal N (cancel.h) */
};

/* The exit code of a finished run (lg_run_status_of). */
int lg_cli_exit_code(const lg_run_result *run);

/* Columns to fit the report and progress line to: COLUMNS when set, else
 * the width of fd's terminal; 0 when neither (a pipe or a file: no wrap). */
size_t lg_cli_terminal_width(int fd);

/* What leakgate is, in the words of --help and the man page. */
#define LG_CLI_ABOUT \
	"Catch Python memory leaks before they merge: call a function again\n" \
	"and again in a child interpreter, fit growth per call, and report\n" \
	"leaks as JUnit test failures."

/* The command table: every command once, read by dispatch, --help and
 * the man page (doc.h). */
typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
	void (*usage)(FILE *out);  /* its --help; NULL: it has no options */
} lg_cli_command;

const lg_cli_command *lg_cli_commands(size_t *count);

/* The exit codes, for --help and the man page. */
typedef struct {
	const char *code;     /* "0", "128+N" */
	const char *meaning;  /* one sentence, unwrapped */
} lg_cli_exit;

const lg_cli_exit *lg_cli_exits(size_t *count);

/* "  LEFT" then text wrapped at 78 columns from `column` (on the next
 * line when LEFT reaches it): the lines of --help. */
void lg_cli_help_item(FILE *out, const char *left, int column, const char *text);

/* Dispatch argv to a subcommand; returns the process exit code. */
int lg_cli_main(int argc, char **argv);

/* Subcommands: one file each (cmd_<name>.c). */
int lg_cmd_run(int argc, char **argv);
int lg_cmd_baseline(int argc, char **argv);
int lg_cmd_report(int argc, char **argv);
int lg_cmd_merge(int argc, char **argv);

/*
 * How every command reads its options: getopt_long from argv[1] (a ':'
 * first in shorts, so that a missing value is reported, not guessed);
 * 'h' prints usage on standard output; a missing value or an unknown option
 * is a usage error that names the command. Every other option goes to
 * option(), which returns 0 to go on, or a negative LG_E* code with its
 * message (lg_error_set) for a bad value.
 */
typedef struct {
	const char *name;            /* "run": messages say "leakgate run: " */
	void (*usage)(FILE *out);    /* the text of --help */
	const char *shorts;          /* getopt's optstring, e.g. ":o:h" */
	const struct option *longs;
	int (*option)(void *ctx, int option, const char *value);
} lg_cli_options;

/* 0 to go on (the operands start at optind); LG_HANDLED after --help
 * (exit 0); a negative LG_E* code after printing the usage error (exit 2). */
int lg_cli_parse(const lg_cli_options *spec, void *ctx, int argc, char **argv);

/* The exit code of lg_cli_parse's return: what the command returns when
 * that is not 0. */
int lg_cli_parse_exit(int rc);

/* The --help of every command, for the man page (doc.c). */
void lg_cmd_run_usage(FILE *out);
void lg_cmd_baseline_usage(FILE *out);
void lg_cmd_report_usage(FILE *out);
void lg_cmd_merge_usage(FILE *out);

/* "leakgate <command>: <message>" on standard error; returns
 * LG_EXIT_USAGE. */
int lg_cli_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

#ifndef LEAKGATE_CLI_H
#define LEAKGATE_CLI_H

/* Exit codes, decided in one place (the command layer). */
enum {
	LG_EXIT_CLEAN = 0,      /* every workload clean (or a known leak) */
	LG_EXIT_LEAK = 1,       /* at least one workload leaks */
	LG_EXIT_USAGE = 2,      /* bad arguments or configuration */
	LG_EXIT_UNMEASURED = 3  /* a workload could not be measured */
};

/* Dispatch argv to a subcommand; returns the process exit code. */
int lg_cli_main(int argc, char **argv);

/* Subcommands: one file each (cmd_<name>.c). */
int lg_cmd_run(int argc, char **argv);
int lg_cmd_baseline(int argc, char **argv);
int lg_cmd_report(int argc, char **argv);
int lg_cmd_merge(int argc, char **argv);

#endif

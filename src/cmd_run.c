/* leakgate run: measure workloads, judge, report. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakgate/cli.h"
#include "leakgate/config.h"
#include "leakgate/error.h"
#include "leakgate/junit.h"
#include "leakgate/parse.h"
#include "leakgate/report.h"
#include "leakgate/runner.h"
#include "leakgate/verdict.h"

static const char run_usage[] =
	"usage: leakgate run [options] [WORKLOAD...]\n"
	"\n"
	"A WORKLOAD is path/to/file.py:function or package.module:function;\n"
	"the function takes no arguments and is called again and again. With\n"
	"--config, a WORKLOAD may also name a [workload \"NAME\"] section; with\n"
	"no WORKLOAD every section runs.\n"
	"\n"
	"options:\n"
	"  -c, --config FILE      workloads and defaults, git-config syntax\n"
	"      --junit FILE       write JUnit XML (temp file, then renamed)\n"
	"      --python PATH      interpreter to run (default: python3 on PATH)\n"
	"      --threshold BYTES  heap growth per call that still counts as clean\n"
	"                         (default 16)\n"
	"      --calls N          most calls per workload (default 100000)\n"
	"      --duration SECS    seconds of calls to aim for (default 2)\n"
	"      --timeout SECS     kill a workload after this long (default 120)\n"
	"      --memory-limit MIB kill a workload past this resident memory\n"
	"                         (default 4096, 0 = none)\n"
	"  -j, --jobs N           workloads measured in parallel (default 1)\n"
	"  -q, --quiet            no report on standard output, no progress\n"
	"  -v, --verbose          every metric's fit in the report\n"
	"  -h, --help             this help\n"
	"\n"
	"exit codes: 0 clean, 1 leak, 2 usage or configuration error,\n"
	"3 a workload could not be measured (1 wins over 3).\n";

enum {
	OPT_JUNIT = 256, OPT_PYTHON, OPT_THRESHOLD, OPT_CALLS, OPT_DURATION,
	OPT_TIMEOUT, OPT_MEMORY
};

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "python", required_argument, NULL, OPT_PYTHON },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "calls", required_argument, NULL, OPT_CALLS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "memory-limit", required_argument, NULL, OPT_MEMORY },
	{ "jobs", required_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* What the command line says; NULL / negative means "not given". */
typedef struct {
	const char *config;
	const char *junit;
	const char *python;
	double threshold;
	int64_t max_calls;
	double duration;
	double timeout;
	int64_t memory_limit_mb;
	int64_t jobs;
	int quiet;
	int verbose;
} run_args;

typedef struct {
	int tty;
	const char *running;
} progress_state;

static const char *display_name(const lg_workload_result *r)
{
	return r->workload.name ? r->workload.name : r->workload.target;
}

static void on_progress(void *ctx, const lg_workload_result *r, size_t done,
			size_t total, int finished)
{
	progress_state *p = ctx;

	if (p->tty) {
		if (!finished)
			p->running = display_name(r);
		if (done < total)
			lg_progress_show(stderr, done, total, p->running, r->seconds);
		else
			lg_progress_clear(stderr);
	} else if (finished) {
		fprintf(stderr, "leakgate: [%zu/%zu] %s: %s\n", done, total,
			display_name(r), lg_verdict_name(r->verdict));
	}
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "leakgate run: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return LG_EXIT_USAGE;
}

static int parse_args(run_args *a, int argc, char **argv)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:j:qvh", long_options, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case OPT_JUNIT: a->junit = optarg; break;
		case OPT_PYTHON: a->python = optarg; break;
		case OPT_THRESHOLD:
			if (lg_parse_double(&a->threshold, optarg) < 0 || a->threshold < 0)
				return usage_error("--threshold: '%s' is not a number >= 0", optarg);
			break;
		case OPT_CALLS:
			if (lg_parse_i64(&a->max_calls, optarg) < 0 || a->max_calls < 1)
				return usage_error("--calls: '%s' is not a whole number >= 1", optarg);
			break;
		case OPT_DURATION:
			if (lg_parse_double(&a->duration, optarg) < 0 || a->duration <= 0)
				return usage_error("--duration: '%s' is not a number > 0", optarg);
			break;
		case OPT_TIMEOUT:
			if (lg_parse_double(&a->timeout, optarg) < 0 || a->timeout <= 0)
				return usage_error("--timeout: '%s' is not a number > 0", optarg);
			break;
		case OPT_MEMORY:
			if (lg_parse_i64(&a->memory_limit_mb, optarg) < 0 || a->memory_limit_mb < 0)
				return usage_error("--memory-limit: '%s' is not a whole number of MiB >= 0", optarg);
			break;
		case 'j':
			if (lg_parse_i64(&a->jobs, optarg) < 0 || a->jobs < 1 || a->jobs > 1024)
				return usage_error("--jobs: '%s' is not a whole number from 1 to 1024", optarg);
			break;
		case 'q': a->quiet = 1; break;
		case 'v': a->verbose = 1; break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s' (see 'leakgate run --help')",
					   argv[optind - 1]);
		}
	}
	return 0;
}

/* Command-line settings win over the configuration file. */
static int apply_overrides(lg_workload *wl, const run_args *a)
{
	if (a->python && lg_workload_set_string(&wl->python, a->python) < 0)
		return LG_ENOMEM;
	if (a->threshold >= 0)
		wl->threshold = a->threshold;
	if (a->max_calls > 0)
		wl->max_calls = a->max_calls;
	if (a->duration > 0)
		wl->duration = a->duration;
	if (a->timeout > 0)
		wl->timeout = a->timeout;
	if (a->memory_limit_mb >= 0)
		wl->memory_limit_mb = a->memory_limit_mb;
	return 0;
}

/* A target that names a file must name one that exists: bad input, exit 2. */
static int check_target(const lg_workload *wl)
{
	char *path = NULL, *function = NULL;
	struct stat st;
	int is_file, rc;

	rc = lg_workload_parse_target(&path, &function, &is_file, wl->target);
	if (rc == 0 && is_file && (stat(path, &st) < 0 || !S_ISREG(st.st_mode))) {
		lg_error_set_os("%s", path);
		if (strcmp(wl->name, wl->target) != 0)
			lg_error_set("%s (workload '%s')", lg_error_last(), wl->name);
		rc = LG_ENOTFOUND;
	}
	free(path);
	free(function);
	return rc;
}

static int add_workload(lg_workload **list, size_t *count, const lg_workload *wl)
{
	lg_workload *grown = realloc(*list, (*count + 1) * sizeof(**list));

	if (!grown)
		return LG_ENOMEM;
	*list = grown;
	if (lg_workload_copy(&grown[*count], wl) < 0)
		return LG_ENOMEM;
	(*count)++;
	return 0;
}

/* Which workloads to run: the named config sections and targets, or all. */
static int select_workloads(lg_workload **out, size_t *count,
			    const lg_config *cfg, char **names, int n)
{
	lg_workload adhoc;
	int rc;

	if (n == 0) {
		for (size_t i = 0; i < cfg->count; i++)
			if ((rc = add_workload(out, count, &cfg->workloads[i])) < 0)
				return rc;
		return 0;
	}
	for (int k = 0; k < n; k++) {
		size_t i;

		for (i = 0; i < cfg->count; i++)
			if (strcmp(cfg->workloads[i].name, names[k]) == 0)
				break;
		if (i < cfg->count) {
			rc = add_workload(out, count, &cfg->workloads[i]);
		} else {
			if ((rc = lg_workload_copy(&adhoc, &cfg->defaults)) < 0)
				return rc;
			if ((rc = lg_workload_set_string(&adhoc.name, names[k])) == 0 &&
			    (rc = lg_workload_set_string(&adhoc.target, names[k])) == 0)
				rc = add_workload(out, count, &adhoc);
			lg_workload_dispose(&adhoc);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int lg_cmd_run(int argc, char **argv)
{
	run_args args = { NULL, NULL, NULL, -1, -1, -1, -1, -1, -1, 0, 0 };
	lg_config cfg;
	lg_workload base;
	lg_workload *workloads = NULL;
	size_t count = 0;
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_runner_options ropts = LG_RUNNER_OPTIONS_INIT;
	lg_report_options report = LG_REPORT_OPTIONS_INIT;
	progress_state progress = { 0, "" };
	const char *junit;
	int code, rc;

	memset(&cfg, 0, sizeof(cfg));
	if ((rc = parse_args(&args, argc, argv)) != 0)
		return rc < 0 ? LG_EXIT_CLEAN : rc;
	if (lg_workload_init_defaults(&base) < 0)
		goto oom;
	if (args.config) {
		rc = lg_config_load(&cfg, args.config, &base);
		lg_workload_dispose(&base);
		if (rc < 0) {
			fprintf(stderr, "leakgate run: %s\n", lg_error_last());
			return LG_EXIT_USAGE;
		}
	} else {
		cfg.defaults = base;
	}
	if (select_workloads(&workloads, &count, &cfg, argv + optind,
			     argc - optind) < 0)
		goto oom;
	if (count == 0) {
		code = usage_error("%s", args.config
			? "no workloads: the configuration has no [workload] section"
			: "no workloads: give WORKLOAD arguments or --config FILE");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		if (apply_overrides(&workloads[i], &args) < 0)
			goto oom;
		if (check_target(&workloads[i]) < 0) {
			code = usage_error("%s", lg_error_last());
			goto out;
		}
	}

	ropts.jobs = args.jobs > 0 ? (int)args.jobs : cfg.jobs > 0 ? cfg.jobs : 1;
	progress.tty = !args.quiet && isatty(STDERR_FILENO);
	ropts.progress = on_progress;
	ropts.progress_ctx = &progress;
	if (args.quiet)
		ropts.progress = NULL;
	if (lg_runner_run(&run, workloads, count, &ropts) < 0)
		goto oom;

	code = lg_run_exit_code(&run);
	report.verbose = args.verbose;
	report.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if (!args.quiet && lg_report_terminal(stdout, &run, &report) < 0)
		fprintf(stderr, "leakgate run: cannot write the report: %s\n",
			lg_error_last());
	junit = args.junit ? args.junit : cfg.junit;
	if (junit && lg_junit_write(&run, junit) < 0) {
		fprintf(stderr, "leakgate run: %s\n", lg_error_last());
		code = LG_EXIT_USAGE;
	}
	goto out;

oom:
	fprintf(stderr, "leakgate run: %s\n", *lg_error_last() ? lg_error_last()
							   : "out of memory");
	code = LG_EXIT_USAGE;
out:
	lg_run_result_dispose(&run);
	for (size_t i = 0; i < count; i++)
		lg_workload_dispose(&workloads[i]);
	free(workloads);
	lg_config_dispose(&cfg);
	return code;
}

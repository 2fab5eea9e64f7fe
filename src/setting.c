#include "leakgate/setting.h"

#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/parse.h"
#include "leakgate/proc.h"

#define WL(field) offsetof(lg_workload, field)
#define CFG(field) offsetof(lg_config, field)
#define BOTH (LG_SETTING_LEAKGATE | LG_SETTING_WORKLOAD)

static const lg_setting_choice explain_choices[] = {
	{ "auto", LG_EXPLAIN_AUTO }, { "always", LG_EXPLAIN_ALWAYS },
	{ "never", LG_EXPLAIN_NEVER }, { NULL, 0 }
};

static const lg_setting_choice expect_choices[] = {
	{ "leak", 1 }, { "clean", 0 }, { NULL, 0 }
};

/* In the order of --help, the man page and the README. */
const lg_setting lg_settings[] = {
	{ .key = "python", .option = "python", .value_name = "PATH",
	  .type = LG_SETTING_PROGRAM, .flags = BOTH, .offset = WL(python),
	  .default_text = "python3 on PATH",
	  .help = "interpreter to run: a path, or a name looked up on PATH" },
	{ .key = "pytest", .option = "pytest", .value_name = "ARGS",
	  .type = LG_SETTING_STRING, .offset = CFG(pytest),
	  .flags = LG_SETTING_LEAKGATE | LG_SETTING_RUN_WIDE | LG_SETTING_EMPTY_OK,
	  .help = "a pytest suite: every test pytest collects with ARGS (one "
		  "string, e.g. 'tests/ -m leakcheck') is a workload" },
	{ .key = "threshold", .option = "threshold", .value_name = "BYTES",
	  .type = LG_SETTING_NUMBER, .flags = BOTH, .offset = WL(threshold),
	  .default_text = "16",
	  .help = "heap growth per call that still counts as clean" },
	{ .key = "calls", .option = "calls", .value_name = "N",
	  .type = LG_SETTING_WHOLE, .flags = BOTH, .offset = WL(max_calls),
	  .min = 1, .max = (double)INT64_MAX, .default_text = "100000",
	  .help = "calls per workload: fewer once clearly clean, more while "
		  "the end still grows" },
	{ .option = "no-early-stop", .type = LG_SETTING_BOOL,
	  .offset = WL(no_early_stop), .switch_value = 1, .default_text = "off",
	  .help = "exactly --calls calls, whatever the samples say" },
	{ .key = "duration", .option = "duration", .value_name = "SECS",
	  .type = LG_SETTING_NUMBER, .flags = BOTH, .offset = WL(duration),
	  .min_exclusive = 1, .default_text = "2",
	  .help = "seconds of calls to aim for" },
	{ .key = "timeout", .option = "timeout", .value_name = "SECS",
	  .type = LG_SETTING_NUMBER, .flags = BOTH, .offset = WL(timeout),
	  .min_exclusive = 1, .default_text = "120",
	  .help = "a workload still running after this is killed" },
	{ .key = "memory-limit", .option = "memory-limit", .value_name = "SIZE",
	  .type = LG_SETTING_SIZE, .flags = BOTH, .offset = WL(memory_limit_mb),
	  .default_text = "4096",
	  .help = "a workload past this resident memory is killed: MiB, or "
		  "512M, 2G, 1.5G (0: none)" },
	{ .key = "jobs", .option = "jobs", .short_option = 'j',
	  .value_name = "N|auto", .type = LG_SETTING_JOBS,
	  .flags = LG_SETTING_LEAKGATE | LG_SETTING_RUN_WIDE, .offset = CFG(jobs),
	  .min = 1, .max = INT_MAX, .default_text = "1",
	  .help = "workloads measured in parallel; auto: the processors "
		  "leakgate may run on (its CPU affinity: a CI container's share)" },
	{ .key = "explain", .option = "explain", .type = LG_SETTING_CHOICE,
	  .flags = BOTH, .offset = WL(explain), .switch_value = LG_EXPLAIN_ALWAYS,
	  .choices = explain_choices, .default_text = "auto (leaks only)",
	  .help = "explain every workload, not only leaks: growing types, "
		  "allocation sites, retainer chain, kind" },
	{ .option = "no-explain", .type = LG_SETTING_CHOICE, .offset = WL(explain),
	  .switch_value = LG_EXPLAIN_NEVER, .choices = explain_choices,
	  .help = "no explain pass, not even for leaks" },
	{ .key = "fail-on-cycles", .option = "fail-on-cycles",
	  .type = LG_SETTING_BOOL, .flags = BOTH, .offset = WL(fail_on_cycles),
	  .switch_value = 1, .default_text = "off",
	  .help = "cyclic garbage (objects freed by gc) fails the workload" },
	{ .key = "fail-inconclusive", .option = "fail-inconclusive",
	  .type = LG_SETTING_BOOL, .flags = BOTH, .offset = WL(fail_inconclusive),
	  .switch_value = 1, .default_text = "off",
	  .help = "a workload without enough evidence for clean or leak fails" },
	{ .key = "regression-floor", .option = "regression-floor",
	  .value_name = "BYTES", .type = LG_SETTING_NUMBER,
	  .flags = BOTH | LG_SETTING_RUN_ONLY, .offset = WL(regression_floor),
	  .default_text = "16",
	  .help = "growth per call above the baseline's that is still the same "
		  "(--baseline)" },
	{ .key = "regression-tolerance", .option = "regression-tolerance",
	  .value_name = "FRACTION", .type = LG_SETTING_NUMBER,
	  .flags = BOTH | LG_SETTING_RUN_ONLY, .offset = WL(regression_tolerance),
	  .default_text = "0.25",
	  .help = "the same, as a share of the baseline's slope (the larger of "
		  "the two counts)" },
	{ .key = "junit", .option = "junit", .value_name = "FILE",
	  .type = LG_SETTING_STRING, .offset = CFG(junit),
	  .flags = LG_SETTING_LEAKGATE | LG_SETTING_RUN_WIDE | LG_SETTING_RUN_ONLY,
	  .help = "write JUnit XML (to a temporary file, then renamed)" },
	{ .key = "expect", .type = LG_SETTING_CHOICE, .flags = LG_SETTING_WORKLOAD,
	  .offset = WL(expect_leak), .choices = expect_choices,
	  .default_text = "clean",
	  .help = "leak: a known leak, reported, that does not fail the gate" },
	{ .key = "target", .value_name = "TARGET", .type = LG_SETTING_TARGET,
	  .flags = LG_SETTING_WORKLOAD,
	  .offset = WL(target),
	  .help = "what to call: FILE.py:FUNCTION, MODULE:FUNCTION, "
		  "pytest:NODE_ID or unittest:MODULE.CLASS.METHOD; a pytest "
		  "node id as the section's name implies it" },
};

const size_t lg_settings_count = sizeof(lg_settings) / sizeof(*lg_settings);

int lg_setting_find_key(const char *key, unsigned flags)
{
	for (size_t i = 0; i < lg_settings_count; i++)
		if ((lg_settings[i].flags & flags) && lg_settings[i].key &&
		    strcmp(lg_settings[i].key, key) == 0)
			return (int)i;
	return -1;
}

int lg_setting_find_option(const char *option)
{
	for (size_t i = 0; i < lg_settings_count; i++)
		if (lg_settings[i].option && strcmp(lg_settings[i].option, option) == 0)
			return (int)i;
	return -1;
}

/* Where a value comes from: the file (path set) or the command line. */
typedef struct {
	const char *path;  /* NULL: the command line */
	const char *name;  /* the key as named, or the long option */
} source;

static int bad_value(const source *src, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "PATH: KEY: 'VALUE' problem", or "--OPTION: 'VALUE' problem" */
static int bad_value(const source *src, const char *value, const char *fmt, ...)
{
	char problem[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	if (src->path)
		lg_error_set("%s: %s: '%s' %s", src->path, src->name, value, problem);
	else
		lg_error_set("--%s: '%s' %s", src->name, value, problem);
	return LG_EINVALID;
}

static int parse_number(double *out, const lg_setting *s, const source *src,
			const char *value)
{
	const char *op = s->min_exclusive ? ">" : ">=";
	double v;
	int parsed = lg_parse_double(&v, value) == 0;

	if (parsed && (s->min_exclusive ? v > s->min : v >= s->min)) {
		*out = v;
		return 0;
	}
	/* The command line says it in one phrase, the file in two. */
	if (!src->path)
		return bad_value(src, value, "is not a number %s %g", op, s->min);
	if (!parsed)
		return bad_value(src, value, "is not a number");
	return bad_value(src, value, "must be %s %g", op, s->min);
}

static int parse_whole(int64_t *out, const lg_setting *s, const source *src,
		       const char *value)
{
	const char *what = s->type == LG_SETTING_JOBS ? "auto or a whole number"
						       : "a whole number";
	int64_t v;
	int parsed = lg_parse_i64(&v, value) == 0;

	if (s->type == LG_SETTING_JOBS && strcmp(value, "auto") == 0) {
		*out = lg_proc_cpus();
		return 0;
	}
	if (parsed && v >= (int64_t)s->min && (double)v <= s->max) {
		*out = v;
		return 0;
	}
	if (!src->path && (!parsed || v < (int64_t)s->min))
		return bad_value(src, value, "is not %s >= %lld", what,
				 (long long)s->min);
	if (!src->path)
		return bad_value(src, value, "is not %s from %lld to %lld", what,
				 (long long)s->min, (long long)s->max);
	if (!parsed)
		return bad_value(src, value, "is not %s", what);
	if (v < (int64_t)s->min)
		return bad_value(src, value, "must be >= %lld", (long long)s->min);
	return bad_value(src, value, "must be <= %lld", (long long)s->max);
}

static int parse_choice(int *out, const lg_setting *s, const source *src,
			const char *value)
{
	lg_buf names = LG_BUF_INIT;
	size_t i, count;
	int rc = 0;

	for (count = 0; s->choices[count].name; count++) {
		if (strcmp(s->choices[count].name, value) == 0) {
			*out = s->choices[count].value;
			return 0;
		}
	}
	/* "auto, always or never" */
	for (i = 0; i < count && rc == 0; i++)
		rc = lg_buf_printf(&names, "%s%s", i == 0 ? "" : i + 1 == count
				   ? " or " : ", ", s->choices[i].name);
	if (rc == 0)
		rc = bad_value(src, value, "is not %s", lg_buf_cstr(&names));
	lg_buf_dispose(&names);
	return rc;
}

/* A relative path in the file is relative to the file's directory. */
static int set_path(char **field, const source *src, const char *value)
{
	const char *slash = src->path ? strrchr(src->path, '/') : NULL;
	char *joined;

	if (value[0] == '/' || !slash)
		return lg_string_set(field, value);
	if (asprintf(&joined, "%.*s%s", (int)(slash - src->path) + 1, src->path,
		     value) < 0)
		return lg_error_oom();
	free(*field);
	*field = joined;
	return 0;
}

static int parse_target(char **field, const source *src, const char *value)
{
	char *path, *function;
	int is_file, rc;

	rc = lg_workload_parse_target(&path, &function, &is_file, value);
	free(path);
	free(function);
	if (rc == LG_EINVALID)
		lg_error_set("%s: %s: %s", src->path, src->name, lg_error_last());
	if (rc < 0)
		return rc;
	return is_file ? set_path(field, src, value) : lg_string_set(field, value);
}

static void *field_of(const lg_setting *s, lg_workload *wl, lg_config *cfg)
{
	return (char *)(s->flags & LG_SETTING_RUN_WIDE ? (void *)cfg : (void *)wl)
	       + s->offset;
}

static int parse(void *field, const lg_setting *s, const source *src,
		 const char *value)
{
	int64_t whole;
	int rc;

	switch (s->type) {
	case LG_SETTING_NUMBER:
		return parse_number(field, s, src, value);
	case LG_SETTING_WHOLE:
		return parse_whole(field, s, src, value);
	case LG_SETTING_JOBS:
		if ((rc = parse_whole(&whole, s, src, value)) == 0)
			*(int *)field = (int)whole;
		return rc;
	case LG_SETTING_SIZE:
		if (lg_parse_size_mb(field, value) < 0)
			return bad_value(src, value, "is not a size: MiB, or with "
					 "a unit (512M, 2G, 1.5G; 0 = none)");
		return 0;
	case LG_SETTING_BOOL:
		/* git's booleans: true/false, yes/no, on/off, 1/0. */
		if (git_config_parse_bool(field, value) < 0)
			return bad_value(src, value, "is not true or false");
		return 0;
	case LG_SETTING_CHOICE:
		return parse_choice(field, s, src, value);
	case LG_SETTING_STRING:
		if (!*value && !(s->flags & LG_SETTING_EMPTY_OK))
			return bad_value(src, value, "is empty");
		return lg_string_set(field, value);
	case LG_SETTING_PROGRAM:
		if (!*value)
			return bad_value(src, value, "is not an interpreter");
		/* A bare name is looked up on PATH, not next to the file. */
		return strchr(value, '/') ? set_path(field, src, value)
					  : lg_string_set(field, value);
	case LG_SETTING_TARGET:
		return parse_target(field, src, value);
	}
	return lg_error_set("%s: unhandled setting type", src->name);
}

int lg_setting_parse_key(lg_workload *wl, lg_config *cfg, int row,
			 const char *path, const char *name, const char *value)
{
	const lg_setting *s = &lg_settings[row];
	source src = { path, name };

	return parse(field_of(s, wl, cfg), s, &src, value);
}

int lg_setting_parse_option(lg_config *set, int row, const char *value)
{
	const lg_setting *s = &lg_settings[row];
	source src = { NULL, s->option };
	int *flag = field_of(s, &set->defaults, set);

	if (!s->value_name) {
		*flag = s->switch_value;
		return 0;
	}
	return parse(flag, s, &src, value);
}

int lg_setting_copy(lg_workload *dst, lg_config *dst_cfg,
		    const lg_workload *src, const lg_config *src_cfg,
		    uint32_t given)
{
	for (size_t i = 0; i < lg_settings_count; i++) {
		const lg_setting *s = &lg_settings[i];
		const void *from;
		void *to;

		if (!(given & LG_SETTING_BIT(i)) ||
		    (!dst_cfg && (s->flags & LG_SETTING_RUN_WIDE)))
			continue;
		/* Only read, through a pointer that field_of cannot make const. */
		from = field_of(s, (lg_workload *)src, (lg_config *)src_cfg);
		to = field_of(s, dst, dst_cfg);
		switch (s->type) {
		case LG_SETTING_NUMBER:
			*(double *)to = *(const double *)from;
			break;
		case LG_SETTING_WHOLE:
		case LG_SETTING_SIZE:
			*(int64_t *)to = *(const int64_t *)from;
			break;
		case LG_SETTING_JOBS:
		case LG_SETTING_BOOL:
		case LG_SETTING_CHOICE:
			*(int *)to = *(const int *)from;
			break;
		case LG_SETTING_STRING:
		case LG_SETTING_PROGRAM:
		case LG_SETTING_TARGET:
			if (lg_string_set(to, *(char *const *)from) < 0)
				return LG_ENOMEM;
			break;
		}
	}
	return 0;
}

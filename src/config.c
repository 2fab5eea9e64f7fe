#include "leakgate/config.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/proc.h"
#include "leakgate/libgit2.h"
#include "leakgate/parse.h"

/* What a key sets; also the bits of a workload's `given` mask. */
enum {
	SET_PYTHON = 1u << 0,
	SET_THRESHOLD = 1u << 1,
	SET_TIMEOUT = 1u << 2,
	SET_CALLS = 1u << 3,
	SET_DURATION = 1u << 4,
	SET_MEMORY_LIMIT = 1u << 5,
	SET_EXPECT = 1u << 6,
	SET_TARGET = 1u << 7,
	SET_JOBS = 1u << 8,
	SET_JUNIT = 1u << 9,
	SET_REGRESSION_FLOOR = 1u << 10,
	SET_REGRESSION_TOLERANCE = 1u << 11,
	SET_EXPLAIN = 1u << 12,
	SET_FAIL_ON_CYCLES = 1u << 13,
	SET_PYTEST = 1u << 14,
	SET_FAIL_INCONCLUSIVE = 1u << 15
};

#define SHARED_KEYS (SET_PYTHON | SET_THRESHOLD | SET_TIMEOUT | SET_CALLS | \
		     SET_DURATION | SET_MEMORY_LIMIT | SET_REGRESSION_FLOOR | \
		     SET_REGRESSION_TOLERANCE | SET_EXPLAIN | SET_FAIL_ON_CYCLES | \
		     SET_FAIL_INCONCLUSIVE)
#define LEAKGATE_KEYS (SHARED_KEYS | SET_JOBS | SET_JUNIT | SET_PYTEST)
#define WORKLOAD_KEYS (SHARED_KEYS | SET_EXPECT | SET_TARGET)

static const struct {
	const char *key; /* lower case: libgit2 folds key names */
	unsigned setting;
} keys[] = {
	{ "python", SET_PYTHON },
	{ "threshold", SET_THRESHOLD },
	{ "timeout", SET_TIMEOUT },
	{ "calls", SET_CALLS },
	{ "duration", SET_DURATION },
	{ "memory-limit", SET_MEMORY_LIMIT },
	{ "expect", SET_EXPECT },
	{ "target", SET_TARGET },
	{ "jobs", SET_JOBS },
	{ "junit", SET_JUNIT },
	{ "regression-floor", SET_REGRESSION_FLOOR },
	{ "regression-tolerance", SET_REGRESSION_TOLERANCE },
	{ "explain", SET_EXPLAIN },
	{ "fail-on-cycles", SET_FAIL_ON_CYCLES },
	{ "fail-inconclusive", SET_FAIL_INCONCLUSIVE },
	{ "pytest", SET_PYTEST },
};

typedef struct {
	const char *path;
	size_t dir_len;   /* path's directory with its '/'; 0 when it has none */
	lg_config *cfg;   /* being filled */
	unsigned *given;  /* per workload: what its sections set */
	unsigned defaults_given; /* what [leakgate] set */
} loader;

/* A key set twice, in one section or in two of the same name: git's "the
 * last wins" would let a second `expect = clean` quietly undo the first
 * `expect = leak`. (A section may come back with other keys, as git
 * allows; libgit2 gives entries no line numbers to name.) */
static int check_repeat(loader *ld, unsigned *given, unsigned setting,
			const char *name, const char *value)
{
	if (*given & setting) {
		lg_error_set("%s: %s is set twice (the second, '%s', would win "
			     "silently): set it once", ld->path, name,
			     value ? value : "");
		return LG_EINVALID;
	}
	*given |= setting;
	return 0;
}

static int bad_value(const loader *ld, const char *key, const char *value,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "PATH: KEY: 'VALUE' problem" */
static int bad_value(const loader *ld, const char *key, const char *value,
		     const char *fmt, ...)
{
	char problem[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	lg_error_set("%s: %s: '%s' %s", ld->path, key, value, problem);
	return LG_EINVALID;
}

/* "PATH: unknown key 'NAME'", with a hint when one helps. */
static int bad_key(const loader *ld, const char *name, const char *hint)
{
	lg_error_set("%s: unknown key '%s'%s%s%s", ld->path, name,
		     *hint ? " (" : "", hint, *hint ? ")" : "");
	return LG_EINVALID;
}

/* Copies libgit2's message; its parse errors already name the line. */
/* libgit2 reads a missing file as an empty one, so look first. */
static int check_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int missing = errno == ENOENT || errno == ENOTDIR;

		lg_error_set_os("%s", path);
		return missing ? LG_ENOTFOUND : LG_EOS;
	}
	if (!S_ISREG(st.st_mode)) {
		lg_error_set("%s: %s", path, S_ISDIR(st.st_mode)
			     ? "is a directory, not a configuration file"
			     : "is not a regular file");
		return LG_EINVALID;
	}
	return 0;
}

static int parse_decimal(double *out, const loader *ld, const char *key,
			 const char *value, int zero_ok)
{
	double v;

	if (lg_parse_double(&v, value) < 0)
		return bad_value(ld, key, value, "is not a number");
	if (zero_ok ? v < 0 : v <= 0)
		return bad_value(ld, key, value, zero_ok ? "must be >= 0"
							 : "must be > 0");
	*out = v;
	return 0;
}

static int parse_whole(int64_t *out, const loader *ld, const char *key,
		       const char *value, int64_t min, int64_t max)
{
	int64_t v;

	if (lg_parse_i64(&v, value) < 0)
		return bad_value(ld, key, value, "is not a whole number");
	if (v < min)
		return bad_value(ld, key, value, "must be >= %lld", (long long)min);
	if (v > max)
		return bad_value(ld, key, value, "must be <= %lld", (long long)max);
	*out = v;
	return 0;
}

/* A relative path in the file is relative to the file's directory. */
static int set_path(char **field, const loader *ld, const char *value)
{
	char *joined;

	if (value[0] == '/' || ld->dir_len == 0)
		return lg_string_set(field, value);
	if (asprintf(&joined, "%.*s%s", (int)ld->dir_len, ld->path, value) < 0)
		return lg_error_oom();
	free(*field);
	*field = joined;
	return 0;
}

static int set_target(lg_workload *wl, const loader *ld, const char *key,
		      const char *value)
{
	char *path, *function, message[512];
	int is_file, rc;

	rc = lg_workload_parse_target(&path, &function, &is_file, value);
	free(path);
	free(function);
	if (rc == LG_EINVALID) {
		/* Copied first: lg_error_set must not read its own buffer. */
		snprintf(message, sizeof(message), "%s", lg_error_last());
		lg_error_set("%s: %s: %s", ld->path, key, message);
	}
	if (rc < 0)
		return rc;
	return is_file ? set_path(&wl->target, ld, value)
		       : lg_string_set(&wl->target, value);
}

/* Applies one key to wl (a workload, or the defaults) or to the config. */
static int apply(lg_workload *wl, const loader *ld, unsigned setting,
		 const char *key, const char *value)
{
	int64_t n;
	int rc;

	/* A bare `key` line, with no '=', has no value at all. */
	if (!value) {
		lg_error_set("%s: %s: no value (write '%s = VALUE')", ld->path,
			     key, strrchr(key, '.') + 1);
		return LG_EINVALID;
	}
	switch (setting) {
	case SET_PYTHON:
		if (!*value)
			return bad_value(ld, key, value, "is not an interpreter");
		/* A bare name is looked up on PATH, not next to the file. */
		return strchr(value, '/') ? set_path(&wl->python, ld, value)
					  : lg_string_set(&wl->python, value);
	case SET_THRESHOLD:
		return parse_decimal(&wl->threshold, ld, key, value, 1);
	case SET_TIMEOUT:
		return parse_decimal(&wl->timeout, ld, key, value, 0);
	case SET_DURATION:
		return parse_decimal(&wl->duration, ld, key, value, 0);
	case SET_CALLS:
		return parse_whole(&wl->max_calls, ld, key, value, 1, INT64_MAX);
	case SET_MEMORY_LIMIT:
		if (lg_parse_size_mb(&wl->memory_limit_mb, value) < 0)
			return bad_value(ld, key, value, "is not a size: MiB, or with "
					 "a unit (512M, 2G, 1.5G; 0 = none)");
		return 0;
	case SET_EXPECT:
		if (strcmp(value, "leak") != 0 && strcmp(value, "clean") != 0)
			return bad_value(ld, key, value, "is not leak or clean");
		wl->expect_leak = strcmp(value, "leak") == 0;
		return 0;
	case SET_TARGET:
		return set_target(wl, ld, key, value);
	case SET_REGRESSION_FLOOR:
		return parse_decimal(&wl->regression_floor, ld, key, value, 1);
	case SET_REGRESSION_TOLERANCE:
		return parse_decimal(&wl->regression_tolerance, ld, key, value, 1);
	case SET_EXPLAIN:
		if (strcmp(value, "auto") == 0)
			wl->explain = LG_EXPLAIN_AUTO;
		else if (strcmp(value, "always") == 0)
			wl->explain = LG_EXPLAIN_ALWAYS;
		else if (strcmp(value, "never") == 0)
			wl->explain = LG_EXPLAIN_NEVER;
		else
			return bad_value(ld, key, value, "is not auto, always or never");
		return 0;
	case SET_FAIL_ON_CYCLES:
		/* git's booleans: true/false, yes/no, on/off, 1/0. */
		if (git_config_parse_bool(&wl->fail_on_cycles, value) < 0)
			return bad_value(ld, key, value, "is not true or false");
		return 0;
	case SET_FAIL_INCONCLUSIVE:
		if (git_config_parse_bool(&wl->fail_inconclusive, value) < 0)
			return bad_value(ld, key, value, "is not true or false");
		return 0;
	case SET_JOBS:
		if (strcmp(value, "auto") == 0) {
			ld->cfg->jobs = lg_proc_cpus();
			return 0;
		}
		if (lg_parse_i64(&n, value) < 0)
			return bad_value(ld, key, value, "is not auto or a whole number");
		if ((rc = parse_whole(&n, ld, key, value, 1, INT_MAX)) < 0)
			return rc;
		ld->cfg->jobs = (int)n;
		return 0;
	case SET_JUNIT:
		if (!*value)
			return bad_value(ld, key, value, "is not a file name");
		return lg_string_set(&ld->cfg->junit, value);
	case SET_PYTEST:
		/* Empty is allowed: pytest's own testpaths / rootdir decide. */
		return lg_string_set(&ld->cfg->pytest, value);
	}
	return lg_error_set("%s: %s: unhandled setting", ld->path, key);
}

static unsigned find_setting(const char *key, unsigned allowed)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((keys[i].setting & allowed) && strcmp(keys[i].key, key) == 0)
			return keys[i].setting;
	return 0;
}

/* The workload named name[0..len), added on its first appearance. */
static int find_workload(size_t *index, loader *ld, const char *name, size_t len)
{
	lg_config *cfg = ld->cfg;
	lg_workload *grown;
	unsigned *given;
	size_t i;

	for (i = 0; i < cfg->count; i++)
		if (strlen(cfg->workloads[i].name) == len &&
		    memcmp(cfg->workloads[i].name, name, len) == 0)
			break;
	*index = i;
	if (i < cfg->count)
		return 0;
	grown = realloc(cfg->workloads, (i + 1) * sizeof(*grown));
	if (!grown)
		return lg_error_oom();
	cfg->workloads = grown;
	given = realloc(ld->given, (i + 1) * sizeof(*given));
	if (!given)
		return lg_error_oom();
	ld->given = given;
	memset(&grown[i], 0, sizeof(grown[i]));
	given[i] = 0;
	if (!(grown[i].name = strndup(name, len)))
		return lg_error_oom();
	cfg->count++;
	return 0;
}

/* name is "section.key" or "section.subsection.key" (subsection may hold dots). */
static int apply_entry(loader *ld, const char *name, const char *value)
{
	const char *first = strchr(name, '.'), *last = strrchr(name, '.');
	size_t section_len, index;
	unsigned setting;
	int rc;

	if (!first)
		return bad_key(ld, name, "not in a section");
	section_len = (size_t)(first - name);
	if (section_len == strlen("leakgate") &&
	    memcmp(name, "leakgate", section_len) == 0) {
		if (first != last)
			return bad_key(ld, name, "[leakgate] takes no name");
		if (!(setting = find_setting(last + 1, LEAKGATE_KEYS)))
			return bad_key(ld, name, "");
		if ((rc = check_repeat(ld, &ld->defaults_given, setting, name,
				       value)) < 0)
			return rc;
		return apply(&ld->cfg->defaults, ld, setting, name, value);
	}
	if (section_len != strlen("workload") ||
	    memcmp(name, "workload", section_len) != 0)
		return bad_key(ld, name, "sections are [leakgate] and [workload \"NAME\"]");
	if (first == last)
		return bad_key(ld, name, "[workload] needs a name: [workload \"NAME\"]");
	if (last == first + 1)
		return bad_key(ld, name, "the workload name is empty");
	if (!(setting = find_setting(last + 1, WORKLOAD_KEYS)))
		return bad_key(ld, name, "");
	if ((rc = find_workload(&index, ld, first + 1, (size_t)(last - first - 1))) < 0)
		return rc;
	if ((rc = check_repeat(ld, &ld->given[index], setting, name, value)) < 0)
		return rc;
	return apply(&ld->cfg->workloads[index], ld, setting, name, value);
}

/* A section named by a pytest node id needs no target: it is that test's. */
static int implied_target(lg_workload *wl, const loader *ld)
{
	char *classname, *name;
	int rc;

	if (!strstr(wl->name, "::")) {
		lg_error_set("%s: workload.%s.target: missing; every [workload] "
			     "needs 'target = FILE.py:FUNCTION' or a pytest node "
			     "id as its name", ld->path, wl->name);
		return LG_EINVALID;
	}
	if (asprintf(&wl->target, "pytest:%s", wl->name) < 0) {
		wl->target = NULL;
		return lg_error_oom();
	}
	rc = lg_workload_test_names(&classname, &name, wl->target);
	free(classname);
	free(name);
	if (rc == LG_EINVALID) {
		lg_error_set("%s: [workload \"%s\"]: not a pytest node id "
			     "(FILE.py::TEST)", ld->path, wl->name);
	}
	return rc;
}

/* Every workload takes what its sections left unset from the final defaults. */
static int fill_workloads(const loader *ld)
{
	const lg_config *cfg = ld->cfg;
	const lg_workload *d = &cfg->defaults;

	for (size_t i = 0; i < cfg->count; i++) {
		lg_workload *wl = &cfg->workloads[i];
		unsigned given = ld->given[i];
		int rc;

		if (!wl->target && (rc = implied_target(wl, ld)) < 0)
			return rc;
		if (!(given & SET_PYTHON) &&
		    (rc = lg_string_set(&wl->python, d->python)) < 0)
			return rc;
		if (!(given & SET_THRESHOLD))
			wl->threshold = d->threshold;
		if (!(given & SET_TIMEOUT))
			wl->timeout = d->timeout;
		if (!(given & SET_CALLS))
			wl->max_calls = d->max_calls;
		if (!(given & SET_DURATION))
			wl->duration = d->duration;
		if (!(given & SET_MEMORY_LIMIT))
			wl->memory_limit_mb = d->memory_limit_mb;
		if (!(given & SET_EXPECT))
			wl->expect_leak = d->expect_leak;
		if (!(given & SET_REGRESSION_FLOOR))
			wl->regression_floor = d->regression_floor;
		if (!(given & SET_REGRESSION_TOLERANCE))
			wl->regression_tolerance = d->regression_tolerance;
		if (!(given & SET_EXPLAIN))
			wl->explain = d->explain;
		if (!(given & SET_FAIL_ON_CYCLES))
			wl->fail_on_cycles = d->fail_on_cycles;
		if (!(given & SET_FAIL_INCONCLUSIVE))
			wl->fail_inconclusive = d->fail_inconclusive;
	}
	return 0;
}

static int read_entries(loader *ld)
{
	git_config *gcfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	int rc, err;

	if ((rc = lg_libgit2_start()) < 0)
		return rc;
	if (git_config_new(&gcfg) < 0 ||
	    git_config_add_file_ondisk(gcfg, ld->path, GIT_CONFIG_LEVEL_APP,
				       NULL, 1) < 0 ||
	    git_config_iterator_new(&it, gcfg) < 0) {
		rc = lg_error_git("%s", ld->path);
		goto out;
	}
	/* One file, so entries come in file order (check_repeat). */
	while ((err = git_config_next(&entry, it)) == 0)
		if ((rc = apply_entry(ld, entry->name, entry->value)) < 0)
			goto out;
	rc = err == GIT_ITEROVER ? 0 : lg_error_git("%s", ld->path);
out:
	git_config_iterator_free(it);
	git_config_free(gcfg);
	return rc;
}

int lg_config_load(lg_config *out, const char *path, const lg_workload *base)
{
	const char *slash = strrchr(path, '/');
	loader ld = { path, slash ? (size_t)(slash - path) + 1 : 0, out, NULL, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_file(path)) < 0 ||
	    (rc = lg_workload_copy(&out->defaults, base)) < 0 ||
	    (rc = read_entries(&ld)) < 0 ||
	    (rc = fill_workloads(&ld)) < 0)
		lg_config_dispose(out);
	free(ld.given);
	return rc;
}

void lg_config_dispose(lg_config *cfg)
{
	if (!cfg)
		return;
	lg_workload_dispose(&cfg->defaults);
	for (size_t i = 0; i < cfg->count; i++)
		lg_workload_dispose(&cfg->workloads[i]);
	free(cfg->workloads);
	free(cfg->junit);
	free(cfg->pytest);
	memset(cfg, 0, sizeof(*cfg));
}

#ifndef LEAKGATE_WORKLOAD_H
#define LEAKGATE_WORKLOAD_H

#include <stdint.h>

/* One function to call again and again, with the settings to measure it. */
typedef struct {
	char *name;         /* config section name, or the target itself */
	char *target;       /* "path/to/file.py:function", "pkg.module:function",
			     * "pytest:NODE_ID" or "unittest:MODULE.CLASS.METHOD" */
	char *python;       /* interpreter to run: a path or a name on PATH */
	char *pytest_args;  /* the suite's pytest arguments (one shell-quoted
			     * string) for a pytest: target; NULL: none */
	double threshold;   /* heap bytes per call that still count as clean */
	double timeout;     /* seconds before the child is killed */
	int64_t max_calls;  /* most calls to make */
	double duration;    /* seconds of calls to aim for */
	int64_t memory_limit_mb; /* resident memory cap of the child; 0 = none */
	int expect_leak;    /* expect = leak: a known leak that does not fail */
	/* Against a baseline (baseline.h): growth must exceed the baseline's
	 * CI by max(floor, tolerance x |baseline slope|) to be a regression. */
	double regression_floor;     /* bytes per call */
	double regression_tolerance; /* share of the baseline's slope */
	/* The explain pass (explanation.h) and cyclic garbage. */
	int explain;        /* LG_EXPLAIN_AUTO (leaks only), _ALWAYS or _NEVER */
	int fail_on_cycles; /* cyclic garbage above 0 objects/call fails */
	int fail_inconclusive; /* an inconclusive verdict fails (verdict.h) */
	/* --no-early-stop: exactly max_calls calls, whatever the samples say
	 * (0: the runner ends the run once the verdict is settled). */
	int no_early_stop;
} lg_workload;

/* When the explain pass runs: auto explains leaks (the default). */
enum { LG_EXPLAIN_AUTO = 0, LG_EXPLAIN_ALWAYS, LG_EXPLAIN_NEVER };

/* Built-in defaults; strings are static and must be copied before freeing. */
#define LG_WORKLOAD_DEFAULT_PYTHON "python3"
#define LG_WORKLOAD_DEFAULT_THRESHOLD 16.0
#define LG_WORKLOAD_DEFAULT_TIMEOUT 120.0
#define LG_WORKLOAD_DEFAULT_MAX_CALLS 100000
#define LG_WORKLOAD_DEFAULT_DURATION 2.0
#define LG_WORKLOAD_DEFAULT_MEMORY_LIMIT_MB 4096
#define LG_WORKLOAD_DEFAULT_REGRESSION_FLOOR 16.0
#define LG_WORKLOAD_DEFAULT_REGRESSION_TOLERANCE 0.25

/* Fill *wl with the built-in defaults (strings copied; name/target NULL). */
int lg_workload_init_defaults(lg_workload *wl);

/* Deep copy; out is overwritten, not freed (zeroed on failure). */
int lg_workload_copy(lg_workload *out, const lg_workload *src);

/*
 * Split a target into its parts: "dir/f.py:func" gives path "dir/f.py",
 * is_file 1; "pkg.mod:func" gives path "pkg.mod", is_file 0. Split at the
 * last ':'; the left part is a file when it has a '/' or ends in ".py". The
 * function may be a dotted attribute path ("Parser.run"); module and function
 * parts are ASCII identifiers joined by dots. A test target (pytest: a node
 * id with "::" after a file path, any text after it; unittest: at least
 * MODULE.CLASS.METHOD) gives its classname and name (lg_workload_test_names),
 * is_file 0: a node id is relative to pytest's rootdir, not to a directory
 * leakgate knows. LG_EINVALID with a message naming the target when
 * malformed. Caller frees both strings (NULL on error).
 */
int lg_workload_parse_target(char **path_out, char **function_out,
			     int *is_file, const char *target);

/* What a target names: a function, or an existing test (by its prefix). */
typedef enum {
	LG_TARGET_FUNCTION,
	LG_TARGET_PYTEST,   /* "pytest:tests/test_api.py::TestApi::test_get[x]" */
	LG_TARGET_UNITTEST  /* "unittest:pkg.test_api.ApiTest.test_get" */
} lg_target_kind;

lg_target_kind lg_workload_target_kind(const char *target);

/*
 * The names pytest's junitxml gives a test target: classname the dotted
 * module (and class), name the test with its parameters;
 * "pytest:tests/test_a.py::TestA::test_b[x]" gives "tests.test_a.TestA",
 * "test_b[x]". A unittest target splits at its last dot. LG_EINVALID when
 * target is not a test target.
 */
int lg_workload_test_names(char **classname_out, char **name_out,
			   const char *target);

void lg_workload_dispose(lg_workload *wl);

#endif

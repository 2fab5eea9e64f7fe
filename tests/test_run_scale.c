/*
 * Scale: a run of 10,000 workloads (built in memory, judged, not run)
 * written as JUnit, read back, rendered by `leakgate report` and merged
 * from 50 shard files by `leakgate merge`, each result checked (their
 * times, with goals — write and read under a second of CPU, the processes
 * looser — are the benchmark's); and real workloads with -j 2 in a runner
 * whose peak memory grows by little more than their results.
 * LG_SCALE_BENCH=1 prints the figures and runs 200 workloads
 * (tests/bench-scale.sh).
 */
#include "lg_test.h"
#include "lg_run.h"

#include <sys/resource.h>
#include <time.h>

#include "leakgate/junit_read.h"
#include "leakgate/verdict.h"

#include "cli/run_setup.h"

#define CASES 10000
#define SHARDS 50
#define SAMPLES 40

/* The goals are on CPU time, which other jobs on the machine stretch
 * less than wall time; sanitized builds (make sanitize) are several times slower, so
 * it is checked on the normal build only. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#define TIME_BOUND 1e9
#define PROCESS_BOUND 1e9
#else
#define SANITIZED 0
#define TIME_BOUND 1.0
/* A whole `leakgate report` / `merge` process: the read (TIME_BOUND),
 * start-up, a cold heap's page faults (a third of it on the CI machine, a
 * VM), 10,000 rows rendered or 40 MB of XML written. It takes 0.5 s
 * (report) and 0.7 s (merge) of CPU there today, under load: the bound
 * says "the same order", the benchmark line how far under 1 s it is. */
#define PROCESS_BOUND 2.0
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall and CPU time, of this process or of its children. */
typedef struct {
	double wall;
	double cpu;
} stopwatch;

static double cpu_seconds(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void stopwatch_start(stopwatch *w, int who)
{
	w->wall = now();
	w->cpu = cpu_seconds(who);
}

/* Each timing is the best of ATTEMPTS: other jobs on the machine only
 * ever add time. */
#define ATTEMPTS 3

static void stopwatch_stop(stopwatch *best, const stopwatch *w, int who, int attempt)
{
	double wall = now() - w->wall, cpu = cpu_seconds(who) - w->cpu;

	if (attempt == 0 || cpu < best->cpu) {
		best->cpu = cpu;
		best->wall = wall;
	}
}

/* Times are the benchmark's (LG_SCALE_BENCH, make bench) to judge: in make
 * check a time bound only flakes with the machine's load, so there the
 * inputs are built and the results checked, not timed. */
static void report_time(const char *what, const stopwatch *best, double bound)
{
	if (!getenv("LG_SCALE_BENCH"))
		return;
	printf("scale: %-40s %6.3f s CPU %6.3f s wall (best of %d)\n", what,
	       best->cpu, best->wall, ATTEMPTS);
	if (best->cpu >= bound)
		fail_msg("%s took %.2f s of CPU (goal %.0f s)", what, best->cpu, bound);
}

/* Workload i: every 10th leaks, every 25th raised, the rest clean. */
static void build_result(lg_workload_result *r, size_t i)
{
	lg_fit_options fit = LG_FIT_OPTIONS_INIT;
	lg_workload wl;
	char name[64], target[128];
	int leaks = i % 10 == 3, raised = i % 25 == 7;

	snprintf(name, sizeof(name), "workload-%05zu", i);
	snprintf(target, sizeof(target), "tests/scale/mod%03zu.py:case_%05zu", i % 100, i);
	assert_lg_ok(lg_workload_init_defaults(&wl));
	assert_lg_ok(lg_string_set(&wl.name, name));
	assert_lg_ok(lg_string_set(&wl.target, target));
	assert_lg_ok(lg_workload_result_init(r, &wl, 16384));
	lg_workload_dispose(&wl);
	r->series.present = (1u << LG_METRIC_PYMALLOC_BYTES) | (1u << LG_METRIC_MALLOC_BYTES) |
			    (1u << LG_METRIC_GC_OBJECTS) | (1u << LG_METRIC_FDS);
	for (int k = 0; k < SAMPLES; k++) {
		lg_sample s;

		memset(&s, 0, sizeof(s));
		s.calls = (int64_t)(k + 1) * 1000;
		s.elapsed_ns = s.calls * 2000;
		s.value[LG_METRIC_PYMALLOC_BYTES] = 4000000 + (leaks ? s.calls * 300 : 0) +
						    (int64_t)((i * 7 + (size_t)k * 13) % 97);
		s.value[LG_METRIC_MALLOC_BYTES] = 3000000 + (int64_t)((i + (size_t)k * 31) % 89);
		s.value[LG_METRIC_GC_OBJECTS] = 13000 + (leaks ? s.calls : 0);
		s.value[LG_METRIC_FDS] = 9;
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
	r->outcome = raised ? LG_OUTCOME_EXCEPTION : LG_OUTCOME_COMPLETED;
	if (raised) {
		r->detail = strdup("ValueError: bad input <&>");
		r->traceback = strdup("Traceback (most recent call last):\n  File \"x.py\", "
				      "line 3, in case\nValueError: bad input <&>\n");
	}
	assert_lg_ok(lg_tail_add(&r->out, "some output\n", 12));
	r->seconds = 2.0;
	assert_lg_ok(lg_judge(r, &fit));
}

static void build_run(lg_run_result *run, size_t count)
{
	run->items = calloc(count, sizeof(*run->items));
	assert_non_null(run->items);
	for (size_t i = 0; i < count; i++) {
		build_result(&run->items[i], i);
		run->count = i + 1;
	}
	run->started = 1700000000;
	run->seconds = 600;
}

/* Run the binary ATTEMPTS times; res holds the last run's output. */
static void run_binary(lg_run_output *res, const char *what, const char *const *args,
		       double bound)
{
	stopwatch w, best;

	for (int i = 0; i < ATTEMPTS; i++) {
		if (i)
			lg_run_output_dispose(res);
		stopwatch_start(&w, RUSAGE_CHILDREN);
		lg_run_exec(res, NULL, args);
		stopwatch_stop(&best, &w, RUSAGE_CHILDREN, i);
	}
	report_time(what, &best, bound);
}

static void test_ten_thousand_cases(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT, back = LG_RUN_RESULT_INIT;
	lg_run_result merged_back = LG_RUN_RESULT_INIT;
	char *dir = lg_run_tmpdir(), junit[4096], merged[4096], shard[4096];
	const char *merge_args[SHARDS + 5];
	lg_run_output res;
	stopwatch w, best;

	(void)state;
	build_run(&run, CASES);
	snprintf(junit, sizeof(junit), "%s/run.xml", dir);
	for (int i = 0; i < ATTEMPTS; i++) {
		stopwatch_start(&w, RUSAGE_SELF);
		assert_lg_ok(lg_run_write_junit(&run, junit));
		stopwatch_stop(&best, &w, RUSAGE_SELF, i);
	}
	report_time("junit write, 10000 cases", &best, TIME_BOUND);

	for (int i = 0; i < ATTEMPTS; i++) {
		if (i)
			lg_run_result_dispose(&back);
		stopwatch_start(&w, RUSAGE_SELF);
		assert_lg_ok(lg_junit_read(&back, junit));
		stopwatch_stop(&best, &w, RUSAGE_SELF, i);
	}
	report_time("junit read, 10000 cases", &best, TIME_BOUND);
	assert_int_equal(back.count, CASES);
	assert_string_equal(back.items[CASES - 1].workload.name, "workload-09999");
	assert_int_equal(lg_run_status_of(&back), LG_RUN_FAILED);
	lg_run_result_dispose(&back);

	{
		const char *args[] = { "report", "-o", NULL, junit, NULL };
		char out[4200];

		snprintf(out, sizeof(out), "%s/report.txt", dir);
		args[2] = out;
		run_binary(&res, "leakgate report, 10000 cases", args, PROCESS_BOUND);
		if (res.code != 0)
			fail_msg("report: exit %d: %s", res.code, res.err);
		lg_run_output_dispose(&res);
	}

	/* 50 shards of 200, as `run --shard K/50` would write them. */
	merge_args[0] = "merge";
	merge_args[1] = "-o";
	snprintf(merged, sizeof(merged), "%s/merged.xml", dir);
	merge_args[2] = merged;
	for (size_t k = 0; k < SHARDS; k++) {
		lg_run_result part = run;

		part.items = run.items + k * (CASES / SHARDS);
		part.count = CASES / SHARDS;
		snprintf(shard, sizeof(shard), "%s/shard-%02zu.xml", dir, k);
		assert_lg_ok(lg_run_write_junit(&part, shard));
		merge_args[3 + k] = strdup(shard);
	}
	merge_args[3 + SHARDS] = NULL;
	run_binary(&res, "leakgate merge, 50 shards of 200 cases", merge_args,
		   PROCESS_BOUND);
	if (res.code != 1)
		fail_msg("merge: exit %d: %s", res.code, res.err);
	lg_run_output_dispose(&res);
	assert_lg_ok(lg_junit_read(&merged_back, merged));
	assert_int_equal(merged_back.count, CASES);
	assert_string_equal(merged_back.items[CASES - 1].workload.name, "workload-09999");
	assert_int_equal(lg_run_status_of(&merged_back), LG_RUN_FAILED);

	for (size_t k = 0; k < SHARDS; k++)
		free((char *)merge_args[3 + k]);
	lg_run_result_dispose(&merged_back);
	lg_run_result_dispose(&run);
	lg_run_cleanup(dir, NULL, NULL);
}

/* Highest VmHWM (peak resident set) of pid read while it runs, in KiB. */
static long peak_kib(pid_t pid)
{
	char path[64], line[256];
	long peak = 0, v;
	int status;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		FILE *f = fopen(path, "r");
		int runner = 0;

		/* Not before the exec: the fork's peak is this test's. */
		while (f && fgets(line, sizeof(line), f)) {
			if (strncmp(line, "Name:", 5) == 0)
				runner = strstr(line, "leakgate") != NULL;
			if (runner && sscanf(line, "VmHWM: %ld kB", &v) == 1 && v > peak)
				peak = v;
		}
		if (f)
			fclose(f);
		usleep(20000);
	}
	/* Whatever the (short) runs' verdicts: it ran and reported. */
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) != 2 && WEXITSTATUS(status) < 4);
	return peak;
}

/* The interpreter python3 on PATH runs, so that each workload does not
 * start through wrappers (pyenv's shims are shell scripts). */
static void resolve_python(char *out, size_t size)
{
	FILE *p = popen("python3 -c 'import sys; print(sys.executable)'", "r");

	assert_non_null(p);
	if (!fgets(out, (int)size, p))
		snprintf(out, size, "python3");
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
}

/* n copies of a quick clean workload with -j 2; the runner's peak RSS. */
static long run_many(const char *dir, int n)
{
	lg_buf conf = LG_BUF_INIT;
	char path[4096], junit[4096], python[4096];
	pid_t pid;

	resolve_python(python, sizeof(python));
	assert_lg_ok(lg_buf_printf(&conf, "[leakgate]\n\tcalls = 50\n\tduration = 0.01\n"
				   "\tpython = %s\n\texplain = never\n", python));
	for (int i = 0; i < n; i++)
		assert_lg_ok(lg_buf_printf(&conf, "[workload \"w%03d\"]\n\ttarget = "
					   LG_SOURCE_DIR "/tests/workloads/clean_lru_cache.py:run\n",
					   i));
	snprintf(path, sizeof(path), "%s/many-%d.conf", dir, n);
	snprintf(junit, sizeof(junit), "%s/many-%d.xml", dir, n);
	lg_run_write_file(path, conf.ptr);
	lg_buf_dispose(&conf);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl(lg_run_binary(), lg_run_binary(), "run", "-q", "-j", "2",
		      "--config", path, "--junit", junit, (char *)NULL);
		_exit(127);
	}
	return peak_kib(pid);
}

/* What the runner keeps per workload is its result, and at the end its
 * JUnit testsuite (about 7 KB of XML, rendered in memory through libxml2's
 * tree: several times that): more workloads may cost it PER_WORKLOAD_KIB
 * each at most, which keeping samples or output without a bound would
 * exceed. make check compares 20 with 40; the benchmark (LG_SCALE_BENCH)
 * 20 with 200. */
#define PER_WORKLOAD_KIB 256

static void test_many_workloads(void **state)
{
	char *dir = lg_run_tmpdir();
	int many = getenv("LG_SCALE_BENCH") ? 200 : 40;
	double t = now();
	long at20, at_many;

	(void)state;
	at20 = run_many(dir, 20);
	at_many = run_many(dir, many);
	if (getenv("LG_SCALE_BENCH")) {
		printf("scale: runner peak RSS, 20 workloads -j 2     %6ld KiB\n", at20);
		printf("scale: runner peak RSS, %d workloads -j 2    %6ld KiB\n", many, at_many);
		printf("scale: 20 + %d workloads ran in              %6.1f s wall\n", many,
		       now() - t);
	}
	assert_true(at20 > 0);
	/* ASan keeps freed memory in quarantine: no bound there. */
	if (!SANITIZED && at_many > at20 + (many - 20) * PER_WORKLOAD_KIB)
		fail_msg("peak RSS %ld KiB at %d workloads, %ld KiB at 20", at_many,
			 many, at20);
	lg_run_cleanup(dir, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ten_thousand_cases),
		cmocka_unit_test(test_many_workloads),
	};

	return cmocka_run_group_tests_name("run_scale", tests, NULL, NULL);
}

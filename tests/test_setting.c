/* The settings table (setting.h) and its readers: the command line and the
 * precedence of a run's plan over the configuration file. */
#include "lg_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/setting.h"

#include "cli/run_setup.h"

/* Every row is whole, and no key, option or short option is said twice. */
static void test_table_rows_are_whole_and_distinct(void **state)
{
	(void)state;
	assert_true(lg_settings_count <= 32); /* the bits of a `given` mask */
	assert_true(LG_RUN_OPT_SETTING + (int)lg_settings_count <= LG_RUN_OPT_NEXT);
	for (size_t i = 0; i < lg_settings_count; i++) {
		const lg_setting *s = &lg_settings[i];

		assert_true(s->key || s->option);
		assert_non_null(s->help);
		assert_true(strlen(s->help) > 0);
		assert_true(s->type <= LG_SETTING_TARGET);
		/* A key belongs to a section; a run-wide field to [leakgate]. */
		if (s->key)
			assert_true(s->flags & (LG_SETTING_LEAKGATE | LG_SETTING_WORKLOAD));
		if (s->flags & LG_SETTING_RUN_WIDE)
			assert_false(s->flags & LG_SETTING_WORKLOAD);
		/* A switch stores into an int; a key needs a way to be written. */
		if (s->option && !s->value_name)
			assert_true(s->type == LG_SETTING_BOOL ||
				    s->type == LG_SETTING_CHOICE);
		if (s->type == LG_SETTING_CHOICE)
			assert_non_null(s->choices);
		if (s->key && s->type != LG_SETTING_CHOICE &&
		    s->type != LG_SETTING_BOOL)
			assert_non_null(s->value_name);
		/* -c, -q, -v and -h are the commands' own. */
		if (s->short_option)
			assert_null(strchr("cqvh", s->short_option));
		for (size_t k = i + 1; k < lg_settings_count; k++) {
			const lg_setting *t = &lg_settings[k];

			if (s->key && t->key)
				assert_string_not_equal(s->key, t->key);
			if (s->option && t->option)
				assert_string_not_equal(s->option, t->option);
			if (s->short_option)
				assert_int_not_equal(s->short_option, t->short_option);
		}
	}
}

/* The settings added the old way are rows too. */
static void test_every_setting_has_its_row(void **state)
{
	static const char *const keys[] = {
		"python", "pytest", "threshold", "calls", "duration", "timeout",
		"memory-limit", "jobs", "explain", "fail-on-cycles",
		"fail-inconclusive", "regression-floor", "regression-tolerance",
		"junit", "expect", "target",
	};
	static const char *const options[] = { "no-early-stop", "no-explain" };

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		assert_true(lg_setting_find_key(keys[i], LG_SETTING_LEAKGATE |
						LG_SETTING_WORKLOAD) >= 0);
	for (size_t i = 0; i < sizeof(options) / sizeof(*options); i++)
		assert_true(lg_setting_find_option(options[i]) >= 0);
	/* jobs and junit are for the whole run; expect for one workload. */
	assert_int_equal(lg_setting_find_key("jobs", LG_SETTING_WORKLOAD), -1);
	assert_int_equal(lg_setting_find_key("expect", LG_SETTING_LEAKGATE), -1);
	assert_int_equal(lg_setting_find_option("nonsense"), -1);
}

/* The defaults --help and the docs state are the built-in ones. */
static void test_stated_defaults_are_the_built_in_ones(void **state)
{
	lg_workload built_in, stated;
	lg_config cfg = { .jobs = 0 };

	(void)state;
	assert_lg_ok(lg_workload_init_defaults(&built_in));
	memset(&stated, 0, sizeof(stated));
	for (size_t i = 0; i < lg_settings_count; i++) {
		const lg_setting *s = &lg_settings[i];
		size_t size = s->type == LG_SETTING_NUMBER ? sizeof(double)
							  : sizeof(int64_t);

		if (!s->default_text || (s->flags & LG_SETTING_RUN_WIDE) ||
		    (s->type != LG_SETTING_NUMBER && s->type != LG_SETTING_WHOLE &&
		     s->type != LG_SETTING_SIZE))
			continue;
		assert_lg_ok(lg_setting_parse_key(&stated, &cfg, (int)i, "x.conf",
						  s->key, s->default_text));
		if (memcmp((char *)&stated + s->offset, (char *)&built_in + s->offset,
			   size) != 0)
			fail_msg("%s: the table says %s, workload.h otherwise",
				 s->key, s->default_text);
	}
	lg_workload_dispose(&built_in);
	lg_workload_dispose(&stated);
}

static int option_code(const char *option)
{
	int row = lg_setting_find_option(option);

	assert_true(row >= 0);
	return lg_settings[row].short_option ? lg_settings[row].short_option
					     : LG_RUN_OPT_SETTING + row;
}

/* Values on the command line: parsed by the row, the row marked given. */
static void test_command_line_values(void **state)
{
	lg_run_args a = LG_RUN_ARGS_INIT;

	(void)state;
	assert_lg_ok(lg_run_args_option(&a, option_code("threshold"), "0"));
	assert_true(a.set.defaults.threshold == 0);
	assert_lg_ok(lg_run_args_option(&a, option_code("jobs"), "auto"));
	assert_true(a.set.jobs >= 1);
	assert_lg_ok(lg_run_args_option(&a, option_code("junit"), "out.xml"));
	assert_string_equal(a.set.junit, "out.xml");
	assert_lg_ok(lg_run_args_option(&a, option_code("python"), "/opt/py/bin/python3"));
	assert_string_equal(a.set.defaults.python, "/opt/py/bin/python3");
	assert_lg_ok(lg_run_args_option(&a, option_code("no-explain"), NULL));
	assert_int_equal(a.set.defaults.explain, LG_EXPLAIN_NEVER);
	assert_lg_ok(lg_run_args_option(&a, option_code("fail-inconclusive"), NULL));
	assert_int_equal(a.set.defaults.fail_inconclusive, 1);
	assert_lg_ok(lg_run_args_option(&a, 'c', "leakgate.conf"));
	assert_string_equal(a.config, "leakgate.conf");
	assert_true(a.given & LG_SETTING_BIT(lg_setting_find_option("junit")));
	assert_false(a.given & LG_SETTING_BIT(lg_setting_find_option("calls")));

	assert_int_equal(lg_run_args_option(&a, LG_RUN_OPT_NEXT, "x"), LG_NOT_MINE);
	assert_int_equal(lg_run_args_option(&a, 'h', NULL), LG_NOT_MINE);
	assert_int_equal(lg_run_args_option(&a, option_code("calls"), "ten"),
			 LG_EINVALID);
	assert_string_equal(lg_error_last(), "--calls: 'ten' is not a whole number >= 1");
	assert_int_equal(lg_run_args_option(&a, option_code("timeout"), "0"),
			 LG_EINVALID);
	assert_string_equal(lg_error_last(), "--timeout: '0' is not a number > 0");
	assert_int_equal(lg_run_args_option(&a, option_code("jobs"), "0"), LG_EINVALID);
	assert_string_equal(lg_error_last(), "--jobs: '0' is not auto or a whole "
			    "number >= 1");
	assert_int_equal(lg_run_args_option(&a, option_code("python"), ""), LG_EINVALID);
	assert_string_equal(lg_error_last(), "--python: '' is not an interpreter");
	assert_false(a.given & LG_SETTING_BIT(lg_setting_find_option("calls")));
	lg_run_args_dispose(&a);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The command line, then the workload's section, then [leakgate], then the
 * built-in default; the run-wide ones from the command line too. */
static void test_precedence(void **state)
{
	char dir[] = "/tmp/lg-setting-XXXXXX", cwd[4096];
	lg_run_args a = LG_RUN_ARGS_INIT;
	lg_run_plan plan;
	const lg_workload *w;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	write_file("a.py", "def run():\n    pass\n");
	write_file("leakgate.conf",
		   "[leakgate]\n\tthreshold = 8\n\ttimeout = 50\n\tcalls = 5\n"
		   "\tjobs = 3\n\tjunit = file.xml\n"
		   "[workload \"w\"]\n\ttarget = a.py:run\n\tthreshold = 4\n"
		   "\tcalls = 7\n\texpect = leak\n");
	assert_lg_ok(lg_run_args_option(&a, 'c', "leakgate.conf"));
	assert_lg_ok(lg_run_args_option(&a, option_code("calls"), "9"));
	assert_lg_ok(lg_run_args_option(&a, option_code("junit"), "cli.xml"));
	assert_lg_ok(lg_run_plan_load(&plan, &a, NULL, 0));
	assert_int_equal(plan.count, 1);
	w = &plan.workloads[0];
	assert_true(w->max_calls == 9);                     /* command line */
	assert_true(w->threshold == 4);                     /* its section */
	assert_true(w->timeout == 50);                      /* [leakgate] */
	assert_true(w->duration == LG_WORKLOAD_DEFAULT_DURATION); /* built in */
	assert_int_equal(w->expect_leak, 1);
	assert_string_equal(plan.cfg.junit, "cli.xml");
	assert_int_equal(plan.jobs, 3);
	assert_true(plan.cfg.defaults.max_calls == 9);
	lg_run_plan_dispose(&plan);
	lg_run_args_dispose(&a);
	assert_int_equal(chdir(cwd), 0);
	lg_test_sh("rm -rf '%s'", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_rows_are_whole_and_distinct),
		cmocka_unit_test(test_every_setting_has_its_row),
		cmocka_unit_test(test_stated_defaults_are_the_built_in_ones),
		cmocka_unit_test(test_command_line_values),
		cmocka_unit_test(test_precedence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

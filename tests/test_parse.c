/* Strict numbers and sizes for the command line and the configuration. */
#include "lg_test.h"

#include "leakgate/parse.h"
#include "cli/run_setup.h"

static void test_sizes(void **state)
{
	static const struct {
		const char *text;
		int64_t mb;
	} good[] = {
		{ "0", 0 }, { "512", 512 }, { "512M", 512 }, { "512m", 512 },
		{ "512MiB", 512 }, { "512MB", 512 }, { "2G", 2048 },
		{ "1.5G", 1536 }, { "0.5G", 512 }, { ".25G", 256 }, { "1T", 1048576 },
		{ "1.0004G", 1024 }, { "1.0006G", 1025 }, { "0.5M", 1 },
	};
	static const char *const bad[] = {
		"", "-1", "-1G", "1.5", "1e3", "1K", "2X", "G", "1GG", "1 G",
		" 1G", "1G ", "1.2.3G", "0.4M", "0G", "0x10", "inf", "nanG",
		"2000000T", "99999999999999999999", "1099511627777",
	};
	int64_t mb;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		mb = -1;
		if (lg_parse_size_mb(&mb, good[i].text) != 0)
			fail_msg("'%s' was refused", good[i].text);
		if (mb != good[i].mb)
			fail_msg("'%s' read as %lld MiB, not %lld", good[i].text,
				 (long long)mb, (long long)good[i].mb);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		mb = -7;
		if (lg_parse_size_mb(&mb, bad[i]) != LG_EINVALID)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(mb, -7);
	}
	assert_int_equal(lg_parse_size_mb(&mb, NULL), LG_EINVALID);
}

/* --memory-limit on the command line: the same sizes, one line naming the
 * option for a bad one. */
static void test_memory_limit_option(void **state)
{
	lg_run_args a = LG_RUN_ARGS_INIT;
	int memory = LG_RUN_OPT_SETTING + lg_setting_find_option("memory-limit");

	(void)state;
	assert_int_equal(lg_run_args_option(&a, memory, "1.5G"), 0);
	assert_int_equal(a.set.defaults.memory_limit_mb, 1536);
	assert_int_equal(lg_run_args_option(&a, memory, "300"), 0);
	assert_int_equal(a.set.defaults.memory_limit_mb, 300);
	assert_int_equal(lg_run_args_option(&a, memory, "1.5Q"), LG_EINVALID);
	assert_string_equal(lg_error_last(), "--memory-limit: '1.5Q' is not a size: "
			    "MiB, or with a unit (512M, 2G, 1.5G; 0 = none)");
	assert_int_equal(a.set.defaults.memory_limit_mb, 300);
	lg_run_args_dispose(&a);
}

/* Whole numbers, from a string (lg_parse_i64) and in place
 * (lg_parse_i64n): the same numbers, the same refusals, strtoll's. */
static void test_whole_numbers_in_place(void **state)
{
	static const struct {
		const char *text;
		int ok;
		int64_t value;
	} cases[] = {
		{ "0", 1, 0 }, { "7", 1, 7 }, { "-7", 1, -7 }, { "+7", 1, 7 },
		{ "0012", 1, 12 }, { "9223372036854775807", 1, INT64_MAX },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "9223372036854775808", 0, 0 }, { "-9223372036854775809", 0, 0 },
		{ "99999999999999999999", 0, 0 }, { "", 0, 0 }, { "-", 0, 0 },
		{ "+", 0, 0 }, { "+-5", 0, 0 }, { "5x", 0, 0 }, { "x5", 0, 0 },
		{ " 5", 0, 0 }, { "5 ", 0, 0 }, { "1.5", 0, 0 }, { "0x10", 0, 0 },
		{ "0000000000000000000000000000001", 1, 1 },
	};
	int64_t a, b;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *text = cases[i].text;
		int ra = lg_parse_i64(&a, text);
		int rb = lg_parse_i64n(&b, text, strlen(text));

		if (ra != (cases[i].ok ? 0 : LG_EINVALID) || ra != rb ||
		    (ra == 0 && (a != cases[i].value || b != a)))
			fail_msg("'%s': lg_parse_i64 %d (%lld), lg_parse_i64n %d (%lld)",
				 text, ra, (long long)a, rb, (long long)b);
	}
	assert_int_equal(lg_parse_i64(&a, NULL), LG_EINVALID);
	/* Only the len bytes: "12" of "123", and past 31 bytes, none. */
	assert_int_equal(lg_parse_i64n(&b, "123", 2), 0);
	assert_int_equal(b, 12);
	assert_int_equal(lg_parse_i64n(&b, "00000000000000000000000000000001", 32),
			 LG_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_memory_limit_option),
		cmocka_unit_test(test_whole_numbers_in_place),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}

/* Numbers for people and for files: whole numbers without printf, and
 * counts grouped by thousands, edge values included. */
#include "lg_test.h"

#include "leakgate/format.h"

static void test_integers(void **state)
{
	static const struct {
		int64_t n;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 7, "7" }, { -7, "-7" }, { 10, "10" }, { 1234567, "1234567" },
		{ INT64_MAX, "9223372036854775807" }, { INT64_MIN, "-9223372036854775808" },
	};
	char out[24], small[4];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_string_equal(lg_format_integer(out, sizeof(out), cases[i].n),
				    cases[i].text);
	/* Truncated as the others are, always terminated. */
	assert_string_equal(lg_format_integer(small, sizeof(small), -12345), "-12");
}

static void test_counts(void **state)
{
	static const struct {
		int64_t n;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 999, "999" }, { 1000, "1,000" }, { -4000, "-4,000" },
		{ 107378, "107,378" }, { 1234567, "1,234,567" },
		{ INT64_MIN, "-9,223,372,036,854,775,808" },
	};
	char out[LG_FORMAT_NUMBER_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_string_equal(lg_format_count(out, sizeof(out), cases[i].n),
				    cases[i].text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}

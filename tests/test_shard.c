/*
 * Shards: K/N and auto parsing, and the selection — disjoint, complete,
 * balanced and dependent only on the names, for many N.
 */
#include "lg_test.h"

#include "leakgate/shard.h"

#define NAMES 23

static const char *const names[NAMES] = {
	"parse-order", "audit", "zeta", "alpha", "orders:parse", "b", "a",
	"events.py:subscribe", "x1", "x10", "x2", "Y", "y", "_", "0", "mid",
	"leak", "clean", "clean2", "longer-name-than-the-others", "q", "r", "s",
};

static void test_parse(void **state)
{
	lg_shard s;

	(void)state;
	assert_lg_ok(lg_shard_parse(&s, "2/4", NULL, NULL));
	assert_int_equal(s.index, 2);
	assert_int_equal(s.total, 4);
	assert_lg_ok(lg_shard_parse(&s, "1/1", NULL, NULL));
	assert_int_equal(s.total, 1);
	/* auto: GitLab's parallel: variables, or everything without them. */
	assert_lg_ok(lg_shard_parse(&s, "auto", "3", "5"));
	assert_int_equal(s.index, 3);
	assert_int_equal(s.total, 5);
	assert_lg_ok(lg_shard_parse(&s, "auto", NULL, NULL));
	assert_int_equal(s.index, 1);
	assert_int_equal(s.total, 1);
	/* A GitLab job without parallel: has CI_NODE_TOTAL=1 and no index. */
	s.index = s.total = 7;
	assert_lg_ok(lg_shard_parse(&s, "auto", NULL, "1"));
	assert_int_equal(s.index, 1);
	assert_int_equal(s.total, 1);
	assert_lg_ok(lg_shard_parse(&s, "auto", "1", "1"));
	assert_int_equal(s.total, 1);
}

static void assert_bad(const char *spec, const char *index, const char *total,
		       const char *part)
{
	lg_shard s;

	assert_int_equal(lg_shard_parse(&s, spec, index, total), LG_EINVALID);
	if (!strstr(lg_error_last(), part))
		fail_msg("'%s' not in '%s'", part, lg_error_last());
}

static void test_parse_bad(void **state)
{
	(void)state;
	assert_bad("3/2", NULL, NULL, "more than the 2 shards");
	assert_bad("0/2", NULL, NULL, "'0'");
	assert_bad("1/0", NULL, NULL, "'0'");
	assert_bad("2", NULL, NULL, "K/N");
	assert_bad("a/b", NULL, NULL, "'a'");
	assert_bad("1/2x", NULL, NULL, "'2x'");
	assert_bad("-1/2", NULL, NULL, "'-1'");
	assert_bad("", NULL, NULL, "K/N");
	assert_bad("auto", "2", NULL, "have CI_NODE_INDEX=2");
	assert_bad("auto", NULL, "3", "have CI_NODE_TOTAL=3");
	assert_bad("auto", "5", "4", "more than the 4 shards");
	assert_bad("auto", "one", "4", "CI_NODE_INDEX 'one'");
}

/* Every name in exactly one shard, sizes within one of each other. */
static void test_disjoint_complete_balanced(void **state)
{
	unsigned char keep[NAMES];
	int owner[NAMES];

	(void)state;
	for (unsigned total = 1; total <= 30; total++) {
		int smallest = NAMES, largest = 0;

		for (size_t i = 0; i < NAMES; i++)
			owner[i] = 0;
		for (unsigned k = 1; k <= total; k++) {
			lg_shard s = { k, total };
			int kept = lg_shard_select(keep, names, NAMES, &s);
			int counted = 0;

			assert_true(kept >= 0);
			for (size_t i = 0; i < NAMES; i++) {
				if (!keep[i])
					continue;
				if (owner[i])
					fail_msg("N=%u: '%s' in shards %d and %u", total,
						 names[i], owner[i], k);
				owner[i] = (int)k;
				counted++;
			}
			assert_int_equal(counted, kept);
			smallest = kept < smallest ? kept : smallest;
			largest = kept > largest ? kept : largest;
		}
		for (size_t i = 0; i < NAMES; i++)
			if (!owner[i])
				fail_msg("N=%u: '%s' in no shard", total, names[i]);
		assert_true(largest - smallest <= 1);
	}
}

/* The same names in another order land in the same shards. */
static void test_depends_only_on_names(void **state)
{
	const char *reversed[NAMES];
	unsigned char a[NAMES], b[NAMES];

	(void)state;
	for (size_t i = 0; i < NAMES; i++)
		reversed[i] = names[NAMES - 1 - i];
	for (unsigned total = 2; total <= 7; total++) {
		for (unsigned k = 1; k <= total; k++) {
			lg_shard s = { k, total };

			assert_true(lg_shard_select(a, names, NAMES, &s) >= 0);
			assert_true(lg_shard_select(b, reversed, NAMES, &s) >= 0);
			for (size_t i = 0; i < NAMES; i++)
				assert_int_equal(a[i], b[NAMES - 1 - i]);
		}
	}
}

static void test_select_edges(void **state)
{
	unsigned char keep[NAMES];
	lg_shard bad = { 3, 2 }, last = { 30, 30 };

	(void)state;
	assert_int_equal(lg_shard_select(keep, names, NAMES, &bad), LG_EINVALID);
	/* More shards than workloads: the last ones are empty. */
	assert_int_equal(lg_shard_select(keep, names, NAMES, &last), 0);
	assert_int_equal(lg_shard_select(keep, names, 0, &last), 0);
}

static void test_workloads(void **state)
{
	lg_workload wl[5];
	size_t count = 5;
	lg_shard s = { 2, 2 };
	static const char *const wnames[] = { "e", "d", "c", "b", "a" };

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_lg_ok(lg_workload_init_defaults(&wl[i]));
		assert_lg_ok(lg_string_set(&wl[i].name, wnames[i]));
		assert_lg_ok(lg_string_set(&wl[i].target, "t.py:f"));
	}
	/* Sorted a b c d e: shard 2/2 is b and d, kept in the given order. */
	assert_lg_ok(lg_shard_workloads(wl, &count, &s));
	assert_int_equal(count, 2);
	assert_string_equal(wl[0].name, "d");
	assert_string_equal(wl[1].name, "b");
	for (size_t i = 0; i < count; i++)
		lg_workload_dispose(&wl[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_disjoint_complete_balanced),
		cmocka_unit_test(test_depends_only_on_names),
		cmocka_unit_test(test_select_edges),
		cmocka_unit_test(test_workloads),
	};

	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}

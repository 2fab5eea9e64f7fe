/*
 * The merge base walker on its own (merge_base.h): the answer whatever
 * the clocks say, a shallow clone's boundary, unrelated histories, in a
 * fresh temporary repository per test (lg_git_sandbox.h).
 */
#include "lg_test.h"

#include <unistd.h>

#include "leakgate/merge_base.h"

#include "lg_git_sandbox.h"

/* The merge base of two revisions of the repository in the current
 * directory: lg_merge_base_find's return, its answer in hex (out, 41
 * bytes; "" when none) and *missing. */
static int find(char *out, int *missing, const char *one, const char *two)
{
	git_repository *git;
	git_object *a, *b;
	git_oid base;
	int rc;

	assert_int_equal(git_repository_open(&git, "."), 0);
	assert_int_equal(git_revparse_single(&a, git, one), 0);
	assert_int_equal(git_revparse_single(&b, git, two), 0);
	*missing = -1;
	rc = lg_merge_base_find(&base, missing, git, git_object_id(a),
				git_object_id(b));
	out[0] = '\0';
	if (rc == 1)
		git_oid_tostr(out, 41, &base);
	git_object_free(a);
	git_object_free(b);
	git_repository_free(git);
	return rc;
}

static void test_branches(void **state)
{
	sandbox *s = *state;
	char base[41];
	int missing;

	assert_int_equal(find(base, &missing, "feature", "main"), 1);
	assert_string_equal(base, s->a);
	assert_int_equal(missing, 0);
	/* One an ancestor of the other: that one. */
	assert_int_equal(find(base, &missing, "main", "main~1"), 1);
	assert_string_equal(base, s->a);
	assert_int_equal(find(base, &missing, "main", "main"), 1);
	assert_string_equal(base, s->c);
}

static void test_skewed_clocks(void **state)
{
	sandbox *s = *state;
	char base[41], x[41];
	int missing;

	/* feature: A - B - D, D dated before the first commit; main: A - C -
	 * E, E in the future. The walk goes by date, but a commit is the
	 * answer only once it is popped with both marks: still A. */
	commit_file("D", -1000);
	lg_test_sh("git checkout -q main");
	commit_file("E", 100000);
	lg_test_sh("git checkout -q feature");
	assert_int_equal(find(base, &missing, "HEAD", "main"), 1);
	assert_string_equal(base, s->a);
	/* The merge base dated after both tips: x: first - X - Z,
	 * y: X - Y. Popped first from one side only, it is marked from the
	 * other later, queued again, and found. */
	lg_test_sh("git checkout -q -b x %s", s->first);
	commit_file("X", 200000);
	rev_parse(x, "HEAD");
	commit_file("Z", 6);
	lg_test_sh("git checkout -q -b y %s", x);
	commit_file("Y", 5);
	assert_int_equal(find(base, &missing, "HEAD", "x"), 1);
	assert_string_equal(base, x);
}

static void test_unrelated(void **state)
{
	char base[41];
	int missing;

	(void)state;
	lg_test_sh("git checkout -q --orphan other && git rm -q -rf . && echo o > o && "
		   "git add o && git commit -q -m orphan");
	assert_int_equal(find(base, &missing, "other", "main"), 0);
	assert_string_equal(base, "");
	assert_int_equal(missing, 0);
}

/* A shallow clone: the walk stops at its boundary without an error. */
static void test_shallow_boundary(void **state)
{
	sandbox *s = *state;
	char base[41];
	int missing;

	/* One commit of each branch: A, below both, is beyond the boundary. */
	lg_test_sh("git clone -q --no-local --depth=1 --branch feature "
		   "--no-single-branch file://$PWD shallow1");
	assert_int_equal(chdir("shallow1"), 0);
	assert_int_equal(find(base, &missing, "HEAD", "origin/main"), 0);
	assert_int_equal(missing, 1);
	assert_int_equal(chdir(".."), 0);
	/* Two: A is in, its parent (the first commit) is not; found. */
	lg_test_sh("git clone -q --no-local --depth=2 --branch feature "
		   "--no-single-branch file://$PWD shallow2");
	assert_int_equal(chdir("shallow2"), 0);
	assert_int_equal(find(base, &missing, "HEAD", "origin/main"), 1);
	assert_string_equal(base, s->a);
	assert_int_equal(chdir(".."), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SANDBOXED(test_branches),
		SANDBOXED(test_skewed_clocks),
		SANDBOXED(test_unrelated),
		SANDBOXED(test_shallow_boundary),
	};

	return cmocka_run_group_tests_name("merge_base", tests, lg_test_libgit2_setup,
					   lg_test_libgit2_teardown);
}

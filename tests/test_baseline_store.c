/*
 * Baselines in git: reading a baseline at a commit (file, then notes), in
 * a fresh temporary repository per test (lg_git_sandbox.h). Finding the
 * commit is test_repo.c's.
 */
#include "lg_test.h"

#include "leakgate/baseline_store.h"

#include "lg_git_sandbox.h"

#define BASELINE_TEXT(python) \
	"[leakgate]\n\tformat = 1\n[baseline \"w\"]\n\tpython = " python "\n" \
	"\timplementation = cpython\n\tcalls = 10\n"

static void test_file_then_notes(void **state)
{
	sandbox *s = *state;
	lg_baseline b;
	lg_buf why = LG_BUF_INIT;
	lg_repo *repo;
	char a_rev[8];

	snprintf(a_rev, sizeof(a_rev), "%.7s", s->a);
	assert_lg_ok(lg_repo_open(&repo, "."));
	/* Nothing anywhere. */
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_ANY), 0);
	assert_non_null(strstr(why.ptr, "no .leakgate/baseline in its tree, "
			       "no refs/notes/leakgate in this clone"));
	lg_buf_dispose(&why);

	/* A note on A is found from B, its first-parent descendant. */
	assert_lg_ok(lg_baseline_write_note(repo, s->a, BASELINE_TEXT("3.8.18")));
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_ANY), 1);
	assert_string_equal(b.store, "notes");
	assert_string_equal(b.rev, a_rev);
	assert_string_equal(b.entries[0].python_version, "3.8.18");
	lg_baseline_dispose(&b);
	/* Written again: replaced. */
	assert_lg_ok(lg_baseline_write_note(repo, s->a, BASELINE_TEXT("3.9.18")));
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_NOTES), 1);
	assert_string_equal(b.entries[0].python_version, "3.9.18");
	lg_baseline_dispose(&b);
	/* Not from the first commit, below it. */
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->first, LG_STORE_NOTES), 0);
	assert_non_null(strstr(why.ptr, "no note in refs/notes/leakgate on it"));
	lg_buf_dispose(&why);

	/* A committed file wins over the note. */
	lg_test_sh("mkdir .leakgate && printf '" BASELINE_TEXT("3.12.1") "' > .leakgate/baseline "
	   "&& git add .leakgate && git commit -q -m baseline");
	lg_repo_free(repo);
	assert_lg_ok(lg_repo_open(&repo, "."));
	{
		char head[41];

		rev_parse(head, "HEAD");
		assert_int_equal(lg_baseline_load_at(&b, &why, repo, head, LG_STORE_ANY), 1);
		assert_string_equal(b.store, "file");
		assert_string_equal(b.entries[0].python_version, "3.12.1");
		lg_baseline_dispose(&b);
		/* --store notes skips it. */
		assert_int_equal(lg_baseline_load_at(&b, &why, repo, head, LG_STORE_NOTES), 1);
		assert_string_equal(b.store, "notes");
		lg_baseline_dispose(&b);
	}
	/* The working tree is never read: only what the commit holds. */
	lg_test_sh("printf 'garbage' > .leakgate/baseline");
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_FILE), 0);
	assert_non_null(strstr(why.ptr, ": no .leakgate/baseline in its tree"));
	lg_buf_dispose(&why);
	lg_repo_free(repo);
}

static void test_file_store_errors(void **state)
{
	lg_baseline b;
	lg_buf why = LG_BUF_INIT;
	lg_repo *repo;
	char head[41];

	(void)state;
	lg_test_sh("mkdir -p .leakgate/baseline && echo x > .leakgate/baseline/x && "
	   "git add .leakgate && git commit -q -m 'a directory'");
	rev_parse(head, "HEAD");
	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, head, LG_STORE_ANY),
			 LG_EINVALID);
	assert_non_null(strstr(lg_error_last(), ".leakgate/baseline at "));
	assert_non_null(strstr(lg_error_last(), ": not a file"));
	lg_repo_free(repo);
	lg_buf_dispose(&why);
}

/* A shallow clone ends the walk up the first parents, saying to fetch
 * more: the commit at its boundary is not a first commit, though libgit2
 * 1.7+ shows it without parents. */
static void test_notes_shallow_clone(void **state)
{
	sandbox *s = *state;
	lg_baseline b;
	lg_buf why = LG_BUF_INIT;
	lg_repo *repo;

	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_lg_ok(lg_baseline_write_note(repo, s->a, BASELINE_TEXT("3.8.18")));
	lg_repo_free(repo);
	lg_test_sh("git clone -q --depth 1 --branch feature file://$PWD shallow && "
		   "git -C shallow fetch -q origin refs/notes/leakgate:refs/notes/leakgate");
	if (chdir("shallow") < 0)
		fail_msg("cannot enter the shallow clone");
	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_NOTES), 0);
	assert_non_null(strstr(why.ptr, "in this shallow clone: fetch more history"));
	lg_buf_dispose(&why);
	lg_repo_free(repo);
	if (chdir("..") < 0)
		fail_msg("cannot leave the shallow clone");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SANDBOXED(test_file_then_notes),
		SANDBOXED(test_file_store_errors),
		SANDBOXED(test_notes_shallow_clone),
	};

	return cmocka_run_group_tests_name("baseline store", tests, lg_test_libgit2_setup,
					   lg_test_libgit2_teardown);
}

/*
 * Baselines in git: finding the base commit (GitHub, GitLab, --base,
 * HEAD~1) and reading a baseline at a commit (file, then notes), in a fresh
 * temporary repository per test built with the git command.
 */
#include "lg_test.h"

#include <git2.h>
#include <stdarg.h>
#include <unistd.h>

#include "leakgate/baseline_store.h"

typedef struct {
	char dir[64];
	char cwd[4096];
	char first[41], a[41], b[41], c[41]; /* main: first - A - C; feature: A - B */
} sandbox;

static void rev_parse(char *out, const char *rev)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "git rev-parse '%s'", rev);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, 41, p));
	assert_int_equal(pclose(p), 0);
}

/* Commits a second apart, so that dates order them as git would. */
static void commit_file(const char *name, int when)
{
	lg_test_sh("echo %s > %s && git add %s && GIT_COMMITTER_DATE='%d +0000' "
	   "GIT_AUTHOR_DATE='%d +0000' git commit -q -m %s", name, name, name,
	   1700000000 + when, 1700000000 + when, name);
}

static int setup(void **state)
{
	static sandbox s;

	memset(&s, 0, sizeof(s));
	strcpy(s.dir, "/tmp/lg-store-XXXXXX");
	if (!getcwd(s.cwd, sizeof(s.cwd)) || !mkdtemp(s.dir) || chdir(s.dir) < 0)
		return -1;
	lg_test_sh("git init -q -b main .");
	commit_file("first", 0);
	commit_file("A", 1);
	lg_test_sh("git checkout -q -b feature");
	commit_file("B", 2);
	lg_test_sh("git checkout -q main");
	commit_file("C", 3);
	lg_test_sh("git checkout -q feature");
	rev_parse(s.first, "main~2");
	rev_parse(s.a, "main~1");
	rev_parse(s.b, "feature");
	rev_parse(s.c, "main");
	lg_error_clear();
	*state = &s;
	return 0;
}

static int teardown(void **state)
{
	sandbox *s = *state;
	char cmd[128];

	if (chdir(s->cwd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void auto_base(lg_base_commit *out, const lg_base_hints *hints)
{
	lg_repo *repo;

	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_lg_ok(lg_repo_auto_base(out, repo, hints));
	lg_repo_free(repo);
}

static int auto_base_fails(const lg_base_hints *hints)
{
	lg_base_commit base;
	lg_repo *repo;
	int rc;

	assert_lg_ok(lg_repo_open(&repo, "."));
	rc = lg_repo_auto_base(&base, repo, hints);
	lg_repo_free(repo);
	assert_true(rc < 0);
	return rc;
}

static void test_github_base_ref(void **state)
{
	sandbox *s = *state;
	lg_base_hints hints = { NULL, "main", NULL, NULL };
	lg_base_commit base;

	/* Without origin/main, the local branch. */
	auto_base(&base, &hints);
	assert_string_equal(base.id, s->a);
	assert_string_equal(base.how, "merge base of HEAD and main");
	lg_test_sh("git update-ref refs/remotes/origin/main %s", s->c);
	auto_base(&base, &hints);
	assert_string_equal(base.id, s->a);
	assert_int_equal(strlen(base.rev), 7);
	assert_string_equal(base.how, "merge base of HEAD and origin/main");
	/* A pull request's merge commit has the target's tip as first parent. */
	lg_test_sh("git checkout -q --detach main && git merge -q --no-ff -m merge feature");
	auto_base(&base, &hints);
	assert_string_equal(base.id, s->c);
}

static void test_gitlab(void **state)
{
	sandbox *s = *state;
	lg_base_hints target = { NULL, NULL, NULL, "main" };
	lg_base_hints sha = { NULL, NULL, s->a, "main" };
	lg_base_hints bad = { NULL, NULL, "not-a-sha", NULL };
	lg_base_commit base;

	auto_base(&base, &target);
	assert_string_equal(base.id, s->a);
	auto_base(&base, &sha);
	assert_string_equal(base.id, s->a);
	assert_string_equal(base.how, "CI_MERGE_REQUEST_DIFF_BASE_SHA");
	assert_int_equal(auto_base_fails(&bad), LG_EINVALID);
	assert_non_null(strstr(lg_error_last(), "'not-a-sha'"));
}

static void test_order_of_hints(void **state)
{
	sandbox *s = *state;
	lg_base_hints base_wins = { "main", "no-such-branch", NULL, NULL };
	lg_base_hints github_wins = { NULL, "main", "0123456789012345678901234567890123456789", NULL };
	lg_base_hints missing = { NULL, "no-such-branch", NULL, NULL };
	lg_base_commit base;

	auto_base(&base, &base_wins);
	assert_string_equal(base.id, s->a);
	auto_base(&base, &github_wins);
	assert_string_equal(base.id, s->a);
	assert_int_equal(auto_base_fails(&missing), LG_ENOTFOUND);
	assert_non_null(strstr(lg_error_last(), "target branch 'no-such-branch' "
			       "(GITHUB_BASE_REF) is not in this clone"));
}

static void test_head_parent_outside_merge_requests(void **state)
{
	sandbox *s = *state;
	lg_base_hints none = { NULL, NULL, NULL, NULL };
	lg_base_commit base;

	auto_base(&base, &none);
	assert_string_equal(base.id, s->a);
	assert_string_equal(base.how, "HEAD~1");
}

static void test_root_and_unrelated(void **state)
{
	lg_base_hints none = { NULL, NULL, NULL, NULL };
	lg_base_hints other = { "other", NULL, NULL, NULL };
	lg_baseline b;
	lg_base_commit base;
	lg_buf why = LG_BUF_INIT;

	(void)state;
	lg_test_sh("git checkout -q --orphan other && git rm -q -rf . && echo o > o && "
	   "git add o && git commit -q -m orphan");
	/* A first commit has nothing to compare with: no baseline, no error. */
	assert_int_equal(lg_baseline_locate(&b, &why, &base, ".", "auto", &none,
					    LG_STORE_ANY), 0);
	assert_string_equal(base.id, "");
	assert_string_equal(why.ptr, "HEAD has no parent: nothing to compare with");
	lg_buf_dispose(&why);
	lg_test_sh("git checkout -q feature");
	assert_int_equal(auto_base_fails(&other), LG_ENOTFOUND);
	assert_string_equal(lg_error_last(), "HEAD and other have no common ancestor");
}

static void test_revisions(void **state)
{
	sandbox *s = *state;
	lg_base_commit base;
	lg_repo *repo;

	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_lg_ok(lg_repo_resolve(&base, repo, "main~1"));
	assert_string_equal(base.id, s->a);
	assert_int_equal(lg_repo_resolve(&base, repo, "no-such-rev"), LG_ENOTFOUND);
	assert_string_equal(lg_error_last(), "unknown revision 'no-such-rev'");
	assert_int_equal(lg_repo_resolve(&base, repo, "main..feature"), LG_ENOTFOUND);
	lg_repo_free(repo);
	assert_int_equal(lg_repo_open(&repo, "/"), LG_ENOTFOUND);
	assert_string_equal(lg_error_last(), "'/' is not in a git repository");
	assert_null(repo);
}

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

#define SANDBOXED(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		SANDBOXED(test_github_base_ref),
		SANDBOXED(test_gitlab),
		SANDBOXED(test_order_of_hints),
		SANDBOXED(test_head_parent_outside_merge_requests),
		SANDBOXED(test_root_and_unrelated),
		SANDBOXED(test_revisions),
		SANDBOXED(test_file_then_notes),
		SANDBOXED(test_file_store_errors),
	};

	return cmocka_run_group_tests_name("baseline store", tests, lg_test_libgit2_setup,
					   lg_test_libgit2_teardown);
}

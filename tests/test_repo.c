/*
 * The repository: finding the commit a change is compared at (GitHub,
 * GitLab, --base, HEAD~1), revisions, what a shallow clone's boundary
 * says, in a fresh temporary repository per test (lg_git_sandbox.h). The
 * merge base walker itself: test_merge_base.c.
 */
#include "lg_test.h"

#include "leakgate/baseline_store.h"
#include "leakgate/repo.h"

#include "lg_git_sandbox.h"

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

/* A shallow clone of the sandbox with `depth` commits of feature and main,
 * in its directory "shallow" (left as the current directory). */
static void shallow_clone(int depth)
{
	lg_test_sh("git clone -q --no-local --depth=%d --branch feature "
		   "--no-single-branch file://$PWD shallow", depth);
	if (chdir("shallow") < 0)
		fail_msg("cannot enter the shallow clone");
}

static void test_shallow_boundary(void **state)
{
	sandbox *s = *state;
	lg_base_hints github = { NULL, "main", NULL, NULL };
	lg_base_hints parent = { NULL, NULL, NULL, NULL };
	lg_base_commit base;

	/* One commit of each branch: A, below both, is beyond the boundary. */
	shallow_clone(1);
	assert_int_equal(auto_base_fails(&github), LG_ENOTFOUND);
	assert_string_equal(lg_error_last(), "the merge base of HEAD and "
			    "origin/main is not in this shallow clone: run `git "
			    "fetch --deepen=50 origin main` or `git fetch "
			    "--unshallow`");
	assert_int_equal(auto_base_fails(&parent), LG_ENOTFOUND);
	assert_contains(lg_error_last(), "(HEAD~1) is not in this shallow clone");
	/* Two: A is in, its parent (the first commit) is not. The walk stops
	 * at the boundary without an error and finds A. */
	if (chdir("..") < 0)
		fail_msg("cannot leave the shallow clone");
	lg_test_sh("rm -rf shallow");
	shallow_clone(2);
	auto_base(&base, &github);
	assert_string_equal(base.id, s->a);
	assert_string_equal(base.how, "merge base of HEAD and origin/main");
	auto_base(&base, &parent);
	assert_string_equal(base.id, s->a);
	if (chdir("..") < 0)
		fail_msg("cannot leave the shallow clone");
}

/* GIT_DIR and GIT_WORK_TREE, as git reads them. */
static void test_git_environment(void **state)
{
	sandbox *s = *state;
	lg_repo *repo;
	char gitdir[4200], expected[4200];

	(void)s;
	setenv("GIT_DIR", "/nonexistent", 1);
	assert_int_equal(lg_repo_open(&repo, "."), LG_ENOTFOUND);
	assert_string_equal(lg_error_last(),
			    "GIT_DIR=/nonexistent: not a git repository");
	/* From outside the repository, GIT_DIR finds it. */
	snprintf(gitdir, sizeof(gitdir), "%s/.git", s->dir);
	setenv("GIT_DIR", gitdir, 1);
	assert_int_equal(chdir("/"), 0);
	assert_lg_ok(lg_repo_open(&repo, "."));
	/* As git: the working directory is the top of the work tree. */
	assert_string_equal(lg_repo_workdir(repo), "/");
	lg_repo_free(repo);
	setenv("GIT_WORK_TREE", s->dir, 1);
	assert_lg_ok(lg_repo_open(&repo, "."));
	snprintf(expected, sizeof(expected), "%s/", s->dir);
	assert_string_equal(lg_repo_workdir(repo), expected);
	lg_repo_free(repo);
	setenv("GIT_WORK_TREE", "/nonexistent", 1);
	assert_true(lg_repo_open(&repo, ".") < 0);
	assert_contains(lg_error_last(), "GIT_WORK_TREE=/nonexistent");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_DIR");
	assert_int_equal(chdir(s->dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SANDBOXED(test_github_base_ref),
		SANDBOXED(test_gitlab),
		SANDBOXED(test_order_of_hints),
		SANDBOXED(test_head_parent_outside_merge_requests),
		SANDBOXED(test_root_and_unrelated),
		SANDBOXED(test_revisions),
		SANDBOXED(test_shallow_boundary),
		SANDBOXED(test_git_environment),
	};

	return cmocka_run_group_tests_name("repository", tests, lg_test_libgit2_setup,
					   lg_test_libgit2_teardown);
}

/*
 * The repository: opening it, the commit a change is compared at (the
 * merge base with its target branch, merge_base.h, or HEAD's parent),
 * revisions. Through libgit2, never the git
 * command.
 */
#include "leakgate/repo.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/error.h"
#include "leakgate/libgit2.h"
#include "leakgate/merge_base.h"

/*
 * The repository for the working directory (".") as git finds it: GIT_DIR
 * exactly (no search), else upwards up to GIT_CEILING_DIRECTORIES; the
 * working tree GIT_WORK_TREE, else with GIT_DIR the working directory
 * (libgit2 1.5's GIT_REPOSITORY_OPEN_FROM_ENV implements no GIT_WORK_TREE,
 * and its git_repository_set_workdir leaks: the work tree is kept here).
 * Another dir: found upwards. libgit2's codes; GIT_EINVALID for a bad
 * GIT_WORK_TREE (the message set).
 */
static int open_as_git(lg_repo *repo, const char *dir)
{
	const char *git_dir = getenv("GIT_DIR"), *work_tree = getenv("GIT_WORK_TREE");
	char *top;
	int rc;

	if (strcmp(dir, ".") != 0)
		return git_repository_open_ext(&repo->git, dir, 0, NULL);
	if (git_dir && *git_dir)
		rc = git_repository_open_ext(&repo->git, git_dir,
					     GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	else
		rc = git_repository_open_ext(&repo->git, ".", 0,
					     getenv("GIT_CEILING_DIRECTORIES"));
	/* git: with GIT_DIR but no GIT_WORK_TREE, the working directory is
	 * the top of the work tree (core.worktree aside, for a non-bare one). */
	if (rc == 0 && git_dir && *git_dir && !(work_tree && *work_tree) &&
	    !git_repository_is_bare(repo->git))
		work_tree = ".";
	if (rc < 0 || !work_tree || !*work_tree)
		return rc;
	if (!(top = realpath(work_tree, NULL))) {
		lg_error_set_os("GIT_WORK_TREE=%s", work_tree);
		return GIT_EINVALID;
	}
	repo->workdir = malloc(strlen(top) + 2);
	if (repo->workdir)
		sprintf(repo->workdir, "%s%s", top,
			top[strlen(top) - 1] == '/' ? "" : "/");
	free(top);
	if (!repo->workdir) {
		lg_error_oom();
		return GIT_EINVALID;
	}
	return 0;
}

int lg_repo_open(lg_repo **out, const char *dir)
{
	lg_repo *repo = calloc(1, sizeof(*repo));
	int rc;

	*out = NULL;
	if ((rc = lg_libgit2_start()) < 0) {
		free(repo);
		return rc;
	}
	if (!repo || !(repo->dir = strdup(dir))) {
		free(repo);
		return lg_error_oom();
	}
	rc = open_as_git(repo, dir);
	if (rc == GIT_ENOTFOUND && strcmp(dir, ".") == 0 && getenv("GIT_DIR")) {
		lg_error_set("GIT_DIR=%s: not a git repository", getenv("GIT_DIR"));
		lg_repo_free(repo);
		return LG_ENOTFOUND;
	}
	if (rc == GIT_EINVALID) {
		lg_repo_free(repo);
		return LG_EINVALID;
	}
	if (rc == GIT_ENOTFOUND) {
		char *where = realpath(dir, NULL);

		lg_error_set("'%s' is not in a git repository", where ? where : dir);
		free(where);
		lg_repo_free(repo);
		return LG_ENOTFOUND;
	}
	if (rc < 0) {
		rc = lg_error_git("cannot open the git repository at '%s'", dir);
		lg_repo_free(repo);
		return rc;
	}
	*out = repo;
	return 0;
}

void lg_repo_free(lg_repo *repo)
{
	if (!repo)
		return;
	git_repository_free(repo->git);
	free(repo->dir);
	free(repo->workdir);
	free(repo);
}

const char *lg_repo_workdir(const lg_repo *repo)
{
	return repo->workdir ? repo->workdir : git_repository_workdir(repo->git);
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

void lg_base_hints_from_env(lg_base_hints *out, const char *base)
{
	out->base = nonempty(base);
	out->github_base_ref = nonempty(getenv("GITHUB_BASE_REF"));
	out->gitlab_diff_base = nonempty(getenv("CI_MERGE_REQUEST_DIFF_BASE_SHA"));
	out->gitlab_target = nonempty(getenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"));
}

static void set_commit(lg_base_commit *out, const git_oid *oid, const char *how)
{
	git_oid_tostr(out->id, sizeof(out->id), oid);
	git_oid_tostr(out->rev, sizeof(out->rev), oid);
	snprintf(out->how, sizeof(out->how), "%s", how);
}

static int is_shallow(lg_repo *repo)
{
	return git_repository_is_shallow(repo->git) == 1;
}

/* What to run so that a shallow clone holds the base. */
static int shallow_error(const char *what, const char *branch)
{
	lg_error_set("%s is not in this shallow clone: run `git fetch "
		     "--deepen=50%s%s` or `git fetch --unshallow`", what,
		     branch ? " origin " : "", branch ? branch : "");
	return LG_ENOTFOUND;
}

/* Does the object database hold the commit? */
static int have_commit(lg_repo *repo, const git_oid *oid)
{
	git_commit *c = NULL;
	int rc = git_commit_lookup(&c, repo->git, oid);

	git_commit_free(c);
	return rc == 0;
}

int lg_commit_first_parent(git_oid *out, const git_commit *commit)
{
	git_buf value = GIT_BUF_INIT;
	int rc;

	if (git_commit_parentcount(commit)) {
		git_oid_cpy(out, git_commit_parent_id(commit, 0));
		return 1;
	}
	/* The header as the object has it, which grafts leave alone. */
	rc = git_commit_header_field(&value, commit, "parent");
	if (rc == 0)
		rc = git_oid_fromstrn(out, value.ptr, value.size) < 0 ? -1 : 1;
	git_buf_dispose(&value);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return lg_error_git("cannot read the parent of commit %s",
				    git_oid_tostr_s(git_commit_id(commit)));
	return 1;
}

static int head_commit(git_oid *out, lg_repo *repo)
{
	git_object *obj = NULL;

	if (git_revparse_single(&obj, repo->git, "HEAD^{commit}") < 0)
		return lg_error_git("HEAD of '%s' is not a commit", repo->dir);
	git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	return 0;
}

/* The target branch `name` as the remote has it (origin/<name>), else a
 * local branch of that name. */
static int lookup_branch(git_oid *out, char *shown, size_t size, lg_repo *repo,
			 const char *name, const char *source)
{
	static const char *const patterns[] = {
		"refs/remotes/origin/%s", "refs/heads/%s",
	};
	char ref[1024];

	for (size_t i = 0; i < sizeof(patterns) / sizeof(*patterns); i++) {
		snprintf(ref, sizeof(ref), patterns[i], name);
		if (git_reference_name_to_id(out, repo->git, ref) == 0) {
			snprintf(shown, size, i == 0 ? "origin/%s" : "%s", name);
			return 0;
		}
	}
	lg_error_set("target branch '%s' (%s) is not in this clone: run `git "
		     "fetch --depth=50 origin %s` (or fetch the full history)",
		     name, source, name);
	return LG_ENOTFOUND;
}

static int merge_base(lg_base_commit *out, lg_repo *repo, const git_oid *target,
		      const char *shown, const char *branch)
{
	git_oid head, base;
	char how[256], what[320];
	int missing, rc;

	if ((rc = head_commit(&head, repo)) < 0)
		return rc;
	snprintf(how, sizeof(how), "merge base of HEAD and %s", shown);
	rc = lg_merge_base_find(&base, &missing, repo->git, &head, target);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		set_commit(out, &base, how);
		return 0;
	}
	if (missing || is_shallow(repo)) {
		snprintf(what, sizeof(what), "the %s", how);
		return shallow_error(what, branch);
	}
	lg_error_set("HEAD and %s have no common ancestor", shown);
	return LG_ENOTFOUND;
}

/* The merge base with a revision given on the command line. */
static int base_from_rev(lg_base_commit *out, lg_repo *repo, const char *rev)
{
	lg_base_commit target;
	git_oid oid;
	int rc;

	if ((rc = lg_repo_resolve(&target, repo, rev)) < 0)
		return rc;
	if (git_oid_fromstr(&oid, target.id) < 0)
		return lg_error_git("cannot resolve '%s'", rev);
	return merge_base(out, repo, &oid, rev, rev);
}

/* CI_MERGE_REQUEST_DIFF_BASE_SHA is the merge base already. */
static int base_from_sha(lg_base_commit *out, lg_repo *repo, const char *sha,
			 const char *target)
{
	git_oid oid;
	char what[256];

	if (git_oid_fromstrn(&oid, sha, strlen(sha)) < 0 || strlen(sha) != 40) {
		lg_error_set("CI_MERGE_REQUEST_DIFF_BASE_SHA: '%s' is not a commit id",
			     sha);
		return LG_EINVALID;
	}
	if (have_commit(repo, &oid)) {
		set_commit(out, &oid, "CI_MERGE_REQUEST_DIFF_BASE_SHA");
		return 0;
	}
	snprintf(what, sizeof(what), "base commit %.7s "
		 "(CI_MERGE_REQUEST_DIFF_BASE_SHA)", sha);
	if (is_shallow(repo))
		return shallow_error(what, target ? target : "<target branch>");
	lg_error_set("%s is not in this repository: run `git fetch origin %s`",
		     what, target ? target : "<target branch>");
	return LG_ENOTFOUND;
}

/* Outside a merge request: HEAD's first parent. */
static int base_parent(lg_base_commit *out, lg_repo *repo)
{
	git_commit *head = NULL;
	git_oid oid, parent;
	char what[128];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = head_commit(&oid, repo)) < 0)
		return rc;
	if (git_commit_lookup(&head, repo->git, &oid) < 0)
		return lg_error_git("cannot read HEAD");
	rc = lg_commit_first_parent(&parent, head);
	if (rc < 0) {
		/* said */
	} else if (rc == 0) {
		snprintf(out->how, sizeof(out->how), "HEAD~1");
		rc = 0; /* a first commit: nothing to compare with */
	} else if (have_commit(repo, &parent)) {
		set_commit(out, &parent, "HEAD~1");
		rc = 0;
	} else {
		char id[8];

		git_oid_tostr(id, sizeof(id), &parent);
		snprintf(what, sizeof(what), "base commit %s (HEAD~1)", id);
		if (is_shallow(repo)) {
			rc = shallow_error(what, NULL);
		} else {
			lg_error_set("%s is missing from the repository", what);
			rc = LG_ENOTFOUND;
		}
	}
	git_commit_free(head);
	return rc;
}

int lg_repo_auto_base(lg_base_commit *out, lg_repo *repo,
		      const lg_base_hints *hints)
{
	git_oid target;
	char shown[1100];
	int rc;

	memset(out, 0, sizeof(*out));
	if (hints->base)
		return base_from_rev(out, repo, hints->base);
	if (hints->github_base_ref) {
		if ((rc = lookup_branch(&target, shown, sizeof(shown), repo,
					hints->github_base_ref,
					"GITHUB_BASE_REF")) < 0)
			return rc;
		return merge_base(out, repo, &target, shown, hints->github_base_ref);
	}
	if (hints->gitlab_diff_base)
		return base_from_sha(out, repo, hints->gitlab_diff_base,
				     hints->gitlab_target);
	if (hints->gitlab_target) {
		if ((rc = lookup_branch(&target, shown, sizeof(shown), repo,
					hints->gitlab_target,
					"CI_MERGE_REQUEST_TARGET_BRANCH_NAME")) < 0)
			return rc;
		return merge_base(out, repo, &target, shown, hints->gitlab_target);
	}
	return base_parent(out, repo);
}

/* 7 to 40 hex digits: could be a commit id the clone does not have. */
static int looks_like_id(const char *rev)
{
	size_t n = strspn(rev, "0123456789abcdefABCDEF");

	return n == strlen(rev) && n >= 7 && n <= 40;
}

int lg_repo_resolve(lg_base_commit *out, lg_repo *repo, const char *rev)
{
	git_object *obj = NULL;
	char spec[1100], what[1100];
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(spec, sizeof(spec), "%s^{commit}", rev);
	rc = git_revparse_single(&obj, repo->git, spec);
	if (rc == 0) {
		set_commit(out, git_object_id(obj), rev);
		git_object_free(obj);
		return 0;
	}
	if (rc == GIT_ENOTFOUND || rc == GIT_EAMBIGUOUS || rc == GIT_EINVALIDSPEC) {
		if (is_shallow(repo) && looks_like_id(rev)) {
			snprintf(what, sizeof(what), "commit %s", rev);
			return shallow_error(what, NULL);
		}
		lg_error_set("unknown revision '%s'%s", rev,
			     rc == GIT_EAMBIGUOUS ? " (ambiguous)" : "");
		return LG_ENOTFOUND;
	}
	return lg_error_git("cannot resolve '%s'", rev);
}

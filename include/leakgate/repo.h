#ifndef LEAKGATE_REPO_H
#define LEAKGATE_REPO_H

/*
 * The git repository a run is in, through libgit2 (never the git command):
 * the commit a change is compared at. Errors (one line, for exit 2): not a
 * repository, an unknown revision, a target branch or base commit missing
 * from the clone, or beyond a shallow clone's boundary (saying what to
 * fetch). The merge base is merge_base.h's.
 */

struct git_repository;
struct git_commit;
struct git_oid;

/* A repository; the libgit2 handle is for the modules that read objects
 * (baseline_store.c). */
typedef struct lg_repo {
	struct git_repository *git;
	char *dir;  /* as given, for messages */
	char *workdir; /* GIT_WORK_TREE's (repo.c), with a '/'; NULL: libgit2's */
} lg_repo;

/* The repository holding dir (found upwards); for "." as git finds it,
 * GIT_DIR and GIT_WORK_TREE included. LG_ENOTFOUND: "'DIR' is not in a git
 * repository", "GIT_DIR=/x: not a git repository". */
int lg_repo_open(lg_repo **out, const char *dir);
void lg_repo_free(lg_repo *repo);

/*
 * The first parent that commit records: 1 and *out, 0 for a root commit,
 * < 0 on error. Not git_commit_parentcount alone: in a shallow clone
 * libgit2 1.7+ shows a commit at the boundary without parents (as git log
 * does), where 1.5 shows its parents (missing from the clone). Either way
 * the commit is not a root: its parent is beyond the boundary.
 */
int lg_commit_first_parent(struct git_oid *out, const struct git_commit *commit);

/* The working tree's root with a trailing '/', or NULL for a bare one. */
const char *lg_repo_workdir(const lg_repo *repo);

/* Where --baseline auto finds the target branch; NULL or "" when unset. */
typedef struct {
	const char *base;                /* --base REV */
	const char *github_base_ref;     /* GITHUB_BASE_REF */
	const char *gitlab_diff_base;    /* CI_MERGE_REQUEST_DIFF_BASE_SHA */
	const char *gitlab_target;       /* CI_MERGE_REQUEST_TARGET_BRANCH_NAME */
} lg_base_hints;

/* The hints from the environment, base from the command line. */
void lg_base_hints_from_env(lg_base_hints *out, const char *base);

/* A commit to read a baseline at. */
typedef struct {
	char id[41];     /* full hex id; "" when there is none (a root HEAD) */
	char rev[8];     /* abbreviated */
	char how[256];   /* "merge base of HEAD and origin/main", "HEAD~1" */
} lg_base_commit;

/*
 * --baseline auto: the merge base of HEAD and the target branch (--base,
 * then GITHUB_BASE_REF as origin/<ref>, then CI_MERGE_REQUEST_DIFF_BASE_SHA,
 * then CI_MERGE_REQUEST_TARGET_BRANCH_NAME); outside a merge request HEAD's
 * first parent. A HEAD without parents gives an empty out->id (nothing to
 * compare with), not an error.
 */
int lg_repo_auto_base(lg_base_commit *out, lg_repo *repo,
		      const lg_base_hints *hints);

/* --baseline REV: the commit REV names. */
int lg_repo_resolve(lg_base_commit *out, lg_repo *repo, const char *rev);

#endif

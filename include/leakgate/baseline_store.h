#ifndef LEAKGATE_BASELINE_STORE_H
#define LEAKGATE_BASELINE_STORE_H

#include "leakgate/baseline.h"
#include "leakgate/buf.h"

/*
 * Where baselines live in git, through libgit2 (never the git command):
 *   file   LG_BASELINE_PATH in a commit's tree, committed by the user;
 *   notes  a git note under LG_BASELINE_NOTES_REF on the measured commit,
 *          for a main-branch job that records without committing.
 * Anything that judges a change reads at a commit, never the working tree.
 * Errors (one line, for exit 2): not a repository, an unknown revision, a
 * base commit missing from a shallow clone (saying what to fetch), a corrupt
 * baseline (naming the blob or note and the revision).
 */

/* How far the notes lookup walks first parents from the base commit. */
#define LG_BASELINE_NOTES_DEPTH 1000

typedef enum {
	LG_STORE_ANY,   /* the file first, then notes */
	LG_STORE_FILE,
	LG_STORE_NOTES
} lg_baseline_store;

/* "file" / "notes" -> the store; LG_EINVALID with a message otherwise. */
int lg_baseline_store_parse(lg_baseline_store *out, const char *name);

typedef struct lg_repo lg_repo;

/* The repository holding dir (found upwards). LG_ENOTFOUND: "'DIR' is not
 * in a git repository". */
int lg_repo_open(lg_repo **out, const char *dir);
void lg_repo_free(lg_repo *repo);

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

/*
 * The baseline at commit id: with LG_STORE_ANY the file in its tree, else
 * the note of it or of its nearest first-parent ancestor that has one
 * (LG_BASELINE_NOTES_DEPTH commits at most). Sets out->rev and out->store.
 * Returns 1 when found; 0 when there is none, with the reason in *why ("no
 * .leakgate/baseline in 1a2b3c4's tree and no note ..."); < 0 on error.
 */
int lg_baseline_load_at(lg_baseline *out, lg_buf *why, lg_repo *repo,
			const char *id, lg_baseline_store store);

/*
 * All of the above for a command: open the repository holding dir, find
 * the commit (rev "auto" or a revision) and load the baseline there. Returns
 * 1 found, 0 none (*why says why, base says where it looked), < 0 on error.
 */
int lg_baseline_locate(lg_baseline *out, lg_buf *why, lg_base_commit *base,
		       const char *dir, const char *rev,
		       const lg_base_hints *hints, lg_baseline_store store);

/* Attach text as the note of commit id (replacing any), under
 * LG_BASELINE_NOTES_REF. */
int lg_baseline_write_note(lg_repo *repo, const char *id, const char *text);

#endif

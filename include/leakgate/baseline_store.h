#ifndef LEAKGATE_BASELINE_STORE_H
#define LEAKGATE_BASELINE_STORE_H

#include "leakgate/baseline.h"
#include "leakgate/buf.h"
#include "leakgate/repo.h"

/*
 * Where baselines live in git, through libgit2 (never the git command):
 *   file   LG_BASELINE_PATH in a commit's tree, committed by the user;
 *   notes  a git note under LG_BASELINE_NOTES_REF on the measured commit,
 *          for a main-branch job that records without committing.
 * Anything that judges a change reads at a commit (repo.h finds it), never
 * the working tree. Errors (one line, for exit 2): those of repo.h, a
 * corrupt baseline (naming the blob or note and the revision).
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

/*
 * Writing without losing anything to a writer that races (parallel jobs,
 * shards, worktrees, a push's merge): a record's change is applied to what
 * the store holds at the moment of writing, never to a copy read before
 * the run. keep_only (when not NULL) first drops the entries of workloads
 * not among its keep_count names (a full record: workloads since removed);
 * then measured is merged in, newest measurement of each workload winning
 * (lg_baseline_merge). The writer's leakgate version heads the result.
 * Waiting for another writer lasts lock_timeout seconds at most
 * (LG_BASELINE_LOCK_TIMEOUT by default); then the error says who holds what.
 */
#define LG_BASELINE_LOCK_TIMEOUT 120.0

typedef struct {
	const lg_baseline *measured;
	const char *const *keep_only;
	size_t keep_count;
	double lock_timeout;
} lg_baseline_change;

/*
 * The change applied to the note in force at commit id (its own, else its
 * nearest noted first-parent ancestor's) and written as id's note: a new
 * notes commit on top of the one read, swapped in for it only if the ref
 * still points there (git_reference_create_matching); else, or while
 * another process holds the ref's lock, read, merged and tried again.
 */
int lg_baseline_record_note(lg_repo *repo, const char *id,
			    const lg_baseline_change *change);

/*
 * The same for the file at path: under "<path>.lock" (created
 * exclusively, holding the writer's pid; waited for), the file is read,
 * changed and replaced whole by a rename; readers never see half of it.
 */
int lg_baseline_record_file(const char *path, const lg_baseline_change *change);

/*
 * Merge the notes ref `theirs` (fetched from a remote) into
 * LG_BASELINE_NOTES_REF so that it can be pushed: on top of theirs, each of
 * our notes merged with theirs for the same commit workload by workload
 * (lg_baseline_merge, ours winning a tie); compare-and-swapped as above.
 * *changed: how many notes it wrote. A corrupt note on either side is an
 * error naming it.
 */
int lg_baseline_merge_notes(size_t *changed, lg_repo *repo, const char *theirs,
			    double lock_timeout);

#endif

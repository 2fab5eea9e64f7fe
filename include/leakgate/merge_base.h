#ifndef LEAKGATE_MERGE_BASE_H
#define LEAKGATE_MERGE_BASE_H

struct git_repository;
struct git_oid;

/*
 * The merge base of two commits, found by painting down from both in date
 * order (as git's paint_down_to_common): a parent missing from a shallow
 * clone ends that line of history, as the shallow boundary does for git.
 * libgit2 1.5's git_merge_base fails (and leaks) at the first missing
 * parent. The newest commit (by committer time) that both reach is the
 * answer: with sane clocks the best common ancestor, and the walk stops
 * there; a commit is the answer only once popped with both marks, so
 * skewed clocks cost time, not correctness.
 *
 * 1 and *out when found; 0 when none is in the repository, *missing then
 * saying whether a parent was missing from it (a shallow clone's boundary)
 * or the histories are unrelated; < 0 on error (the message set; more than
 * 200000 commits walked is one).
 */
int lg_merge_base_find(struct git_oid *out, int *missing,
		       struct git_repository *git, const struct git_oid *one,
		       const struct git_oid *two);

#endif

/*
 * The merge base walker: painting down from both commits in date order, a
 * parent missing from a shallow clone ending that line (merge_base.h).
 */
#include "leakgate/merge_base.h"

#include <git2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"

/* Commits in a hash table, a heap by committer time. */
#define MB_ONE 1u      /* reachable from HEAD */
#define MB_TWO 2u      /* reachable from the target */
#define MB_MAX_COMMITS 200000

typedef struct {
	git_oid id;
	git_commit *commit;
	unsigned flags;
} mb_node;

typedef struct {
	git_repository *git;
	mb_node *nodes;
	size_t count, cap;
	size_t *slots;          /* hash of ids: node index + 1, 0 when empty */
	size_t nslots;
	size_t *heap;           /* node indices, newest commit first */
	size_t heap_len, heap_cap;
	int missing;            /* a parent was not in the clone */
} mb_walk;

static size_t mb_hash(const git_oid *id, size_t nslots)
{
	size_t h = 0;

	memcpy(&h, id->id, sizeof(h) < GIT_OID_RAWSZ ? sizeof(h) : GIT_OID_RAWSZ);
	return h & (nslots - 1);
}

static int mb_grow_slots(mb_walk *w)
{
	size_t n = w->nslots ? w->nslots * 2 : 1024;
	size_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return lg_error_oom();
	for (size_t i = 0; i < w->count; i++) {
		size_t h = mb_hash(&w->nodes[i].id, n);

		while (slots[h])
			h = (h + 1) & (n - 1);
		slots[h] = i + 1;
	}
	free(w->slots);
	w->slots = slots;
	w->nslots = n;
	return 0;
}

/* The node of commit id, loaded on first sight: its index, or -1 when the
 * commit is not in the clone, < -1 on error. */
static long mb_node_of(mb_walk *w, const git_oid *id)
{
	git_commit *commit;
	size_t h;
	int rc;

	if ((w->count + 1) * 2 > w->nslots && mb_grow_slots(w) < 0)
		return -2;
	for (h = mb_hash(id, w->nslots); w->slots[h]; h = (h + 1) & (w->nslots - 1))
		if (git_oid_equal(&w->nodes[w->slots[h] - 1].id, id))
			return (long)(w->slots[h] - 1);
	if (w->count == MB_MAX_COMMITS) {
		lg_error_set("the merge base is more than %d commits away",
			     MB_MAX_COMMITS);
		return -2;
	}
	rc = git_commit_lookup(&commit, w->git, id);
	if (rc == GIT_ENOTFOUND) {
		w->missing = 1;
		return -1;
	}
	if (rc < 0) {
		lg_error_git("cannot read commit");
		return -2;
	}
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		mb_node *nodes = realloc(w->nodes, cap * sizeof(*nodes));

		if (!nodes) {
			git_commit_free(commit);
			lg_error_oom();
			return -2;
		}
		w->nodes = nodes;
		w->cap = cap;
	}
	git_oid_cpy(&w->nodes[w->count].id, id);
	w->nodes[w->count].commit = commit;
	w->nodes[w->count].flags = 0;
	w->slots[h] = w->count + 1;
	return (long)w->count++;
}

static int64_t mb_time(const mb_walk *w, size_t i)
{
	return git_commit_time(w->nodes[i].commit);
}

static int mb_push(mb_walk *w, size_t node)
{
	size_t i;

	if (w->heap_len == w->heap_cap) {
		size_t cap = w->heap_cap ? w->heap_cap * 2 : 64;
		size_t *heap = realloc(w->heap, cap * sizeof(*heap));

		if (!heap)
			return lg_error_oom();
		w->heap = heap;
		w->heap_cap = cap;
	}
	for (i = w->heap_len++; i > 0; i = (i - 1) / 2) {
		size_t up = (i - 1) / 2;

		if (mb_time(w, w->heap[up]) >= mb_time(w, node))
			break;
		w->heap[i] = w->heap[up];
	}
	w->heap[i] = node;
	return 0;
}

static size_t mb_pop(mb_walk *w)
{
	size_t top = w->heap[0], last = w->heap[--w->heap_len], i = 0;

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= w->heap_len)
			break;
		if (child + 1 < w->heap_len &&
		    mb_time(w, w->heap[child + 1]) > mb_time(w, w->heap[child]))
			child++;
		if (mb_time(w, w->heap[child]) <= mb_time(w, last))
			break;
		w->heap[i] = w->heap[child];
		i = child;
	}
	if (w->heap_len)
		w->heap[i] = last;
	return top;
}

/* Mark a commit and queue it; nothing when it is not in the clone. */
static int mb_start(mb_walk *w, const git_oid *id, unsigned flags)
{
	long node = mb_node_of(w, id);

	if (node < 0)
		return node == -1 ? 0 : LG_ERROR;
	w->nodes[node].flags |= flags;
	return mb_push(w, (size_t)node);
}

static int mb_find(git_oid *out, mb_walk *w, const git_oid *one, const git_oid *two)
{
	int rc;

	if ((rc = mb_start(w, one, MB_ONE)) < 0 || (rc = mb_start(w, two, MB_TWO)) < 0)
		return rc;
	while (w->heap_len) {
		size_t node = mb_pop(w);
		unsigned flags = w->nodes[node].flags;
		git_commit *commit = w->nodes[node].commit;

		if (flags == (MB_ONE | MB_TWO)) {
			git_oid_cpy(out, &w->nodes[node].id);
			return 1;
		}
		for (unsigned i = 0; i < git_commit_parentcount(commit); i++) {
			long parent = mb_node_of(w, git_commit_parent_id(commit, i));

			if (parent == -1)
				continue; /* beyond the shallow boundary */
			if (parent < 0)
				return LG_ERROR;
			if ((w->nodes[parent].flags & flags) == flags)
				continue;
			w->nodes[parent].flags |= flags;
			if ((rc = mb_push(w, (size_t)parent)) < 0)
				return rc;
		}
	}
	return 0;
}

static void mb_dispose(mb_walk *w)
{
	for (size_t i = 0; i < w->count; i++)
		git_commit_free(w->nodes[i].commit);
	free(w->nodes);
	free(w->slots);
	free(w->heap);
}

int lg_merge_base_find(git_oid *out, int *missing, git_repository *git,
		       const git_oid *one, const git_oid *two)
{
	mb_walk walk;
	int rc;

	memset(&walk, 0, sizeof(walk));
	walk.git = git;
	rc = mb_find(out, &walk, one, two);
	mb_dispose(&walk);
	*missing = walk.missing;
	return rc;
}

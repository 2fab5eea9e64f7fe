#ifndef LEAKGATE_SHARD_H
#define LEAKGATE_SHARD_H

#include <stddef.h>

#include "leakgate/workload.h"

/*
 * Shards: one CI job of N runs shard K (1-based, like GitLab's
 * CI_NODE_INDEX/CI_NODE_TOTAL). The workload names are sorted (bytewise)
 * and dealt round-robin, so a shard depends only on the set of names — not
 * on the order of the configuration file or on which job asks — and sizes
 * differ by at most one.
 */
typedef struct {
	unsigned index; /* K, 1..total */
	unsigned total; /* N >= 1; 1/1 is everything */
} lg_shard;

#define LG_SHARD_ALL { .index = 1, .total = 1 }
#define LG_SHARD_MAX 10000

/*
 * "K/N", or "auto": K and N from node_index and node_total (the values of
 * CI_NODE_INDEX and CI_NODE_TOTAL, NULL when unset). No CI_NODE_INDEX
 * with CI_NODE_TOTAL unset or 1 is 1/1: a GitLab job without `parallel:`.
 * LG_EINVALID with a message naming the value.
 */
int lg_shard_parse(lg_shard *out, const char *spec, const char *node_index,
		   const char *node_total);

/*
 * keep[i] = 1 when names[i] belongs to the shard, else 0. Returns how many
 * were kept; LG_ENOMEM or LG_EINVALID (a shard out of range) when < 0.
 */
int lg_shard_select(unsigned char *keep, const char *const *names,
		    size_t count, const lg_shard *shard);

/* Keep the shard's workloads (by name) in place, in their order; the others
 * are disposed and *count updated. */
int lg_shard_workloads(lg_workload *workloads, size_t *count,
		       const lg_shard *shard);

#endif

#include "leakgate/shard.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/parse.h"

static int parse_number(unsigned *out, const char *s, const char *what,
			const char *spec)
{
	int64_t v;

	if (lg_parse_i64(&v, s) < 0 || v < 1 || v > LG_SHARD_MAX) {
		lg_error_set("shard '%s': %s '%s' is not a whole number from 1 "
			     "to %d", spec, what, s, LG_SHARD_MAX);
		return LG_EINVALID;
	}
	*out = (unsigned)v;
	return 0;
}

static int check_range(const lg_shard *s, const char *spec)
{
	if (s->index > s->total) {
		lg_error_set("shard '%s': %u is more than the %u shards", spec,
			     s->index, s->total);
		return LG_EINVALID;
	}
	return 0;
}

int lg_shard_parse(lg_shard *out, const char *spec, const char *node_index,
		   const char *node_total)
{
	char k[32];
	const char *slash;
	lg_shard s = LG_SHARD_ALL;
	int rc;

	if (strcmp(spec, "auto") == 0) {
		/* GitLab sets CI_NODE_TOTAL=1 on every job, and CI_NODE_INDEX
		 * only under parallel:. */
		if (!node_index && (!node_total || strcmp(node_total, "1") == 0)) {
			*out = s;
			return 0;
		}
		if (!node_index || !node_total) {
			lg_error_set("shard 'auto': CI_NODE_INDEX and CI_NODE_TOTAL "
				     "must both be set (have %s=%s)",
				     node_index ? "CI_NODE_INDEX" : "CI_NODE_TOTAL",
				     node_index ? node_index : node_total);
			return LG_EINVALID;
		}
		if ((rc = parse_number(&s.index, node_index, "CI_NODE_INDEX", spec)) < 0 ||
		    (rc = parse_number(&s.total, node_total, "CI_NODE_TOTAL", spec)) < 0 ||
		    (rc = check_range(&s, spec)) < 0)
			return rc;
		*out = s;
		return 0;
	}
	slash = strchr(spec, '/');
	if (!slash || (size_t)(slash - spec) >= sizeof(k)) {
		lg_error_set("shard '%s': expected K/N (such as 2/4) or auto", spec);
		return LG_EINVALID;
	}
	memcpy(k, spec, (size_t)(slash - spec));
	k[slash - spec] = '\0';
	if ((rc = parse_number(&s.index, k, "K", spec)) < 0 ||
	    (rc = parse_number(&s.total, slash + 1, "N", spec)) < 0 ||
	    (rc = check_range(&s, spec)) < 0)
		return rc;
	*out = s;
	return 0;
}

typedef struct {
	const char *name;
	size_t index;
} entry;

/* By name; equal names keep their given order, so ties are deterministic. */
static int by_name(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

int lg_shard_select(unsigned char *keep, const char *const *names,
		    size_t count, const lg_shard *shard)
{
	entry *sorted;
	int kept = 0;

	if (shard->total < 1 || shard->index < 1 || shard->index > shard->total) {
		lg_error_set("shard %u/%u is out of range", shard->index,
			     shard->total);
		return LG_EINVALID;
	}
	if (count > (size_t)INT32_MAX) {
		lg_error_set("too many workloads to shard");
		return LG_EINVALID;
	}
	if (count == 0)
		return 0;
	sorted = malloc(count * sizeof(*sorted));
	if (!sorted)
		return lg_error_oom();
	for (size_t i = 0; i < count; i++) {
		sorted[i].name = names[i] ? names[i] : "";
		sorted[i].index = i;
	}
	qsort(sorted, count, sizeof(*sorted), by_name);
	for (size_t p = 0; p < count; p++) {
		int mine = p % shard->total == shard->index - 1;

		keep[sorted[p].index] = (unsigned char)mine;
		kept += mine;
	}
	free(sorted);
	return kept;
}

int lg_shard_workloads(lg_workload *workloads, size_t *count,
		       const lg_shard *shard)
{
	const char **names;
	unsigned char *keep;
	size_t kept = 0;
	int rc = LG_ENOMEM;

	if (*count == 0)
		return lg_shard_select(NULL, NULL, 0, shard) < 0 ? LG_EINVALID : 0;
	names = malloc(*count * sizeof(*names));
	keep = malloc(*count);
	if (!names || !keep) {
		rc = lg_error_oom();
		goto out;
	}
	for (size_t i = 0; i < *count; i++)
		names[i] = workloads[i].name ? workloads[i].name : workloads[i].target;
	if ((rc = lg_shard_select(keep, names, *count, shard)) < 0)
		goto out;
	for (size_t i = 0; i < *count; i++) {
		if (keep[i])
			workloads[kept++] = workloads[i];
		else
			lg_workload_dispose(&workloads[i]);
	}
	*count = kept;
	rc = 0;
out:
	free(names);
	free(keep);
	return rc;
}

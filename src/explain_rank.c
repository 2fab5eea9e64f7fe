/*
 * The explanation judged: its tables ranked and cut to what is worth
 * reporting, the kind of leak decided from the detection pass's fits and
 * what the explain pass saw, the line to annotate picked. Pure.
 */
#include "leakgate/explain_rank.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/metric.h"

static int by_type_bytes(const void *a, const void *b)
{
	const lg_explain_type *x = a, *y = b;

	if (x->bytes_per_call != y->bytes_per_call)
		return x->bytes_per_call < y->bytes_per_call ? 1 : -1;
	if (x->objects_per_call != y->objects_per_call)
		return x->objects_per_call < y->objects_per_call ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Frames in a fixed order (file, then line; none last), so that equal
 * figures rank the same way in every run. */
static int by_frame(const lg_explain_frame *x, const lg_explain_frame *y)
{
	int c;

	if (!x->file || !y->file)
		return (x->file == NULL) - (y->file == NULL);
	if ((c = strcmp(x->file, y->file)) != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static int by_site_bytes(const void *a, const void *b)
{
	const lg_explain_site *x = a, *y = b;
	int c;

	if (x->bytes_per_call != y->bytes_per_call)
		return x->bytes_per_call < y->bytes_per_call ? 1 : -1;
	if (x->blocks_per_call != y->blocks_per_call)
		return x->blocks_per_call < y->blocks_per_call ? 1 : -1;
	if ((c = by_frame(&x->at, &y->at)) != 0)
		return c;
	for (size_t i = 0; i < x->frame_count && i < y->frame_count; i++)
		if ((c = by_frame(&x->frames[i], &y->frames[i])) != 0)
			return c;
	return (x->frame_count > y->frame_count) - (x->frame_count < y->frame_count);
}

static int by_native_bytes(const void *a, const void *b)
{
	const lg_explain_native *x = a, *y = b;

	if (x->bytes_per_call != y->bytes_per_call)
		return x->bytes_per_call < y->bytes_per_call ? 1 : -1;
	if (x->blocks_per_call != y->blocks_per_call)
		return x->blocks_per_call < y->blocks_per_call ? 1 : -1;
	return by_frame(&x->at, &y->at);
}

static int by_resource_count(const void *a, const void *b)
{
	const lg_explain_resource *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->what, y->what);
}

static int by_cycle_objects(const void *a, const void *b)
{
	const lg_explain_cycle *x = a, *y = b;

	if (x->objects_per_call != y->objects_per_call)
		return x->objects_per_call < y->objects_per_call ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Keep the rows worth reporting (growing ones), in order, at most top. */
#define PRUNE(items, count, keep_if, dispose) do { \
	size_t kept_ = 0; \
	for (size_t i_ = 0; i_ < (count); i_++) { \
		if (kept_ < LG_EXPLAIN_TOP && (keep_if)) \
			(items)[kept_++] = (items)[i_]; \
		else \
			dispose(&(items)[i_]); \
	} \
	(count) = kept_; \
} while (0)

/* Below this a fitted rate is noise from the census itself. */
#define MIN_OBJECTS_PER_CALL 0.001
#define MIN_BYTES_PER_CALL 0.5
/* A site keeping one small block every few hundred calls is below the
 * bytes but still the leak's site (a float kept every 100th call). */
#define MIN_BLOCKS_PER_CALL 0.002

static int fitted_leaks(const lg_workload_result *r, lg_metric m)
{
	return ((r->fitted >> m) & 1u) && r->fits[m].leaks;
}

static double fitted_slope(const lg_workload_result *r, lg_metric m)
{
	return ((r->fitted >> m) & 1u) && r->fits[m].enough ? r->fits[m].slope : 0;
}

/* Native when the heap grows and the explain pass saw Python allocate
 * less than half of it. Without tracemalloc's figure, when the shim saw
 * native blocks carry most of it. (The shim sees Python's large objects
 * too: malloc is under both.) Never when the type census counted Python
 * objects growing by half of it or more: it spans many more calls than
 * tracemalloc's points, which a slow test keeps to a few dozen calls
 * (simplejson's test_stringify_key: 28 traced calls, 19 B/call; tuples
 * 576 B/call in the census, all of the heap's growth). */
static int heap_is_native(const lg_explanation *e, const lg_workload_result *r)
{
	double heap = fitted_slope(r, LG_METRIC_HEAP_BYTES);
	double native = 0, census = 0;

	for (size_t i = 0; i < e->native_count; i++)
		native += e->natives[i].bytes_per_call;
	for (size_t i = 0; i < e->type_count; i++)
		if (e->types[i].bytes_per_call > 0)
			census += e->types[i].bytes_per_call;
	if (heap <= 0 || census >= heap / 2)
		return 0;
	if (e->traced)
		return e->traced_bytes_per_call < heap / 2;
	return native >= heap / 2;
}

static lg_leak_kind decide_kind(const lg_explanation *e, const lg_workload_result *r)
{
	int heap = fitted_leaks(r, LG_METRIC_HEAP_BYTES) ||
		   (r->verdict != LG_VERDICT_CLEAN &&
		    r->culprit == LG_METRIC_HEAP_BYTES &&
		    fitted_slope(r, LG_METRIC_HEAP_BYTES) > r->workload.threshold);

	/* The judged metric decides; heap_bytes comes first in the enum, so
	 * check the resources before it. */
	if (fitted_leaks(r, LG_METRIC_FDS))
		return LG_LEAK_KIND_FDS;
	if (fitted_leaks(r, LG_METRIC_THREADS))
		return LG_LEAK_KIND_THREADS;
	if (fitted_leaks(r, LG_METRIC_GC_GARBAGE))
		return LG_LEAK_KIND_UNCOLLECTABLE;
	if (heap && heap_is_native(e, r))
		return LG_LEAK_KIND_NATIVE;
	/* A leak judged on a count alone (one small object kept every few
	 * hundred calls: far below the byte threshold) is still objects kept,
	 * with a site to point at. Kept by C when no Python object holds them. */
	if (heap || fitted_leaks(r, LG_METRIC_REFS) ||
	    fitted_leaks(r, LG_METRIC_BLOCKS) ||
	    fitted_leaks(r, LG_METRIC_GC_OBJECTS))
		return e->kept_by_c ? LG_LEAK_KIND_KEPT_BY_C
				    : LG_LEAK_KIND_PYTHON_OBJECTS;
	if (e->cycle_count || (r->culprit == LG_METRIC_GC_COLLECTED &&
			       r->verdict == LG_VERDICT_LEAK))
		return LG_LEAK_KIND_CYCLES;
	return LG_LEAK_KIND_NONE;
}

static const lg_explain_resource *first_resource(const lg_explanation *e,
						 lg_resource_kind kind)
{
	for (size_t i = 0; i < e->resource_count; i++)
		if (e->resources[i].kind == kind && e->resources[i].at.file)
			return &e->resources[i];
	return NULL;
}

/* The line for CI annotations: the culprit's allocation, opening or start. */
static const lg_explain_frame *pick_site(const lg_explanation *e)
{
	const lg_explain_resource *res = NULL;

	switch (e->kind) {
	case LG_LEAK_KIND_FDS:
		res = first_resource(e, LG_RESOURCE_FD);
		break;
	case LG_LEAK_KIND_THREADS:
		res = first_resource(e, LG_RESOURCE_THREAD);
		break;
	case LG_LEAK_KIND_UNCOLLECTABLE:
		res = first_resource(e, LG_RESOURCE_GARBAGE);
		break;
	case LG_LEAK_KIND_NATIVE:
		for (size_t i = 0; i < e->native_count; i++)
			if (e->natives[i].at.file)
				return &e->natives[i].at;
		break;
	case LG_LEAK_KIND_CYCLES:
		for (size_t i = 0; i < e->cycle_count; i++)
			if (e->cycles[i].at.file)
				return &e->cycles[i].at;
		break;
	case LG_LEAK_KIND_KEPT_BY_C:
		if (e->c_at.file)
			return &e->c_at;
		break;
	case LG_LEAK_KIND_PYTHON_OBJECTS:
	case LG_LEAK_KIND_NONE:
		break;
	}
	if (res)
		return &res->at;
	if (e->kind == LG_LEAK_KIND_NONE)
		return NULL;
	for (size_t i = 0; i < e->site_count; i++)
		if (e->sites[i].at.file)
			return &e->sites[i].at;
	return NULL;
}

int lg_explain_finish(lg_explanation *e, const lg_workload_result *r)
{
	const lg_explain_frame *site;

	if (!e || !r) {
		lg_error_set("explain: nothing to finish");
		return LG_EINVALID;
	}
	if (e->type_count)
		qsort(e->types, e->type_count, sizeof(*e->types), by_type_bytes);
	if (e->site_count)
		qsort(e->sites, e->site_count, sizeof(*e->sites), by_site_bytes);
	if (e->native_count)
		qsort(e->natives, e->native_count, sizeof(*e->natives), by_native_bytes);
	if (e->resource_count)
		qsort(e->resources, e->resource_count, sizeof(*e->resources),
		      by_resource_count);
	if (e->cycle_count)
		qsort(e->cycles, e->cycle_count, sizeof(*e->cycles), by_cycle_objects);
	PRUNE(e->types, e->type_count,
	      e->types[i_].objects_per_call >= MIN_OBJECTS_PER_CALL ||
	      e->types[i_].bytes_per_call >= MIN_BYTES_PER_CALL,
	      lg_explain_type_dispose);
	PRUNE(e->sites, e->site_count,
	      e->sites[i_].bytes_per_call >= MIN_BYTES_PER_CALL ||
	      e->sites[i_].blocks_per_call >= MIN_BLOCKS_PER_CALL,
	      lg_explain_site_dispose);
	PRUNE(e->natives, e->native_count,
	      e->natives[i_].bytes_per_call >= MIN_BYTES_PER_CALL,
	      lg_explain_native_dispose);
	PRUNE(e->resources, e->resource_count, e->resources[i_].count > 0,
	      lg_explain_resource_dispose);
	PRUNE(e->cycles, e->cycle_count,
	      e->cycles[i_].objects_per_call >= MIN_OBJECTS_PER_CALL,
	      lg_explain_cycle_dispose);

	e->kind = decide_kind(e, r);
	site = pick_site(e);
	e->site_line = site ? site->line : 0;
	return lg_string_set(&e->site_file, site ? site->file : NULL);
}


#ifndef LEAKGATE_METRIC_H
#define LEAKGATE_METRIC_H

/*
 * The counters the agent samples after every batch of calls. All are exact
 * integer counters read after gc.collect(), so a clean workload shows no
 * noise and a leak of one object per call is visible.
 */
typedef enum {
	LG_METRIC_HEAP_BYTES,     /* derived by the runner: pymalloc + malloc bytes */
	LG_METRIC_PYMALLOC_BYTES, /* bytes in pymalloc blocks (sys._debugmallocstats) */
	LG_METRIC_MALLOC_BYTES,   /* bytes malloc'd: glibc mallinfo2 uordblks+hblkhd */
	LG_METRIC_BLOCKS,         /* sys.getallocatedblocks() */
	LG_METRIC_GC_OBJECTS,     /* len(gc.get_objects()) */
	LG_METRIC_FDS,            /* entries in /proc/self/fd */
	LG_METRIC_THREADS,        /* entries in /proc/self/task */
	LG_METRIC_GC_COLLECTED,   /* cumulative objects freed by the cycle collector */
	LG_METRIC_GC_GARBAGE,     /* len(gc.garbage): uncollectable objects */
	LG_METRIC_REFS,           /* sys.gettotalrefcount(), debug builds only */
	LG_METRIC_COUNT
} lg_metric;

typedef enum {
	LG_METRIC_INFO,      /* reported, never fails a workload */
	LG_METRIC_BYTES,     /* leaks above the workload's bytes-per-call threshold */
	LG_METRIC_RESOURCE,  /* leaks at any sustained rate (fds, threads, ...) */
	LG_METRIC_OBJECTS    /* leaks at any sustained rate that does not slow
			      * down (verdict.h): exact counts of objects */
} lg_metric_kind;

typedef struct {
	const char *name;    /* wire and report name, e.g. "heap_bytes" */
	const char *unit;    /* singular unit for "<slope> <unit>/call": "B", "fd" */
	const char *units;   /* plural form: "B", "fds" */
	lg_metric_kind kind;
	const char *meaning; /* one sentence for --help and the README */
} lg_metric_info;

/* Borrowed pointer to static data; m must be < LG_METRIC_COUNT. */
const lg_metric_info *lg_metric_get(lg_metric m);

/* Look a metric up by its wire name; LG_ENOTFOUND if unknown. */
int lg_metric_from_name(lg_metric *out, const char *name);

#endif

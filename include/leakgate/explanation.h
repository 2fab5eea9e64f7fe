#ifndef LEAKGATE_EXPLANATION_H
#define LEAKGATE_EXPLANATION_H

#include <stddef.h>
#include <stdint.h>

#include "leakgate/buf.h"

/*
 * Why a workload leaks: what the explain pass found. The runner runs it
 * in a second, fresh child (src/agent/explain.py, heavier instruments than
 * the detection pass) for every workload that leaks, or for every workload
 * with --explain. The agent sends raw series and findings (proto.h, the
 * explain session: explain_records.c reads them into this model);
 * explain_rank.h ranks them and decides the kind, explain_text.h says it.
 *
 * A plain model for the report sinks: every string is owned, every array
 * has its count, numbers are per call of the workload.
 */

typedef enum {
	LG_LEAK_KIND_NONE,           /* nothing grows (explained on request) */
	LG_LEAK_KIND_PYTHON_OBJECTS, /* Python objects retained */
	LG_LEAK_KIND_NATIVE,         /* the C heap grows, tracemalloc sees little */
	LG_LEAK_KIND_FDS,            /* open file descriptors */
	LG_LEAK_KIND_THREADS,        /* threads that never end */
	LG_LEAK_KIND_UNCOLLECTABLE,  /* objects in gc.garbage */
	LG_LEAK_KIND_CYCLES,         /* reference cycles freed by gc (not a leak) */
	LG_LEAK_KIND_KEPT_BY_C       /* Python memory that no Python object holds */
} lg_leak_kind;

/* "python-objects", "native", "fds", "threads", "uncollectable", "cycles",
 * "kept-by-c", "none". */
const char *lg_leak_kind_name(lg_leak_kind kind);

/* Rows kept after ranking, per table. */
#define LG_EXPLAIN_TOP 5

/* One frame of a Python traceback. */
typedef struct {
	char *file;  /* absolute, as the interpreter knows it */
	int line;
	char *code;  /* the source line, stripped; NULL when unknown */
} lg_explain_frame;

/* A type whose live objects grow. */
typedef struct {
	char *name;              /* "str", "leak_listeners.Handler" */
	int untracked;           /* not tracked by gc: counted as a referent */
	double objects_per_call; /* fitted over the census points */
	double bytes_per_call;   /* sum of sys.getsizeof, fitted */
	int64_t count;           /* alive at the last census point */
} lg_explain_type;

/* Where retained memory was allocated (tracemalloc, grouped by traceback). */
typedef struct {
	lg_explain_frame at;     /* innermost frame in the user's code; file
				  * NULL when the traceback has none */
	double bytes_per_call;   /* fitted growth of what is still alive */
	double blocks_per_call;
	lg_explain_frame *frames; /* most recent first, the agent left out */
	size_t frame_count;
} lg_explain_site;

typedef struct {
	char *symbol;            /* NULL when the library exports none there */
	char *library;           /* file name without directory */
	uint64_t offset;         /* from the symbol, else from the library */
} lg_native_frame;

/* Native blocks allocated during an armed batch and still alive after it
 * (the LD_PRELOAD allocator shim), grouped by stack. */
typedef struct {
	double bytes_per_call;
	double blocks_per_call;
	lg_explain_frame at;     /* the user's Python line running then */
	lg_native_frame *frames; /* the allocation function first */
	size_t frame_count;
} lg_explain_native;

typedef enum {
	LG_RESOURCE_FD,
	LG_RESOURCE_THREAD,
	LG_RESOURCE_GARBAGE
} lg_resource_kind;

/* Resources that appeared during the explain pass and stayed. */
typedef struct {
	lg_resource_kind kind;
	char *what;        /* "/dev/null", "socket (AF_INET, SOCK_STREAM)",
			    * "Thread-N (wait), target threading.Event.wait" */
	int64_t count;
	double per_call;
	lg_explain_frame at; /* where they were opened or started; file NULL
			      * when unknown */
} lg_explain_resource;

/* A type found in the reference cycles the collector freed. */
typedef struct {
	char *name;
	double objects_per_call;
	lg_explain_frame at;     /* where one was allocated; file NULL: unknown */
} lg_explain_cycle;

typedef struct lg_explanation {
	lg_leak_kind kind;
	char *site_file;    /* the user's line a CI annotation should point at */
	int site_line;      /* (a copy of a site's, resource's or stack's); 0/NULL: none */

	lg_explain_type *types;
	size_t type_count;
	lg_explain_site *sites;
	size_t site_count;
	lg_explain_native *natives;
	size_t native_count;
	lg_explain_resource *resources;
	size_t resource_count;
	lg_explain_cycle *cycles;
	size_t cycle_count;

	char *chain;        /* "leak_global_cache._cache[1234] → str"; NULL: none */
	char *chain_root;   /* "leak_global_cache._cache" */
	char *chain_note;   /* why there is no chain, when there is none */

	/* No Python referrer holds what grows (an extension that never
	 * releases a reference or a block, ctypes): the C function called by
	 * the line that allocates most, when a profile hook saw one. */
	int kept_by_c;
	char *c_call;       /* "multidict._multidict.CIMultiDict.update"; NULL */
	char *c_library;    /* "_multidict.cpython-311-x86_64-linux-gnu.so"; NULL */
	lg_explain_frame c_at; /* the line that called it; file NULL: unknown */

	int traced;                   /* tracemalloc ran: the next is meaningful */
	double traced_bytes_per_call; /* growth tracemalloc sees, every site */

	int64_t calls;      /* calls made by the explain pass */
	double seconds;     /* its wall time */
	char *stopped;      /* why it ended early; NULL when it completed */
	lg_buf notes;       /* the agent's notes, one per line */
} lg_explanation;

int lg_explanation_new(lg_explanation **out);
void lg_explanation_free(lg_explanation *e); /* accepts NULL */

/* One row of a table, freed (lg_explain_finish drops the rows it does not
 * keep). */
void lg_explain_frame_dispose(lg_explain_frame *f);
void lg_explain_type_dispose(lg_explain_type *t);
void lg_explain_site_dispose(lg_explain_site *s);
void lg_explain_native_dispose(lg_explain_native *n);
void lg_explain_resource_dispose(lg_explain_resource *r);
void lg_explain_cycle_dispose(lg_explain_cycle *c);

#endif

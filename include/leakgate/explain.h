#ifndef LEAKGATE_EXPLAIN_H
#define LEAKGATE_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "leakgate/buf.h"
#include "leakgate/proto.h"
#include "leakgate/result.h"

/*
 * Why a workload leaks: what the diagnostic pass found. The runner runs it
 * in a second, fresh child (src/agent/explain.py, heavier instruments than
 * the detection pass) for every workload that leaks, or for every workload
 * with --explain. The agent sends raw series and findings (proto.h, the
 * diagnostic session); everything fitted, ranked and judged here is pure C
 * over plain structs.
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
	LG_LEAK_KIND_CYCLES          /* reference cycles freed by gc (not a leak) */
} lg_leak_kind;

/* "python-objects", "native", "fds", "threads", "uncollectable", "cycles",
 * "none". */
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

/* Resources that appeared during the diagnostic pass and stayed. */
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

	int traced;                   /* tracemalloc ran: the next is meaningful */
	double traced_bytes_per_call; /* growth tracemalloc sees, every site */

	int64_t calls;      /* calls made by the diagnostic pass */
	double seconds;     /* its wall time */
	char *stopped;      /* why it ended early; NULL when it completed */
	lg_buf notes;       /* the agent's notes, one per line */
} lg_explanation;

int lg_explanation_new(lg_explanation **out);
void lg_explanation_free(lg_explanation *e); /* accepts NULL */

/* Applies the diagnostic pass's records, in order, to an explanation. */
typedef struct {
	int state;          /* private: where in the record order */
	lg_explanation *e;  /* borrowed */
} lg_explain_session;

void lg_explain_session_init(lg_explain_session *s, lg_explanation *e);
/* LG_EPROTO with a message for out-of-order or malformed records. */
int lg_explain_session_apply(lg_explain_session *s, const lg_record *rec);
/* 1 once the end record arrived. */
int lg_explain_session_ended(const lg_explain_session *s);

/*
 * Rank (LG_EXPLAIN_TOP rows per table, growing ones only, largest first),
 * decide the kind from the detection pass's fits in r and what the
 * diagnostic pass saw, and pick the line to annotate. Pure.
 */
int lg_explain_finish(lg_explanation *e, const lg_workload_result *r);

/*
 * Plain text, one finding per line, each line starting with indent.
 * full = 0: the 2-4 line summary (kind and culprit, site, chain); full = 1:
 * every table. Paths relative to the current directory when inside it.
 */
int lg_explain_render(lg_buf *out, const lg_explanation *e, const char *indent,
		      int full);

/* "tests/workloads/leak_native.py:16" into out ("" when no site). */
char *lg_explain_site_text(char *out, size_t size, const lg_explanation *e);

/*
 * The allocator shim (src/shim/lgshim.c), built into the binary: written to
 * a private temporary file for LD_PRELOAD. *path_out is the file (free()
 * it after lg_explain_shim_remove).
 */
int lg_explain_shim_install(char **path_out);
void lg_explain_shim_remove(const char *path);

#endif

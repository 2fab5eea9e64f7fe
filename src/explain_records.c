/*
 * The explain session's records (proto.h) into an explanation: series
 * fitted into rates per call, findings copied, bounded in size. session.c
 * checks their order and calls these.
 */
#include "leakgate/explain_records.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/fit.h"
#include "leakgate/parse.h"

#define MAX_POINTS 256     /* points in one series */
#define MAX_ROWS 4096      /* records kept per table before ranking */
#define MAX_FRAMES 32      /* frames kept per traceback or native stack */
#define CHAIN_LIMIT 2048   /* bytes of a retainer chain kept */
#define NOTES_LIMIT 4096   /* bytes of agent notes kept */

/* Grow an array of `size`-byte rows to hold one more; *count unchanged. */
static int reserve(void **items, size_t count, size_t size)
{
	void *grown;

	if (count >= MAX_ROWS) {
		lg_error_set("protocol: more than %d explain records of a kind",
			     MAX_ROWS);
		return LG_EPROTO;
	}
	grown = realloc(*items, (count + 1) * size);
	if (!grown)
		return lg_error_oom();
	*items = grown;
	memset((char *)grown + count * size, 0, size);
	return 0;
}

static int get_i64(int64_t *out, const lg_record *rec, const char *key)
{
	if (!lg_record_get(rec, key))
		return lg_record_bad_field(rec, key, "is missing");
	return lg_record_get_i64(out, rec, key);
}

/* An optional non-negative integer; 0 when absent. */
static int get_optional_count(int64_t *out, const lg_record *rec, const char *key)
{
	int rc;

	*out = 0;
	if (!lg_record_get(rec, key))
		return 0;
	if ((rc = lg_record_get_i64(out, rec, key)) < 0)
		return rc;
	if (*out < 0)
		return lg_record_bad_field(rec, key, "is negative");
	return 0;
}

/* "1,2,3" into values (at most MAX_POINTS); the count into *n. */
static int get_list(double *values, size_t *n, const lg_record *rec,
		    const char *key)
{
	const char *v = lg_record_get(rec, key);
	int64_t x;

	*n = 0;
	if (!v)
		return lg_record_bad_field(rec, key, "is missing");
	for (const char *p = v;;) {
		size_t len = strcspn(p, ",");

		if (*n == MAX_POINTS)
			return lg_record_bad_field(rec, key, "has too many values");
		if (lg_parse_i64n(&x, p, len) < 0)
			return lg_record_bad_field(rec, key, "is not a list of integers");
		values[(*n)++] = (double)x;
		if (p[len] != ',')
			break;
		p += len + 1;
	}
	return 0;
}

/* The calls list and the lists named by keys, all of the same length. */
static int get_series(double *calls, double **lists, const char *const *keys,
		      size_t nkeys, size_t *n, const lg_record *rec)
{
	size_t m;
	int rc;

	if ((rc = get_list(calls, n, rec, "calls")) < 0)
		return rc;
	for (size_t i = 1; i < *n; i++)
		if (calls[i] <= calls[i - 1])
			return lg_record_bad_field(rec, "calls", "does not increase");
	for (size_t k = 0; k < nkeys; k++) {
		if ((rc = get_list(lists[k], &m, rec, keys[k])) < 0)
			return rc;
		if (m != *n)
			return lg_record_bad_field(rec, keys[k], "has not as many values as calls");
	}
	return 0;
}

/* Growth per call between the first and the last point; 0 for a single
 * point. What a site kept over the whole window: not a fit, since memory
 * held by a list or a dict grows in steps (each resize), and the median of
 * pairwise slopes of two such sites of one leak swaps their order from run
 * to run. */
static double window_per_call(const double *calls, const double *values, size_t n)
{
	if (n >= 2 && calls[n - 1] > calls[0])
		return (values[n - 1] - values[0]) / (calls[n - 1] - calls[0]);
	return 0;
}

/* Growth per call of values observed after calls: a Theil–Sen fit when the
 * points allow, else the two ends; 0 for a single point. */
static double per_call(const double *calls, const double *values, size_t n)
{
	lg_fit_options opts = LG_FIT_OPTIONS_INIT;
	lg_fit fit;

	opts.warmup_fraction = 0; /* the agent warmed up before the first point */
	opts.min_samples = 3;
	if (n >= 3 && lg_fit_compute(&fit, calls, values, n, 0, &opts) == 0 &&
	    fit.enough)
		return fit.slope;
	return window_per_call(calls, values, n);
}

static int get_frame(lg_explain_frame *f, const lg_record *rec)
{
	int64_t line = 0;
	int rc;

	if (!lg_record_get(rec, "file"))
		return 0;
	if ((rc = get_optional_count(&line, rec, "line")) < 0)
		return rc;
	f->line = line < 1000000000 ? (int)line : 0;
	if ((rc = lg_string_set(&f->file, lg_record_get(rec, "file"))) < 0)
		return rc;
	if (lg_record_get(rec, "code") && *lg_record_get(rec, "code"))
		return lg_string_set(&f->code, lg_record_get(rec, "code"));
	return 0;
}

/* "a\tb\tc\nd\te\tf" cut into lines and tab-separated parts: calls
 * take(ctx, parts, nparts) per line, up to MAX_FRAMES lines. */
static int each_line(const char *text, size_t nparts,
		     int (*take)(void *ctx, char **parts), void *ctx)
{
	char *copy = strdup(text), *line, *next;
	char *parts[4];
	size_t lines = 0;
	int rc = 0;

	if (!copy)
		return lg_error_oom();
	for (line = copy; line && *line && rc == 0 && lines < MAX_FRAMES; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		parts[0] = line;
		for (size_t k = 1; k < nparts; k++) {
			char *tab = parts[k - 1] ? strchr(parts[k - 1], '\t') : NULL;

			if (tab)
				*tab++ = '\0';
			parts[k] = tab;
		}
		rc = take(ctx, parts);
		lines++;
	}
	free(copy);
	return rc;
}

typedef struct {
	lg_explain_site *site;
} frames_ctx;

static int take_python_frame(void *ctx, char **parts)
{
	lg_explain_site *s = ((frames_ctx *)ctx)->site;
	lg_explain_frame *f;
	int64_t line = 0;
	int rc;

	if (!parts[1] || lg_parse_i64(&line, parts[1]) < 0 ||
	    line < 0 || line >= 1000000000) {
		lg_error_set("protocol: site record: bad frame '%.60s'", parts[0]);
		return LG_EPROTO;
	}
	if ((rc = reserve((void **)&s->frames, s->frame_count, sizeof(*s->frames))) < 0)
		return rc;
	f = &s->frames[s->frame_count++];
	f->line = (int)line;
	if ((rc = lg_string_set(&f->file, parts[0])) < 0)
		return rc;
	return parts[2] && *parts[2] ? lg_string_set(&f->code, parts[2]) : 0;
}

typedef struct {
	lg_explain_native *native;
} native_ctx;

static int take_native_frame(void *ctx, char **parts)
{
	lg_explain_native *n = ((native_ctx *)ctx)->native;
	lg_native_frame *f;
	const char *library = parts[2] ? parts[2] : "?", *slash;
	int64_t offset = 0;
	int rc;

	if (!parts[1] || lg_parse_i64(&offset, parts[1]) < 0 ||
	    offset < 0) {
		lg_error_set("protocol: native record: bad frame '%.60s'", parts[0]);
		return LG_EPROTO;
	}
	if ((rc = reserve((void **)&n->frames, n->frame_count, sizeof(*n->frames))) < 0)
		return rc;
	f = &n->frames[n->frame_count++];
	f->offset = (uint64_t)offset;
	slash = strrchr(library, '/');
	if ((rc = lg_string_set(&f->library, slash ? slash + 1 : library)) < 0)
		return rc;
	if (*parts[0] && strcmp(parts[0], "?") != 0)
		return lg_string_set(&f->symbol, parts[0]);
	return 0;
}

int lg_explain_records_type(lg_session *s, const lg_record *rec)
{
	static const char *const keys[] = { "count", "bytes" };
	lg_explanation *e = s->explanation;
	double calls[MAX_POINTS], count[MAX_POINTS], bytes[MAX_POINTS];
	double *lists[] = { count, bytes };
	const char *name = lg_record_get(rec, "name");
	int64_t untracked;
	lg_explain_type *t;
	size_t n;
	int rc;

	if (!name || !*name)
		return lg_record_bad_field(rec, "name", "is missing");
	if ((rc = get_series(calls, lists, keys, 2, &n, rec)) < 0 ||
	    (rc = get_optional_count(&untracked, rec, "untracked")) < 0 ||
	    (rc = reserve((void **)&e->types, e->type_count, sizeof(*e->types))) < 0)
		return rc;
	t = &e->types[e->type_count++];
	t->untracked = untracked != 0;
	t->objects_per_call = per_call(calls, count, n);
	t->bytes_per_call = per_call(calls, bytes, n);
	t->count = (int64_t)count[n - 1];
	return lg_string_set(&t->name, name);
}

int lg_explain_records_site(lg_session *s, const lg_record *rec)
{
	static const char *const keys[] = { "bytes", "blocks" };
	lg_explanation *e = s->explanation;
	double calls[MAX_POINTS], bytes[MAX_POINTS], blocks[MAX_POINTS];
	double *lists[] = { bytes, blocks };
	const char *frames = lg_record_get(rec, "frames");
	lg_explain_site *site;
	frames_ctx ctx;
	size_t n;
	int rc;

	if ((rc = get_series(calls, lists, keys, 2, &n, rec)) < 0 ||
	    (rc = reserve((void **)&e->sites, e->site_count, sizeof(*e->sites))) < 0)
		return rc;
	site = &e->sites[e->site_count++];
	site->bytes_per_call = window_per_call(calls, bytes, n);
	site->blocks_per_call = window_per_call(calls, blocks, n);
	ctx.site = site;
	if ((rc = get_frame(&site->at, rec)) < 0)
		return rc;
	return frames ? each_line(frames, 3, take_python_frame, &ctx) : 0;
}

int lg_explain_records_traced(lg_session *s, const lg_record *rec)
{
	static const char *const keys[] = { "bytes" };
	lg_explanation *e = s->explanation;
	double calls[MAX_POINTS], bytes[MAX_POINTS];
	double *lists[] = { bytes };
	size_t n;
	int rc;

	if ((rc = get_series(calls, lists, keys, 1, &n, rec)) < 0)
		return rc;
	e->traced = 1;
	e->traced_bytes_per_call = per_call(calls, bytes, n);
	return 0;
}

/* held=c [ccall=NAME clib=FILE file=F line=N code=TEXT]: no Python
 * referrer holds what grows, and the C function the allocating line calls. */
static int held_by_c(lg_explanation *e, const lg_record *rec)
{
	const char *held = lg_record_get(rec, "held");
	const char *call = lg_record_get(rec, "ccall");
	const char *lib = lg_record_get(rec, "clib");
	int rc;

	if (!held)
		return 0;
	if (strcmp(held, "c") != 0)
		return lg_record_bad_field(rec, "held", "is not c");
	e->kept_by_c = 1;
	if ((call && *call && (rc = lg_string_set(&e->c_call, call)) < 0) ||
	    (lib && *lib && (rc = lg_string_set(&e->c_library, lib)) < 0))
		return rc;
	return get_frame(&e->c_at, rec);
}

int lg_explain_records_chain(lg_session *s, const lg_record *rec)
{
	lg_explanation *e = s->explanation;
	const char *text = lg_record_get(rec, "text");
	const char *note = lg_record_get(rec, "note");
	int64_t found;
	int rc;

	if ((rc = get_i64(&found, rec, "found")) < 0)
		return rc;
	if (found && (!text || !*text))
		return lg_record_bad_field(rec, "text", "is missing");
	if (found) {
		char *cut;

		if ((rc = lg_string_set(&e->chain, text)) < 0 ||
		    (rc = lg_string_set(&e->chain_root, lg_record_get(rec, "root"))) < 0)
			return rc;
		if (strlen(e->chain) > CHAIN_LIMIT) {
			/* On a character boundary. */
			cut = e->chain + CHAIN_LIMIT;
			while (cut > e->chain && ((unsigned char)*cut & 0xc0) == 0x80)
				cut--;
			*cut = '\0';
		}
		return 0;
	}
	if ((rc = lg_string_set(&e->chain_note, note && *note ? note
				: "no retainer chain found")) < 0)
		return rc;
	return held_by_c(e, rec);
}

int lg_explain_records_resource(lg_session *s, const lg_record *rec)
{
	static const char *const kinds[] = {
		[LG_RESOURCE_FD] = "fd",
		[LG_RESOURCE_THREAD] = "thread",
		[LG_RESOURCE_GARBAGE] = "garbage",
	};
	lg_explanation *e = s->explanation;
	const char *kind = lg_record_get(rec, "kind");
	const char *what = lg_record_get(rec, "what");
	lg_explain_resource *r;
	int64_t count, calls;
	size_t k;
	int rc;

	for (k = 0; kind && k < sizeof(kinds) / sizeof(*kinds); k++)
		if (strcmp(kind, kinds[k]) == 0)
			break;
	if (!kind || k == sizeof(kinds) / sizeof(*kinds))
		return lg_record_bad_field(rec, "kind", "is not fd, thread or garbage");
	if (!what || !*what)
		return lg_record_bad_field(rec, "what", "is missing");
	if ((rc = get_i64(&count, rec, "count")) < 0 ||
	    (rc = get_i64(&calls, rec, "calls")) < 0)
		return rc;
	if (count < 0 || calls < 0)
		return lg_record_bad_field(rec, count < 0 ? "count" : "calls", "is negative");
	if ((rc = reserve((void **)&e->resources, e->resource_count,
			  sizeof(*e->resources))) < 0)
		return rc;
	r = &e->resources[e->resource_count++];
	r->kind = (lg_resource_kind)k;
	r->count = count;
	r->per_call = calls ? (double)count / (double)calls : 0;
	if ((rc = lg_string_set(&r->what, what)) < 0)
		return rc;
	return get_frame(&r->at, rec);
}

int lg_explain_records_cycle(lg_session *s, const lg_record *rec)
{
	lg_explanation *e = s->explanation;
	const char *name = lg_record_get(rec, "type");
	lg_explain_cycle *c;
	int64_t objects, calls;
	int rc;

	if (!name || !*name)
		return lg_record_bad_field(rec, "type", "is missing");
	if ((rc = get_i64(&objects, rec, "objects")) < 0 ||
	    (rc = get_i64(&calls, rec, "calls")) < 0)
		return rc;
	if (objects < 0 || calls <= 0)
		return lg_record_bad_field(rec, objects < 0 ? "objects" : "calls",
				 "is out of range");
	if ((rc = reserve((void **)&e->cycles, e->cycle_count, sizeof(*e->cycles))) < 0)
		return rc;
	c = &e->cycles[e->cycle_count++];
	c->objects_per_call = (double)objects / (double)calls;
	if ((rc = lg_string_set(&c->name, name)) < 0)
		return rc;
	return get_frame(&c->at, rec);
}

int lg_explain_records_native(lg_session *s, const lg_record *rec)
{
	lg_explanation *e = s->explanation;
	const char *frames = lg_record_get(rec, "frames");
	lg_explain_native *n;
	int64_t bytes, blocks, calls;
	native_ctx ctx;
	int rc;

	if ((rc = get_i64(&bytes, rec, "bytes")) < 0 ||
	    (rc = get_i64(&blocks, rec, "blocks")) < 0 ||
	    (rc = get_i64(&calls, rec, "calls")) < 0)
		return rc;
	if (bytes < 0 || blocks < 0 || calls <= 0)
		return lg_record_bad_field(rec, calls <= 0 ? "calls" : "bytes", "is out of range");
	if (!frames || !*frames)
		return lg_record_bad_field(rec, "frames", "is missing");
	if ((rc = reserve((void **)&e->natives, e->native_count, sizeof(*e->natives))) < 0)
		return rc;
	n = &e->natives[e->native_count++];
	n->bytes_per_call = (double)bytes / (double)calls;
	n->blocks_per_call = (double)blocks / (double)calls;
	ctx.native = n;
	if ((rc = get_frame(&n->at, rec)) < 0)
		return rc;
	return each_line(frames, 3, take_native_frame, &ctx);
}

int lg_explain_records_hello(lg_session *s, const lg_record *rec)
{
	const char *mode = lg_record_get(rec, "mode");

	(void)s;
	if (!mode || strcmp(mode, "explain") != 0)
		return lg_record_bad_field(rec, "mode", "is not explain");
	return 0;
}

int lg_explain_records_note(lg_session *s, const lg_record *rec)
{
	lg_explanation *e = s->explanation;
	const char *text = lg_record_get(rec, "text");

	if (!text || !*text || e->notes.len >= NOTES_LIMIT)
		return 0;
	return lg_buf_printf(&e->notes, "%.*s\n", (int)(NOTES_LIMIT - e->notes.len),
			     text);
}

int lg_explain_records_end(lg_session *s, const lg_record *rec)
{
	lg_explanation *e = s->explanation;
	const char *reason = lg_record_get(rec, "reason");
	const char *type = lg_record_get(rec, "exc_type");
	const char *message = lg_record_get(rec, "message");
	lg_buf why = LG_BUF_INIT;
	int64_t calls = 0;
	int rc;

	if (!reason)
		return lg_record_bad_field(rec, "reason", "is missing");
	if ((rc = get_optional_count(&calls, rec, "calls")) < 0)
		return rc;
	e->calls = calls;
	if (strcmp(reason, "completed") == 0 && s->state == LG_SESSION_RUNNING)
		return 0;
	if (strcmp(reason, "exception") != 0 && strcmp(reason, "import-error") != 0 &&
	    strcmp(reason, "agent-error") != 0)
		return lg_record_bad_field(rec, "reason", "is not completed, exception, "
				 "import-error or agent-error");
	if ((rc = lg_buf_printf(&why, "%s %s%s%s", strcmp(reason, "exception") == 0
				? "the workload raised" : strcmp(reason, "agent-error") == 0
				? "the explain agent failed:" : "import failed:",
				type ? type : "an exception", message && *message
				? ": " : "", message ? message : "")) < 0) {
		lg_buf_dispose(&why);
		return rc;
	}
	free(e->stopped);
	e->stopped = lg_buf_detach(&why);
	return e->stopped ? 0 : lg_error_oom();
}

/*
 * The diagnosis of a leak: the diagnostic session's records into a plain
 * model, the fits and rankings over it, the kind of leak, and its text.
 * Pure: no I/O but what the caller hands in.
 */
#include "leakgate/explain.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/fit.h"
#include "leakgate/format.h"
#include "leakgate/metric.h"

#define NUMBER_SIZE 48
#define PATH_SIZE 4096
#define MAX_POINTS 256     /* points in one series */
#define MAX_ROWS 4096      /* records kept per table before ranking */
#define MAX_FRAMES 32      /* frames kept per traceback or native stack */
#define CHAIN_LIMIT 2048   /* bytes of a retainer chain kept */
#define NOTES_LIMIT 4096   /* bytes of agent notes kept */

/* The session's states. */
enum { S_START, S_HELLO, S_RUNNING, S_ENDED };

static const char *const kind_names[] = {
	[LG_LEAK_KIND_NONE] = "none",
	[LG_LEAK_KIND_PYTHON_OBJECTS] = "python-objects",
	[LG_LEAK_KIND_NATIVE] = "native",
	[LG_LEAK_KIND_FDS] = "fds",
	[LG_LEAK_KIND_THREADS] = "threads",
	[LG_LEAK_KIND_UNCOLLECTABLE] = "uncollectable",
	[LG_LEAK_KIND_CYCLES] = "cycles",
};

const char *lg_leak_kind_name(lg_leak_kind kind)
{
	return (size_t)kind < sizeof(kind_names) / sizeof(*kind_names)
		? kind_names[kind] : "unknown";
}

/* *field = copy of s (NULL stays NULL). */
static int copy_string(char **field, const char *s)
{
	char *copy = NULL;

	if (s && !(copy = strdup(s)))
		return lg_error_oom();
	free(*field);
	*field = copy;
	return 0;
}

/* Grow an array of `size`-byte rows to hold one more; *count unchanged. */
static int reserve(void **items, size_t count, size_t size)
{
	void *grown;

	if (count >= MAX_ROWS) {
		lg_error_set("protocol: more than %d diagnostic records of a kind",
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

static void frame_dispose(lg_explain_frame *f)
{
	free(f->file);
	free(f->code);
	memset(f, 0, sizeof(*f));
}

static void frames_free(lg_explain_frame *frames, size_t n)
{
	for (size_t i = 0; i < n; i++)
		frame_dispose(&frames[i]);
	free(frames);
}

static void native_frames_free(lg_native_frame *frames, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(frames[i].symbol);
		free(frames[i].library);
	}
	free(frames);
}

static void type_dispose(lg_explain_type *t)
{
	free(t->name);
}

static void site_dispose(lg_explain_site *s)
{
	frame_dispose(&s->at);
	frames_free(s->frames, s->frame_count);
}

static void native_dispose(lg_explain_native *n)
{
	frame_dispose(&n->at);
	native_frames_free(n->frames, n->frame_count);
}

static void resource_dispose(lg_explain_resource *r)
{
	free(r->what);
	frame_dispose(&r->at);
}

static void cycle_dispose(lg_explain_cycle *c)
{
	free(c->name);
	frame_dispose(&c->at);
}

int lg_explanation_new(lg_explanation **out)
{
	lg_buf empty = LG_BUF_INIT;

	*out = calloc(1, sizeof(**out));
	if (!*out)
		return lg_error_oom();
	(*out)->notes = empty;
	return 0;
}

void lg_explanation_free(lg_explanation *e)
{
	if (!e)
		return;
	free(e->site_file);
	for (size_t i = 0; i < e->type_count; i++)
		type_dispose(&e->types[i]);
	for (size_t i = 0; i < e->site_count; i++)
		site_dispose(&e->sites[i]);
	for (size_t i = 0; i < e->native_count; i++)
		native_dispose(&e->natives[i]);
	for (size_t i = 0; i < e->resource_count; i++)
		resource_dispose(&e->resources[i]);
	for (size_t i = 0; i < e->cycle_count; i++)
		cycle_dispose(&e->cycles[i]);
	free(e->types);
	free(e->sites);
	free(e->natives);
	free(e->resources);
	free(e->cycles);
	free(e->chain);
	free(e->chain_root);
	free(e->chain_note);
	free(e->stopped);
	lg_buf_dispose(&e->notes);
	free(e);
}

/* -- reading records ------------------------------------------------------ */

static int bad_field(const lg_record *rec, const char *key, const char *why)
{
	const char *v = lg_record_get(rec, key);

	lg_error_set("protocol: %s record: '%s' %s%s%.40s%s",
		     lg_record_type_name(rec->type), key, why,
		     v ? " ('" : "", v ? v : "", v ? "')" : "");
	return LG_EPROTO;
}

static int get_i64(int64_t *out, const lg_record *rec, const char *key)
{
	if (!lg_record_get(rec, key))
		return bad_field(rec, key, "is missing");
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
		return bad_field(rec, key, "is negative");
	return 0;
}

static int parse_one_i64(int64_t *out, const char *s, size_t len)
{
	char digits[32], *end;
	long long v;

	if (len == 0 || len >= sizeof(digits))
		return -1;
	memcpy(digits, s, len);
	digits[len] = '\0';
	errno = 0;
	v = strtoll(digits, &end, 10);
	if (errno || *end || !((digits[0] >= '0' && digits[0] <= '9') || digits[0] == '-'))
		return -1;
	*out = v;
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
		return bad_field(rec, key, "is missing");
	for (const char *p = v;;) {
		size_t len = strcspn(p, ",");

		if (*n == MAX_POINTS)
			return bad_field(rec, key, "has too many values");
		if (parse_one_i64(&x, p, len) < 0)
			return bad_field(rec, key, "is not a list of integers");
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
			return bad_field(rec, "calls", "does not increase");
	for (size_t k = 0; k < nkeys; k++) {
		if ((rc = get_list(lists[k], &m, rec, keys[k])) < 0)
			return rc;
		if (m != *n)
			return bad_field(rec, keys[k], "has not as many values as calls");
	}
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
	if (n >= 2 && calls[n - 1] > calls[0])
		return (values[n - 1] - values[0]) / (calls[n - 1] - calls[0]);
	return 0;
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
	if ((rc = copy_string(&f->file, lg_record_get(rec, "file"))) < 0)
		return rc;
	if (lg_record_get(rec, "code") && *lg_record_get(rec, "code"))
		return copy_string(&f->code, lg_record_get(rec, "code"));
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

	if (!parts[1] || parse_one_i64(&line, parts[1], strlen(parts[1])) < 0 ||
	    line < 0 || line >= 1000000000) {
		lg_error_set("protocol: site record: bad frame '%.60s'", parts[0]);
		return LG_EPROTO;
	}
	if ((rc = reserve((void **)&s->frames, s->frame_count, sizeof(*s->frames))) < 0)
		return rc;
	f = &s->frames[s->frame_count++];
	f->line = (int)line;
	if ((rc = copy_string(&f->file, parts[0])) < 0)
		return rc;
	return parts[2] && *parts[2] ? copy_string(&f->code, parts[2]) : 0;
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

	if (!parts[1] || parse_one_i64(&offset, parts[1], strlen(parts[1])) < 0 ||
	    offset < 0) {
		lg_error_set("protocol: native record: bad frame '%.60s'", parts[0]);
		return LG_EPROTO;
	}
	if ((rc = reserve((void **)&n->frames, n->frame_count, sizeof(*n->frames))) < 0)
		return rc;
	f = &n->frames[n->frame_count++];
	f->offset = (uint64_t)offset;
	slash = strrchr(library, '/');
	if ((rc = copy_string(&f->library, slash ? slash + 1 : library)) < 0)
		return rc;
	if (*parts[0] && strcmp(parts[0], "?") != 0)
		return copy_string(&f->symbol, parts[0]);
	return 0;
}

static int apply_type(lg_explanation *e, const lg_record *rec)
{
	static const char *const keys[] = { "count", "bytes" };
	double calls[MAX_POINTS], count[MAX_POINTS], bytes[MAX_POINTS];
	double *lists[] = { count, bytes };
	const char *name = lg_record_get(rec, "name");
	int64_t untracked;
	lg_explain_type *t;
	size_t n;
	int rc;

	if (!name || !*name)
		return bad_field(rec, "name", "is missing");
	if ((rc = get_series(calls, lists, keys, 2, &n, rec)) < 0 ||
	    (rc = get_optional_count(&untracked, rec, "untracked")) < 0 ||
	    (rc = reserve((void **)&e->types, e->type_count, sizeof(*e->types))) < 0)
		return rc;
	t = &e->types[e->type_count++];
	t->untracked = untracked != 0;
	t->objects_per_call = per_call(calls, count, n);
	t->bytes_per_call = per_call(calls, bytes, n);
	t->count = (int64_t)count[n - 1];
	return copy_string(&t->name, name);
}

static int apply_site(lg_explanation *e, const lg_record *rec)
{
	static const char *const keys[] = { "bytes", "blocks" };
	double calls[MAX_POINTS], bytes[MAX_POINTS], blocks[MAX_POINTS];
	double *lists[] = { bytes, blocks };
	const char *frames = lg_record_get(rec, "frames");
	lg_explain_site *s;
	frames_ctx ctx;
	size_t n;
	int rc;

	if ((rc = get_series(calls, lists, keys, 2, &n, rec)) < 0 ||
	    (rc = reserve((void **)&e->sites, e->site_count, sizeof(*e->sites))) < 0)
		return rc;
	s = &e->sites[e->site_count++];
	s->bytes_per_call = per_call(calls, bytes, n);
	s->blocks_per_call = per_call(calls, blocks, n);
	ctx.site = s;
	if ((rc = get_frame(&s->at, rec)) < 0)
		return rc;
	return frames ? each_line(frames, 3, take_python_frame, &ctx) : 0;
}

static int apply_traced(lg_explanation *e, const lg_record *rec)
{
	static const char *const keys[] = { "bytes" };
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

static int apply_chain(lg_explanation *e, const lg_record *rec)
{
	const char *text = lg_record_get(rec, "text");
	const char *note = lg_record_get(rec, "note");
	int64_t found;
	int rc;

	if ((rc = get_i64(&found, rec, "found")) < 0)
		return rc;
	if (found && (!text || !*text))
		return bad_field(rec, "text", "is missing");
	if (found) {
		char *cut;

		if ((rc = copy_string(&e->chain, text)) < 0 ||
		    (rc = copy_string(&e->chain_root, lg_record_get(rec, "root"))) < 0)
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
	return copy_string(&e->chain_note, note && *note ? note : "no retainer chain found");
}

static int apply_resource(lg_explanation *e, const lg_record *rec)
{
	static const char *const kinds[] = {
		[LG_RESOURCE_FD] = "fd",
		[LG_RESOURCE_THREAD] = "thread",
		[LG_RESOURCE_GARBAGE] = "garbage",
	};
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
		return bad_field(rec, "kind", "is not fd, thread or garbage");
	if (!what || !*what)
		return bad_field(rec, "what", "is missing");
	if ((rc = get_i64(&count, rec, "count")) < 0 ||
	    (rc = get_i64(&calls, rec, "calls")) < 0)
		return rc;
	if (count < 0 || calls < 0)
		return bad_field(rec, count < 0 ? "count" : "calls", "is negative");
	if ((rc = reserve((void **)&e->resources, e->resource_count,
			  sizeof(*e->resources))) < 0)
		return rc;
	r = &e->resources[e->resource_count++];
	r->kind = (lg_resource_kind)k;
	r->count = count;
	r->per_call = calls ? (double)count / (double)calls : 0;
	if ((rc = copy_string(&r->what, what)) < 0)
		return rc;
	return get_frame(&r->at, rec);
}

static int apply_cycle(lg_explanation *e, const lg_record *rec)
{
	const char *name = lg_record_get(rec, "type");
	lg_explain_cycle *c;
	int64_t objects, calls;
	int rc;

	if (!name || !*name)
		return bad_field(rec, "type", "is missing");
	if ((rc = get_i64(&objects, rec, "objects")) < 0 ||
	    (rc = get_i64(&calls, rec, "calls")) < 0)
		return rc;
	if (objects < 0 || calls <= 0)
		return bad_field(rec, objects < 0 ? "objects" : "calls",
				 "is out of range");
	if ((rc = reserve((void **)&e->cycles, e->cycle_count, sizeof(*e->cycles))) < 0)
		return rc;
	c = &e->cycles[e->cycle_count++];
	c->objects_per_call = (double)objects / (double)calls;
	if ((rc = copy_string(&c->name, name)) < 0)
		return rc;
	return get_frame(&c->at, rec);
}

static int apply_native(lg_explanation *e, const lg_record *rec)
{
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
		return bad_field(rec, calls <= 0 ? "calls" : "bytes", "is out of range");
	if (!frames || !*frames)
		return bad_field(rec, "frames", "is missing");
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

static int apply_hello(lg_explanation *e, const lg_record *rec)
{
	const char *mode = lg_record_get(rec, "mode");
	int64_t proto;
	int rc;

	(void)e;
	if ((rc = get_i64(&proto, rec, "proto")) < 0)
		return rc;
	if (proto != LG_PROTO_VERSION) {
		lg_error_set("protocol: agent speaks version %lld, runner %d",
			     (long long)proto, LG_PROTO_VERSION);
		return LG_EPROTO;
	}
	if (!mode || strcmp(mode, "explain") != 0)
		return bad_field(rec, "mode", "is not explain");
	return 0;
}

static int add_note(lg_explanation *e, const char *text)
{
	if (!text || !*text || e->notes.len >= NOTES_LIMIT)
		return 0;
	return lg_buf_printf(&e->notes, "%.*s\n", (int)(NOTES_LIMIT - e->notes.len),
			     text);
}

static int apply_end(lg_explanation *e, const lg_record *rec, int state)
{
	const char *reason = lg_record_get(rec, "reason");
	const char *type = lg_record_get(rec, "exc_type");
	const char *message = lg_record_get(rec, "message");
	lg_buf why = LG_BUF_INIT;
	int64_t calls = 0;
	int rc;

	if (!reason)
		return bad_field(rec, "reason", "is missing");
	if ((rc = get_optional_count(&calls, rec, "calls")) < 0)
		return rc;
	e->calls = calls;
	if (strcmp(reason, "completed") == 0 && state == S_RUNNING)
		return 0;
	if (strcmp(reason, "exception") != 0 && strcmp(reason, "import-error") != 0 &&
	    strcmp(reason, "agent-error") != 0)
		return bad_field(rec, "reason", "is not completed, exception, "
				 "import-error or agent-error");
	if ((rc = lg_buf_printf(&why, "%s %s%s%s", strcmp(reason, "exception") == 0
				? "the workload raised" : strcmp(reason, "agent-error") == 0
				? "the diagnostic agent failed:" : "import failed:",
				type ? type : "an exception", message && *message
				? ": " : "", message ? message : "")) < 0) {
		lg_buf_dispose(&why);
		return rc;
	}
	free(e->stopped);
	e->stopped = lg_buf_detach(&why);
	return e->stopped ? 0 : lg_error_oom();
}

void lg_explain_session_init(lg_explain_session *s, lg_explanation *e)
{
	s->state = S_START;
	s->e = e;
}

int lg_explain_session_ended(const lg_explain_session *s)
{
	return s->state == S_ENDED;
}

int lg_explain_session_apply(lg_explain_session *s, const lg_record *rec)
{
	static const char *const where[] = {
		"before hello", "after hello", "while running", "after end"
	};
	lg_explanation *e = s->e;
	int allowed, rc;

	switch (rec->type) {
	case LG_RECORD_HELLO:
		allowed = s->state == S_START;
		break;
	case LG_RECORD_TARGET:
		allowed = s->state == S_HELLO;
		break;
	case LG_RECORD_NOTE:
		allowed = s->state == S_HELLO || s->state == S_RUNNING;
		break;
	case LG_RECORD_END:
		allowed = s->state == S_HELLO || s->state == S_RUNNING;
		break;
	case LG_RECORD_TYPE:
	case LG_RECORD_SITE:
	case LG_RECORD_TRACED:
	case LG_RECORD_CHAIN:
	case LG_RECORD_RESOURCE:
	case LG_RECORD_CYCLE:
	case LG_RECORD_NATIVE:
		allowed = s->state == S_RUNNING;
		break;
	default:
		allowed = 0; /* samples and calibration belong to detection */
	}
	if (!allowed) {
		lg_error_set("protocol: %s record %s (diagnostic session)",
			     lg_record_type_name(rec->type), where[s->state]);
		return LG_EPROTO;
	}
	switch (rec->type) {
	case LG_RECORD_HELLO:
		if ((rc = apply_hello(e, rec)) == 0)
			s->state = S_HELLO;
		return rc;
	case LG_RECORD_TARGET:
		s->state = S_RUNNING;
		return 0;
	case LG_RECORD_NOTE:
		return add_note(e, lg_record_get(rec, "text"));
	case LG_RECORD_END:
		rc = apply_end(e, rec, s->state);
		s->state = S_ENDED;
		return rc;
	case LG_RECORD_TYPE: return apply_type(e, rec);
	case LG_RECORD_SITE: return apply_site(e, rec);
	case LG_RECORD_TRACED: return apply_traced(e, rec);
	case LG_RECORD_CHAIN: return apply_chain(e, rec);
	case LG_RECORD_RESOURCE: return apply_resource(e, rec);
	case LG_RECORD_CYCLE: return apply_cycle(e, rec);
	case LG_RECORD_NATIVE: return apply_native(e, rec);
	default: return 0;
	}
}

/* -- ranking and judging -------------------------------------------------- */

static int by_type_bytes(const void *a, const void *b)
{
	const lg_explain_type *x = a, *y = b;

	if (x->bytes_per_call != y->bytes_per_call)
		return x->bytes_per_call < y->bytes_per_call ? 1 : -1;
	if (x->objects_per_call != y->objects_per_call)
		return x->objects_per_call < y->objects_per_call ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int by_site_bytes(const void *a, const void *b)
{
	const lg_explain_site *x = a, *y = b;

	if (x->bytes_per_call != y->bytes_per_call)
		return x->bytes_per_call < y->bytes_per_call ? 1 : -1;
	return 0;
}

static int by_native_bytes(const void *a, const void *b)
{
	const lg_explain_native *x = a, *y = b;

	if (x->bytes_per_call != y->bytes_per_call)
		return x->bytes_per_call < y->bytes_per_call ? 1 : -1;
	return 0;
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

static int fitted_leaks(const lg_workload_result *r, lg_metric m)
{
	return ((r->fitted >> m) & 1u) && r->fits[m].leaks;
}

static double fitted_slope(const lg_workload_result *r, lg_metric m)
{
	return ((r->fitted >> m) & 1u) && r->fits[m].enough ? r->fits[m].slope : 0;
}

/* Native when the heap grows and the diagnostic pass saw Python allocate
 * less than half of it. Without tracemalloc's figure, when the shim saw
 * native blocks carry most of it. (The shim sees Python's large objects
 * too: malloc is under both.) */
static int heap_is_native(const lg_explanation *e, const lg_workload_result *r)
{
	double heap = fitted_slope(r, LG_METRIC_HEAP_BYTES);
	double native = 0;

	for (size_t i = 0; i < e->native_count; i++)
		native += e->natives[i].bytes_per_call;
	if (heap <= 0)
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
	if (heap)
		return heap_is_native(e, r) ? LG_LEAK_KIND_NATIVE
					    : LG_LEAK_KIND_PYTHON_OBJECTS;
	if (fitted_leaks(r, LG_METRIC_REFS))
		return LG_LEAK_KIND_PYTHON_OBJECTS;
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
	      e->types[i_].bytes_per_call >= MIN_BYTES_PER_CALL, type_dispose);
	PRUNE(e->sites, e->site_count,
	      e->sites[i_].bytes_per_call >= MIN_BYTES_PER_CALL, site_dispose);
	PRUNE(e->natives, e->native_count,
	      e->natives[i_].bytes_per_call >= MIN_BYTES_PER_CALL, native_dispose);
	PRUNE(e->resources, e->resource_count, e->resources[i_].count > 0,
	      resource_dispose);
	PRUNE(e->cycles, e->cycle_count,
	      e->cycles[i_].objects_per_call >= MIN_OBJECTS_PER_CALL, cycle_dispose);

	e->kind = decide_kind(e, r);
	site = pick_site(e);
	e->site_line = site ? site->line : 0;
	return copy_string(&e->site_file, site ? site->file : NULL);
}

/* -- text ----------------------------------------------------------------- */

static const char *path_text(char *out, size_t size, const char *path)
{
	return lg_format_path(out, size, path);
}

/* "file:line" (relative path), or "" when f has no file. */
static char *frame_text(char *out, size_t size, const lg_explain_frame *f)
{
	char path[PATH_SIZE];

	if (!f->file) {
		out[0] = '\0';
		return out;
	}
	path_text(path, sizeof(path), f->file);
	if (f->line > 0)
		snprintf(out, size, "%s:%d", path, f->line);
	else
		snprintf(out, size, "%s", path);
	return out;
}

char *lg_explain_site_text(char *out, size_t size, const lg_explanation *e)
{
	lg_explain_frame f;

	memset(&f, 0, sizeof(f));
	f.file = e ? e->site_file : NULL;
	f.line = e ? e->site_line : 0;
	return frame_text(out, size, &f);
}

/* "1 object/call" / "0.04 objects/call" */
static int add_rate(lg_buf *b, double v, const char *one, const char *many)
{
	char n[NUMBER_SIZE];

	lg_format_number(n, sizeof(n), v);
	return lg_buf_printf(b, "%s %s/call", n, strcmp(n, "1") == 0 ? one : many);
}

/* "file:line: code" with the code when known. */
static int add_frame(lg_buf *b, const lg_explain_frame *f)
{
	char where[PATH_SIZE + 32];
	int rc = lg_buf_puts(b, frame_text(where, sizeof(where), f));

	if (rc == 0 && f->code)
		rc = lg_buf_printf(b, ": %s", f->code);
	return rc;
}

static int add_type(lg_buf *b, const lg_explain_type *t)
{
	int rc;

	if ((rc = lg_buf_printf(b, "%s +", t->name)) < 0 ||
	    (rc = add_rate(b, t->objects_per_call, "object", "objects")) < 0 ||
	    (rc = lg_buf_puts(b, ", ")) < 0 ||
	    (rc = add_rate(b, t->bytes_per_call, "B", "B")) < 0)
		return rc;
	return t->untracked ? lg_buf_puts(b, " (not gc-tracked)") : 0;
}

/* "malloc (libc.so.6) ← ffi_call (libffi.so.8) ← _ctypes...so+0x11179":
 * consecutive frames of one library are one step, named by the symbols it
 * exports there, else by the first frame's offset. */
static int add_native_stack(lg_buf *b, const lg_explain_native *n, size_t steps)
{
	size_t shown = 0;
	int rc = 0;

	for (size_t i = 0; i < n->frame_count && rc == 0;) {
		const char *lib = n->frames[i].library ? n->frames[i].library : "?";
		size_t j = i, named = 0;

		if (shown == steps) {
			rc = lg_buf_puts(b, " ← …");
			break;
		}
		if (shown && (rc = lg_buf_puts(b, " ← ")) < 0)
			break;
		while (j < n->frame_count && strcmp(n->frames[j].library
			? n->frames[j].library : "?", lib) == 0)
			j++;
		for (size_t k = i; k < j && rc == 0; k++) {
			if (!n->frames[k].symbol)
				continue;
			rc = lg_buf_printf(b, "%s%s", named++ ? "/" : "",
					   n->frames[k].symbol);
		}
		if (rc == 0)
			rc = named ? lg_buf_printf(b, " (%s)", lib)
				   : lg_buf_printf(b, "%s+0x%llx", lib,
						   (unsigned long long)n->frames[i].offset);
		shown++;
		i = j;
	}
	return rc;
}

static int add_native(lg_buf *b, const lg_explain_native *n, size_t steps)
{
	int rc;

	if ((rc = add_rate(b, n->bytes_per_call, "B", "B")) < 0 ||
	    (rc = lg_buf_puts(b, " in ")) < 0 ||
	    (rc = add_rate(b, n->blocks_per_call, "block", "blocks")) < 0 ||
	    (rc = lg_buf_puts(b, ": ")) < 0 ||
	    (rc = add_native_stack(b, n, steps)) < 0)
		return rc;
	if (n->at.file && ((rc = lg_buf_puts(b, ", called from ")) < 0 ||
			   (rc = add_frame(b, &n->at)) < 0))
		return rc;
	return 0;
}

static const char *resource_noun(lg_resource_kind kind, int64_t n)
{
	switch (kind) {
	case LG_RESOURCE_FD: return n == 1 ? "fd" : "fds";
	case LG_RESOURCE_THREAD: return n == 1 ? "thread" : "threads";
	case LG_RESOURCE_GARBAGE: return n == 1 ? "object" : "objects";
	}
	return "";
}

/* "812 fds open on /dev/null (1 fd/call), opened at leak_fds.py:9: ..." */
static int add_resource(lg_buf *b, const lg_explain_resource *r)
{
	static const char *const verbs[] = {
		[LG_RESOURCE_FD] = "open on",
		[LG_RESOURCE_THREAD] = "alive:",
		[LG_RESOURCE_GARBAGE] = "uncollectable:",
	};
	static const char *const at[] = {
		[LG_RESOURCE_FD] = "opened at",
		[LG_RESOURCE_THREAD] = "started at",
		[LG_RESOURCE_GARBAGE] = "allocated at",
	};
	char count[NUMBER_SIZE];
	int rc;

	lg_format_count(count, sizeof(count), r->count);
	if ((rc = lg_buf_printf(b, "%s new %s %s %s (", count,
				resource_noun(r->kind, r->count), verbs[r->kind],
				r->what)) < 0 ||
	    (rc = add_rate(b, r->per_call, resource_noun(r->kind, 1),
			   resource_noun(r->kind, 2))) < 0 ||
	    (rc = lg_buf_puts(b, ")")) < 0)
		return rc;
	if (r->at.file && ((rc = lg_buf_printf(b, ", %s ", at[r->kind])) < 0 ||
			   (rc = add_frame(b, &r->at)) < 0))
		return rc;
	return 0;
}

/* "cyclic garbage per call: 2 x.Node, 2 list" and, with where, where the
 * first type was allocated. */
static int add_cycles(lg_buf *b, const lg_explanation *e, int where)
{
	int rc = lg_buf_puts(b, "cyclic garbage per call:");

	for (size_t i = 0; i < e->cycle_count && rc == 0; i++) {
		char n[NUMBER_SIZE];

		lg_format_number(n, sizeof(n), e->cycles[i].objects_per_call);
		rc = lg_buf_printf(b, "%s %s %s", i ? "," : "", n, e->cycles[i].name);
	}
	if (rc == 0 && where && e->cycle_count && e->cycles[0].at.file &&
	    (rc = lg_buf_printf(b, "; %s allocated at ", e->cycles[0].name)) == 0)
		rc = add_frame(b, &e->cycles[0].at);
	return rc;
}

/* The headline: "kind: python-objects (str +1 object/call, 249 B/call)". */
static int add_headline(lg_buf *b, const lg_explanation *e)
{
	int rc = lg_buf_printf(b, "kind: %s", lg_leak_kind_name(e->kind));

	if (rc < 0)
		return rc;
	switch (e->kind) {
	case LG_LEAK_KIND_NATIVE:
		if (e->traced && (rc = lg_buf_puts(b, " (Python allocations: ")) == 0 &&
		    (rc = add_rate(b, e->traced_bytes_per_call, "B", "B")) == 0)
			rc = lg_buf_puts(b, ")");
		return rc;
	case LG_LEAK_KIND_CYCLES:
		if (e->cycle_count && (rc = lg_buf_puts(b, " (")) == 0 &&
		    (rc = add_cycles(b, e, 0)) == 0)
			rc = lg_buf_puts(b, ")");
		return rc;
	default:
		break;
	}
	if (!e->type_count)
		return 0;
	if ((rc = lg_buf_puts(b, "; growing: ")) < 0)
		return rc;
	for (size_t i = 0; i < e->type_count && i < 2 && rc == 0; i++) {
		if (i && (rc = lg_buf_puts(b, "; ")) < 0)
			break;
		rc = add_type(b, &e->types[i]);
	}
	return rc;
}

static int line_start(lg_buf *b, const char *indent)
{
	return lg_buf_puts(b, indent);
}

/* The user's frame of a site, else its innermost one. */
static const lg_explain_frame *site_frame(const lg_explain_site *s)
{
	return s->at.file || !s->frame_count ? &s->at : &s->frames[0];
}

static int render_summary(lg_buf *b, const lg_explanation *e, const char *indent)
{
	int rc;

	if ((rc = line_start(b, indent)) < 0 || (rc = add_headline(b, e)) < 0 ||
	    (rc = lg_buf_puts(b, "\n")) < 0)
		return rc;
	switch (e->kind) {
	case LG_LEAK_KIND_FDS:
	case LG_LEAK_KIND_THREADS:
	case LG_LEAK_KIND_UNCOLLECTABLE:
		/* The first of the kind: the summary stays within 4 lines. */
		for (size_t i = 0; i < e->resource_count; i++) {
			if (e->resources[i].kind != (e->kind == LG_LEAK_KIND_FDS
			    ? LG_RESOURCE_FD : e->kind == LG_LEAK_KIND_THREADS
			    ? LG_RESOURCE_THREAD : LG_RESOURCE_GARBAGE))
				continue;
			if ((rc = line_start(b, indent)) == 0 &&
			    (rc = add_resource(b, &e->resources[i])) == 0)
				rc = lg_buf_puts(b, "\n");
			break;
		}
		break;
	case LG_LEAK_KIND_CYCLES:
		if (e->cycle_count && e->cycles[0].at.file &&
		    (rc = lg_buf_printf(b, "%s%s allocated at ", indent,
					e->cycles[0].name)) == 0 &&
		    (rc = add_frame(b, &e->cycles[0].at)) == 0)
			rc = lg_buf_puts(b, "\n");
		break;
	case LG_LEAK_KIND_NATIVE:
		if (e->native_count && (rc = line_start(b, indent)) == 0 &&
		    (rc = lg_buf_puts(b, "native: ")) == 0 &&
		    (rc = add_native(b, &e->natives[0], 4)) == 0)
			rc = lg_buf_puts(b, "\n");
		break;
	default:
		if (e->site_count && (rc = line_start(b, indent)) == 0 &&
		    (rc = lg_buf_puts(b, "allocated at ")) == 0 &&
		    (rc = add_frame(b, site_frame(&e->sites[0]))) == 0 &&
		    (rc = lg_buf_puts(b, " (")) == 0 &&
		    (rc = add_rate(b, e->sites[0].bytes_per_call, "B", "B")) == 0)
			rc = lg_buf_puts(b, ")\n");
		break;
	}
	if (rc == 0 && e->chain)
		rc = lg_buf_printf(b, "%sheld by %s\n", indent, e->chain);
	if (rc == 0 && e->stopped)
		rc = lg_buf_printf(b, "%sdiagnostic pass stopped: %s\n", indent,
				   e->stopped);
	return rc;
}

static int render_full(lg_buf *b, const lg_explanation *e, const char *indent)
{
	char calls[NUMBER_SIZE];
	int rc;

	lg_format_count(calls, sizeof(calls), e->calls);
	if ((rc = line_start(b, indent)) < 0 || (rc = add_headline(b, e)) < 0 ||
	    (rc = lg_buf_printf(b, " [diagnostic pass: %s calls, %.1f s]\n",
				calls, e->seconds)) < 0)
		return rc;
	if (e->type_count)
		rc = lg_buf_printf(b, "%sgrowing types:\n", indent);
	for (size_t i = 0; i < e->type_count && rc == 0; i++) {
		if ((rc = lg_buf_printf(b, "%s  ", indent)) == 0 &&
		    (rc = add_type(b, &e->types[i])) == 0)
			rc = lg_buf_puts(b, "\n");
	}
	if (rc == 0 && e->site_count)
		rc = lg_buf_printf(b, "%sallocated and kept at:\n", indent);
	for (size_t i = 0; i < e->site_count && rc == 0; i++) {
		const lg_explain_site *s = &e->sites[i];

		if ((rc = lg_buf_printf(b, "%s  ", indent)) < 0 ||
		    (rc = add_rate(b, s->bytes_per_call, "B", "B")) < 0 ||
		    (rc = lg_buf_puts(b, ", ")) < 0 ||
		    (rc = add_rate(b, s->blocks_per_call, "block", "blocks")) < 0 ||
		    (rc = lg_buf_puts(b, "\n")) < 0)
			break;
		for (size_t k = 0; k < s->frame_count && k < 6 && rc == 0; k++) {
			if ((rc = lg_buf_printf(b, "%s    ", indent)) == 0 &&
			    (rc = add_frame(b, &s->frames[k])) == 0)
				rc = lg_buf_puts(b, "\n");
		}
	}
	if (rc == 0 && e->native_count)
		rc = lg_buf_printf(b, "%snative blocks still alive after an armed batch:\n",
				   indent);
	for (size_t i = 0; i < e->native_count && rc == 0; i++) {
		if ((rc = lg_buf_printf(b, "%s  ", indent)) == 0 &&
		    (rc = add_native(b, &e->natives[i], 6)) == 0)
			rc = lg_buf_puts(b, "\n");
	}
	for (size_t i = 0; i < e->resource_count && rc == 0; i++) {
		if ((rc = line_start(b, indent)) == 0 &&
		    (rc = add_resource(b, &e->resources[i])) == 0)
			rc = lg_buf_puts(b, "\n");
	}
	if (rc == 0 && e->cycle_count && (rc = line_start(b, indent)) == 0 &&
	    (rc = add_cycles(b, e, 1)) == 0)
		rc = lg_buf_puts(b, "\n");
	if (rc == 0 && e->chain)
		rc = lg_buf_printf(b, "%sretainer chain: %s\n", indent, e->chain);
	else if (rc == 0 && e->chain_note && e->kind == LG_LEAK_KIND_PYTHON_OBJECTS)
		rc = lg_buf_printf(b, "%sretainer chain: %s\n", indent, e->chain_note);
	if (rc == 0 && e->stopped)
		rc = lg_buf_printf(b, "%sdiagnostic pass stopped: %s\n", indent,
				   e->stopped);
	for (const char *p = lg_buf_cstr(&e->notes); rc == 0 && *p;) {
		size_t n = strcspn(p, "\n");

		rc = lg_buf_printf(b, "%snote: %.*s\n", indent, (int)n, p);
		p += n + (p[n] == '\n');
	}
	return rc;
}

int lg_explain_render(lg_buf *out, const lg_explanation *e, const char *indent,
		      int full)
{
	if (!out || !e) {
		lg_error_set("explain: nothing to render");
		return LG_EINVALID;
	}
	if (!indent)
		indent = "";
	return full ? render_full(out, e, indent) : render_summary(out, e, indent);
}

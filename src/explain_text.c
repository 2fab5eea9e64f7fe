/* The explanation as text: a summary for the terminal and annotations, every
 * table for --verbose and the JUnit file. */
#include "leakgate/explain_text.h"

#include <stdio.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/format.h"

#define PATH_SIZE 4096

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

/* "1 object/call" / "0.04 objects/call" */
static int add_rate(lg_buf *b, double v, const char *one, const char *many)
{
	char n[LG_FORMAT_NUMBER_SIZE];

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

/* "dict +1 object/call, 184 B/call"; "list 7.6 B/call (existing objects
 * grow)" when no new ones are made (a list's buffer growing). */
static int add_type(lg_buf *b, const lg_explain_type *t)
{
	char n[LG_FORMAT_NUMBER_SIZE];
	int rc;

	lg_format_number(n, sizeof(n), t->objects_per_call);
	if (strcmp(n, "0") == 0) {
		if ((rc = lg_buf_printf(b, "%s ", t->name)) < 0 ||
		    (rc = add_rate(b, t->bytes_per_call, "B", "B")) < 0)
			return rc;
		return lg_buf_puts(b, " (existing objects grow)");
	}
	if ((rc = lg_buf_printf(b, "%s +", t->name)) < 0 ||
	    (rc = add_rate(b, t->objects_per_call, "object", "objects")) < 0 ||
	    (rc = lg_buf_puts(b, ", ")) < 0 ||
	    (rc = add_rate(b, t->bytes_per_call, "B", "B")) < 0)
		return rc;
	return t->untracked ? lg_buf_puts(b, " (not gc-tracked)") : 0;
}

/* "kept by C: multidict._multidict.CIMultiDict.update
 * (_multidict...so), called from file:line: code". */
static int add_kept_by_c(lg_buf *b, const lg_explanation *e)
{
	int rc = lg_buf_puts(b, "kept by C: ");

	if (rc == 0 && !e->c_call)
		rc = lg_buf_puts(b, "no Python object refers to what grows");
	if (rc == 0 && e->c_call)
		rc = lg_buf_puts(b, e->c_call);
	if (rc == 0 && e->c_library)
		rc = lg_buf_printf(b, " (%s)", e->c_library);
	if (rc == 0 && e->c_at.file && (rc = lg_buf_puts(b, e->c_call
			? ", called from " : ", made at ")) == 0)
		rc = add_frame(b, &e->c_at);
	return rc;
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
	char count[LG_FORMAT_NUMBER_SIZE];
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
		char n[LG_FORMAT_NUMBER_SIZE];

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
	case LG_LEAK_KIND_KEPT_BY_C:
		if ((rc = lg_buf_puts(b, " (no Python object holds it: an extension "
				      "that never releases it, or ctypes)")) < 0)
			return rc;
		break;
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
	if (rc == 0 && e->kind == LG_LEAK_KIND_KEPT_BY_C &&
	    (rc = line_start(b, indent)) == 0 && (rc = add_kept_by_c(b, e)) == 0)
		rc = lg_buf_puts(b, "\n");
	if (rc == 0 && e->chain)
		rc = lg_buf_printf(b, "%sheld by %s\n", indent, e->chain);
	if (rc == 0 && e->stopped)
		rc = lg_buf_printf(b, "%sexplain pass stopped: %s\n", indent,
				   e->stopped);
	return rc;
}

static int render_full(lg_buf *b, const lg_explanation *e, const char *indent)
{
	char calls[LG_FORMAT_NUMBER_SIZE];
	int rc;

	lg_format_count(calls, sizeof(calls), e->calls);
	if ((rc = line_start(b, indent)) < 0 || (rc = add_headline(b, e)) < 0 ||
	    (rc = lg_buf_printf(b, " [explain pass: %s calls, %.1f s]\n",
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
	if (rc == 0 && e->kind == LG_LEAK_KIND_KEPT_BY_C &&
	    (rc = line_start(b, indent)) == 0 && (rc = add_kept_by_c(b, e)) == 0)
		rc = lg_buf_puts(b, "\n");
	if (rc == 0 && e->stopped)
		rc = lg_buf_printf(b, "%sexplain pass stopped: %s\n", indent,
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

/* The explanation's model (explanation.h): its rows, made and freed. */
#include "leakgate/explanation.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"

static const char *const kind_names[] = {
	[LG_LEAK_KIND_NONE] = "none",
	[LG_LEAK_KIND_PYTHON_OBJECTS] = "python-objects",
	[LG_LEAK_KIND_NATIVE] = "native",
	[LG_LEAK_KIND_FDS] = "fds",
	[LG_LEAK_KIND_THREADS] = "threads",
	[LG_LEAK_KIND_UNCOLLECTABLE] = "uncollectable",
	[LG_LEAK_KIND_CYCLES] = "cycles",
	[LG_LEAK_KIND_KEPT_BY_C] = "kept-by-c",
};

const char *lg_leak_kind_name(lg_leak_kind kind)
{
	return (size_t)kind < sizeof(kind_names) / sizeof(*kind_names)
		? kind_names[kind] : "unknown";
}

void lg_explain_frame_dispose(lg_explain_frame *f)
{
	free(f->file);
	free(f->code);
	memset(f, 0, sizeof(*f));
}

static void frames_free(lg_explain_frame *frames, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lg_explain_frame_dispose(&frames[i]);
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

void lg_explain_type_dispose(lg_explain_type *t)
{
	free(t->name);
}

void lg_explain_site_dispose(lg_explain_site *s)
{
	lg_explain_frame_dispose(&s->at);
	frames_free(s->frames, s->frame_count);
}

void lg_explain_native_dispose(lg_explain_native *n)
{
	lg_explain_frame_dispose(&n->at);
	native_frames_free(n->frames, n->frame_count);
}

void lg_explain_resource_dispose(lg_explain_resource *r)
{
	free(r->what);
	lg_explain_frame_dispose(&r->at);
}

void lg_explain_cycle_dispose(lg_explain_cycle *c)
{
	free(c->name);
	lg_explain_frame_dispose(&c->at);
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
		lg_explain_type_dispose(&e->types[i]);
	for (size_t i = 0; i < e->site_count; i++)
		lg_explain_site_dispose(&e->sites[i]);
	for (size_t i = 0; i < e->native_count; i++)
		lg_explain_native_dispose(&e->natives[i]);
	for (size_t i = 0; i < e->resource_count; i++)
		lg_explain_resource_dispose(&e->resources[i]);
	for (size_t i = 0; i < e->cycle_count; i++)
		lg_explain_cycle_dispose(&e->cycles[i]);
	free(e->types);
	free(e->sites);
	free(e->natives);
	free(e->resources);
	free(e->cycles);
	free(e->chain);
	free(e->chain_root);
	free(e->chain_note);
	free(e->c_call);
	free(e->c_library);
	lg_explain_frame_dispose(&e->c_at);
	free(e->stopped);
	lg_buf_dispose(&e->notes);
	free(e);
}

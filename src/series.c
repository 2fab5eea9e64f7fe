#include "leakgate/series.h"

#include <stdlib.h>

#include "leakgate/error.h"

int lg_series_push(lg_series *s, const lg_sample *sample)
{
	if (s->count == s->capacity) {
		size_t cap = s->capacity ? s->capacity * 2 : 64;
		lg_sample *p = realloc(s->samples, cap * sizeof(*p));

		if (!p)
			return lg_error_oom();
		s->samples = p;
		s->capacity = cap;
	}
	s->samples[s->count++] = *sample;
	return 0;
}

void lg_series_dispose(lg_series *s)
{
	if (!s)
		return;
	free(s->samples);
	s->samples = NULL;
	s->count = s->capacity = 0;
	s->present = 0;
}

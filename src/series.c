#include "leakgate/series.h"

#include <stdlib.h>

#include "leakgate/error.h"

int lg_series_reserve(lg_series *s, size_t n)
{
	lg_sample *p;

	if (n <= s->capacity)
		return 0;
	if (!(p = realloc(s->samples, n * sizeof(*p))))
		return lg_error_oom();
	s->samples = p;
	s->capacity = n;
	return 0;
}

int lg_series_push(lg_series *s, const lg_sample *sample)
{
	int rc;

	if (s->count == s->capacity &&
	    (rc = lg_series_reserve(s, s->capacity ? s->capacity * 2 : 64)) < 0)
		return rc;
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

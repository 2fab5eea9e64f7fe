#ifndef LEAKGATE_EXPLAIN_TEXT_H
#define LEAKGATE_EXPLAIN_TEXT_H

#include <stddef.h>

#include "leakgate/buf.h"
#include "leakgate/explanation.h"

/*
 * Plain text, one finding per line, each line starting with indent.
 * full = 0: the 2-4 line summary (kind and culprit, site, chain); full = 1:
 * every table. Paths relative to the current directory when inside it.
 */
int lg_explain_render(lg_buf *out, const lg_explanation *e, const char *indent,
		      int full);

#endif

#ifndef LEAKGATE_XML_TEXT_H
#define LEAKGATE_XML_TEXT_H

#include <stddef.h>

#include <libxml/xmlerror.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlversion.h>

#include "leakgate/buf.h"

/*
 * Text from workloads made fit for XML 1.0 (the JUnit and SVG sinks):
 * out = data with every byte that is not part of an XML character (C0
 * controls other than tab, LF and CR, invalid or overlong UTF-8,
 * surrogates, U+FFFE, U+FFFF) replaced by U+FFFD; NULs included. out is
 * reset first. Filtering only: escaping stays libxml2's job.
 */
int lg_xml_filter(lg_buf *out, const char *data, size_t len);

/*
 * Where libxml2's serializers (a writer, xmlNodeDumpOutput) write: onto
 * buf, which stays its owner's; failed is set once buf could not grow (the
 * libxml2 call fails then too).
 */
typedef struct {
	lg_buf *buf;
	int failed;
} lg_xml_sink;

/* An output buffer over sink, or NULL (out of memory); closing it, or
 * freeing the writer over it, flushes what is left. */
xmlOutputBufferPtr lg_xml_sink_open(lg_xml_sink *sink);

/*
 * The error a structured error handler (xmlStructuredErrorFunc) is given:
 * const since libxml2 2.12. The one place the handlers' signature differs
 * between the versions leakgate builds against.
 */
#if LIBXML_VERSION >= 21200
typedef const xmlError *lg_xml_error;
#else
typedef xmlError *lg_xml_error;
#endif

/* A structured error handler that drops libxml2's messages (it prints
 * them to stderr by default); the callers report errors themselves. */
void lg_xml_quiet(void *context, lg_xml_error error);

#endif

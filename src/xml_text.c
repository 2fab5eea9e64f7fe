#include "leakgate/xml_text.h"

#include <stdint.h>

#include "leakgate/error.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/*
 * Length of the XML 1.0 character encoded in UTF-8 at s (n > 0 bytes left),
 * or 0 when the bytes are not one: C0 controls other than tab, LF and CR,
 * malformed or overlong sequences, surrogates, U+FFFE, U+FFFF.
 */
static size_t xml_char(const unsigned char *s, size_t n)
{
	uint32_t c;
	size_t len;

	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r';
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	if ((c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return len;
}

int lg_xml_filter(lg_buf *out, const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0, run = 0, n;
	int rc;

	lg_buf_clear(out);
	if ((rc = lg_buf_add(out, "", 0)) < 0)
		return rc;
	while (i < len) {
		n = xml_char(s + i, len - i);
		if (n) {
			i += n;
			continue;
		}
		if ((rc = lg_buf_add(out, data + run, i - run)) < 0 ||
		    (rc = lg_buf_puts(out, REPLACEMENT)) < 0)
			return rc;
		run = ++i;
	}
	return lg_buf_add(out, data + run, i - run);
}

/* libxml2 output callback: all of it onto the buffer, or -1. */
static int sink_write(void *context, const char *data, int len)
{
	lg_xml_sink *sink = context;

	if (sink->failed || lg_buf_add(sink->buf, data, (size_t)len) < 0) {
		sink->failed = 1;
		return -1;
	}
	return len;
}

static int sink_close(void *context)
{
	(void)context;
	return 0; /* the buffer is the caller's */
}

xmlOutputBufferPtr lg_xml_sink_open(lg_xml_sink *sink)
{
	return xmlOutputBufferCreateIO(sink_write, sink_close, sink, NULL);
}

void lg_xml_quiet(void *context, lg_xml_error error)
{
	(void)context;
	(void)error;
}

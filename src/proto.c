#include "leakgate/proto.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/parse.h"

static const struct {
	const char *name;
	lg_record_type type;
} record_types[] = {
	{ "hello", LG_RECORD_HELLO },
	{ "target", LG_RECORD_TARGET },
	{ "sample", LG_RECORD_SAMPLE },
	{ "calibrated", LG_RECORD_CALIBRATED },
	{ "note", LG_RECORD_NOTE },
	{ "end", LG_RECORD_END },
	{ "type", LG_RECORD_TYPE },
	{ "site", LG_RECORD_SITE },
	{ "traced", LG_RECORD_TRACED },
	{ "chain", LG_RECORD_CHAIN },
	{ "resource", LG_RECORD_RESOURCE },
	{ "cycle", LG_RECORD_CYCLE },
	{ "native", LG_RECORD_NATIVE },
	{ "test", LG_RECORD_TEST },
};

const char *lg_record_type_name(lg_record_type type)
{
	/* The table is in enum order. */
	return (size_t)type < sizeof(record_types) / sizeof(*record_types)
		? record_types[type].name : "unknown";
}

static int valid_key(const char *k, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
		      k[i] == '_'))
			return 0;
	return 1;
}

/* Unescape src[0..len) into dst (which may be src); returns the new length
 * or -1 for an unknown escape. */
static long unescape(char *dst, const char *src, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] != '\\') {
			dst[j++] = src[i];
			continue;
		}
		if (++i == len)
			return -1;
		switch (src[i]) {
		case '\\': dst[j++] = '\\'; break;
		case 't': dst[j++] = '\t'; break;
		case 'n': dst[j++] = '\n'; break;
		case 'r': dst[j++] = '\r'; break;
		default: return -1;
		}
	}
	return (long)j;
}

int lg_order_format(lg_buf *out, const char *type, const lg_field *fields,
		    size_t count)
{
	int rc = lg_buf_puts(out, type);

	for (size_t i = 0; i < count && rc == 0; i++) {
		rc = lg_buf_printf(out, "\t%s=", fields[i].key);
		for (const char *v = fields[i].value; rc == 0 && *v; v++) {
			const char *escaped = *v == '\\' ? "\\\\" : *v == '\t' ? "\\t"
					      : *v == '\n' ? "\\n" : *v == '\r' ? "\\r" : NULL;

			rc = escaped ? lg_buf_puts(out, escaped) : lg_buf_add(out, v, 1);
		}
	}
	return rc == 0 ? lg_buf_puts(out, "\n") : rc;
}

int lg_record_parse(lg_record *out, const char *line, size_t len)
{
	char *s, *field, *end;
	size_t i;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (memchr(line, '\0', len) || memchr(line, '\n', len)) {
		lg_error_set("protocol: record contains a NUL or newline byte");
		return LG_EPROTO;
	}
	s = malloc(len + 1);
	if (!s)
		return lg_error_oom();
	memcpy(s, line, len);
	s[len] = '\0';
	out->storage = s;

	end = strchr(s, '\t');
	if (end)
		*end = '\0';
	for (i = 0; i < sizeof(record_types) / sizeof(*record_types); i++) {
		if (strcmp(s, record_types[i].name) == 0) {
			out->type = record_types[i].type;
			found = 1;
			break;
		}
	}
	if (!found) {
		lg_error_set("protocol: unknown record type '%.40s'", s);
		goto fail;
	}

	for (field = end ? end + 1 : NULL; field; field = end ? end + 1 : NULL) {
		char *eq;
		long vlen;

		end = strchr(field, '\t');
		if (end)
			*end = '\0';
		eq = strchr(field, '=');
		if (!eq || !valid_key(field, (size_t)(eq - field))) {
			lg_error_set("protocol: malformed field '%.40s' in %s record",
				     field, record_types[i].name);
			goto fail;
		}
		if (out->count == LG_PROTO_MAX_FIELDS) {
			lg_error_set("protocol: more than %d fields in %s record",
				     LG_PROTO_MAX_FIELDS, record_types[i].name);
			goto fail;
		}
		*eq = '\0';
		vlen = unescape(eq + 1, eq + 1, strlen(eq + 1));
		if (vlen < 0) {
			lg_error_set("protocol: bad escape in field '%s' of %s record",
				     field, record_types[i].name);
			goto fail;
		}
		eq[1 + vlen] = '\0';
		out->fields[out->count].key = field;
		out->fields[out->count].value = eq + 1;
		out->count++;
	}
	return 0;

fail:
	lg_record_dispose(out);
	return LG_EPROTO;
}

const char *lg_record_get(const lg_record *r, const char *key)
{
	/* Last one wins, like the config files: cheap and predictable. */
	for (size_t i = r->count; i-- > 0;)
		if (strcmp(r->fields[i].key, key) == 0)
			return r->fields[i].value;
	return NULL;
}

int lg_record_get_i64(int64_t *out, const lg_record *r, const char *key)
{
	const char *v = lg_record_get(r, key);

	if (!v) {
		lg_error_set("protocol: record lacks '%s'", key);
		return LG_EPROTO;
	}
	if (lg_parse_i64(out, v) < 0) {
		lg_error_set("protocol: '%s' is not an integer: '%.40s'", key, v);
		return LG_EPROTO;
	}
	return 0;
}

int lg_record_bad_field(const lg_record *r, const char *key, const char *why)
{
	const char *v = lg_record_get(r, key);

	lg_error_set("protocol: %s record: '%s' %s%s%.40s%s",
		     lg_record_type_name(r->type), key, why,
		     v ? " ('" : "", v ? v : "", v ? "')" : "");
	return LG_EPROTO;
}

void lg_record_dispose(lg_record *r)
{
	if (!r)
		return;
	free(r->storage);
	memset(r, 0, sizeof(*r));
}

int lg_proto_reader_feed(lg_proto_reader *rd, const char *data, size_t len)
{
	return lg_buf_add(&rd->pending, data, len);
}

int lg_proto_reader_next(lg_proto_reader *rd, lg_record *out)
{
	lg_buf *b = &rd->pending;
	char *nl = b->len ? memchr(b->ptr, '\n', b->len) : NULL;
	size_t line;
	int rc;

	if (!nl) {
		if (b->len >= LG_PROTO_MAX_LINE) {
			lg_error_set("protocol: record longer than %d bytes",
				     LG_PROTO_MAX_LINE);
			return LG_EPROTO;
		}
		return 0;
	}
	line = (size_t)(nl - b->ptr);
	if (line + 1 > LG_PROTO_MAX_LINE) {
		lg_error_set("protocol: record longer than %d bytes",
			     LG_PROTO_MAX_LINE);
		return LG_EPROTO;
	}
	rc = lg_record_parse(out, b->ptr, line);
	memmove(b->ptr, nl + 1, b->len - line); /* with the NUL */
	b->len -= line + 1;
	return rc < 0 ? rc : 1;
}

size_t lg_proto_reader_pending(const lg_proto_reader *rd)
{
	return rd->pending.len;
}

void lg_proto_reader_dispose(lg_proto_reader *rd)
{
	if (!rd)
		return;
	lg_buf_dispose(&rd->pending);
}

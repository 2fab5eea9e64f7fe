#include "leakgate/proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"

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
	if (!s) {
		lg_error_set("out of memory");
		return LG_ENOMEM;
	}
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

static int parse_i64(int64_t *out, const char *s)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int lg_record_get_i64(int64_t *out, const lg_record *r, const char *key)
{
	const char *v = lg_record_get(r, key);

	if (!v) {
		lg_error_set("protocol: record lacks '%s'", key);
		return LG_EPROTO;
	}
	if (parse_i64(out, v) < 0) {
		lg_error_set("protocol: '%s' is not an integer: '%.40s'", key, v);
		return LG_EPROTO;
	}
	return 0;
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
	if (rd->len + len > rd->cap) {
		size_t cap = rd->cap ? rd->cap : 4096;
		char *p;

		while (cap < rd->len + len)
			cap *= 2;
		p = realloc(rd->buf, cap);
		if (!p) {
			lg_error_set("out of memory");
			return LG_ENOMEM;
		}
		rd->buf = p;
		rd->cap = cap;
	}
	memcpy(rd->buf + rd->len, data, len);
	rd->len += len;
	return 0;
}

int lg_proto_reader_next(lg_proto_reader *rd, lg_record *out)
{
	char *nl = rd->len ? memchr(rd->buf, '\n', rd->len) : NULL;
	size_t line;
	int rc;

	if (!nl) {
		if (rd->len >= LG_PROTO_MAX_LINE) {
			lg_error_set("protocol: record longer than %d bytes",
				     LG_PROTO_MAX_LINE);
			return LG_EPROTO;
		}
		return 0;
	}
	line = (size_t)(nl - rd->buf);
	if (line + 1 > LG_PROTO_MAX_LINE) {
		lg_error_set("protocol: record longer than %d bytes",
			     LG_PROTO_MAX_LINE);
		return LG_EPROTO;
	}
	rc = lg_record_parse(out, rd->buf, line);
	memmove(rd->buf, nl + 1, rd->len - line - 1);
	rd->len -= line + 1;
	return rc < 0 ? rc : 1;
}

size_t lg_proto_reader_pending(const lg_proto_reader *rd)
{
	return rd->len;
}

void lg_proto_reader_dispose(lg_proto_reader *rd)
{
	if (!rd)
		return;
	free(rd->buf);
	memset(rd, 0, sizeof(*rd));
}

void lg_proto_session_init(lg_proto_session *s, lg_workload_result *result)
{
	memset(s, 0, sizeof(*s));
	s->state = LG_SESSION_START;
	s->result = result;
}

static int take_string(char **field, const lg_record *rec, const char *key)
{
	const char *v = lg_record_get(rec, key);
	char *copy;

	if (!v)
		return 0;
	copy = strdup(v);
	if (!copy) {
		lg_error_set("out of memory");
		return LG_ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

static int apply_hello(lg_proto_session *s, const lg_record *rec)
{
	lg_workload_result *r = s->result;
	int64_t proto, debug = 0;
	const char *metrics = lg_record_get(rec, "metrics");
	char name[64];
	int rc;

	if ((rc = lg_record_get_i64(&proto, rec, "proto")) < 0)
		return rc;
	if (proto != LG_PROTO_VERSION) {
		lg_error_set("protocol: agent speaks version %lld, runner %d",
			     (long long)proto, LG_PROTO_VERSION);
		return LG_EPROTO;
	}
	if (!metrics) {
		lg_error_set("protocol: hello lacks 'metrics'");
		return LG_EPROTO;
	}
	for (const char *p = metrics; *p;) {
		size_t n = strcspn(p, ",");
		lg_metric m;

		if (n == 0 || n >= sizeof(name)) {
			lg_error_set("protocol: bad metric list '%.80s'", metrics);
			return LG_EPROTO;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		/* A metric this runner does not know is skipped, not an error:
		 * a newer agent may measure more. heap_bytes is derived here. */
		if (lg_metric_from_name(&m, name) == 0 && m != LG_METRIC_HEAP_BYTES)
			s->metrics |= 1u << m;
		p += n;
		if (*p == ',')
			p++;
	}
	lg_error_clear();
	if (lg_record_get(rec, "debug") &&
	    (rc = lg_record_get_i64(&debug, rec, "debug")) < 0)
		return rc;
	r->debug_build = debug != 0;
	if ((rc = take_string(&r->python_version, rec, "python")) < 0 ||
	    (rc = take_string(&r->implementation, rec, "impl")) < 0 ||
	    (rc = take_string(&r->platform, rec, "platform")) < 0)
		return rc;
	r->series.present = s->metrics;
	s->state = LG_SESSION_HELLO;
	return 0;
}

static int apply_target(lg_proto_session *s, const lg_record *rec)
{
	lg_workload_result *r = s->result;
	int64_t line = 0;
	int rc;

	if (lg_record_get(rec, "line") &&
	    (rc = lg_record_get_i64(&line, rec, "line")) < 0)
		return rc;
	r->line = line > 0 && line < 1000000000 ? (int)line : 0;
	if ((rc = take_string(&r->module, rec, "module")) < 0 ||
	    (rc = take_string(&r->function, rec, "function")) < 0 ||
	    (rc = take_string(&r->file, rec, "file")) < 0)
		return rc;
	s->state = LG_SESSION_RUNNING;
	return 0;
}

static int apply_sample(lg_proto_session *s, const lg_record *rec)
{
	lg_series *series = &s->result->series;
	lg_sample sample;
	int rc;

	memset(&sample, 0, sizeof(sample));
	if ((rc = lg_record_get_i64(&sample.calls, rec, "calls")) < 0 ||
	    (rc = lg_record_get_i64(&sample.elapsed_ns, rec, "elapsed_ns")) < 0)
		return rc;
	if (series->count >= LG_PROTO_MAX_SAMPLES) {
		lg_error_set("protocol: more than %d samples", LG_PROTO_MAX_SAMPLES);
		return LG_EPROTO;
	}
	if (sample.calls < 0 || (series->count &&
	    sample.calls <= series->samples[series->count - 1].calls)) {
		lg_error_set("protocol: sample calls=%lld does not increase",
			     (long long)sample.calls);
		return LG_EPROTO;
	}
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		if (!((s->metrics >> m) & 1u))
			continue;
		rc = lg_record_get_i64(&sample.value[m], rec,
				       lg_metric_get((lg_metric)m)->name);
		if (rc < 0)
			return rc;
	}
	return lg_series_push(series, &sample);
}

static int apply_calibrated(lg_proto_session *s, const lg_record *rec)
{
	int rc;

	if ((rc = lg_record_get_i64(&s->result->batch, rec, "batch")) < 0 ||
	    (rc = lg_record_get_i64(&s->result->call_ns, rec, "call_ns")) < 0)
		return rc;
	return 0;
}

static int set_end_detail(lg_workload_result *r, const lg_record *rec)
{
	const char *type = lg_record_get(rec, "exc_type");
	const char *message = lg_record_get(rec, "message");
	lg_buf detail = LG_BUF_INIT;
	int rc;

	if ((rc = lg_buf_puts(&detail, type ? type : "error")) < 0 ||
	    (message && *message &&
	     (rc = lg_buf_printf(&detail, ": %s", message)) < 0) ||
	    (rc = take_string(&r->traceback, rec, "traceback")) < 0) {
		lg_buf_dispose(&detail);
		return rc;
	}
	free(r->detail);
	r->detail = lg_buf_detach(&detail);
	return 0;
}

static int apply_end(lg_proto_session *s, const lg_record *rec)
{
	lg_workload_result *r = s->result;
	const char *reason = lg_record_get(rec, "reason");
	int rc = 0;

	if (!reason) {
		lg_error_set("protocol: end lacks 'reason'");
		return LG_EPROTO;
	}
	if (strcmp(reason, "completed") == 0 && s->state == LG_SESSION_RUNNING) {
		r->outcome = LG_OUTCOME_COMPLETED;
	} else if (strcmp(reason, "exception") == 0 &&
		   s->state == LG_SESSION_RUNNING) {
		r->outcome = LG_OUTCOME_EXCEPTION;
		rc = set_end_detail(r, rec);
	} else if (strcmp(reason, "import-error") == 0) {
		r->outcome = LG_OUTCOME_IMPORT_ERROR;
		rc = set_end_detail(r, rec);
	} else {
		lg_error_set("protocol: unexpected end reason '%.40s'", reason);
		return LG_EPROTO;
	}
	s->state = LG_SESSION_ENDED;
	return rc;
}

int lg_proto_session_apply(lg_proto_session *s, const lg_record *rec)
{
	static const char *const state_names[] = {
		"before hello", "after hello", "while running", "after end"
	};
	int allowed;

	switch (rec->type) {
	case LG_RECORD_HELLO:
		allowed = s->state == LG_SESSION_START;
		break;
	case LG_RECORD_TARGET:
		allowed = s->state == LG_SESSION_HELLO;
		break;
	case LG_RECORD_SAMPLE:
	case LG_RECORD_CALIBRATED:
		allowed = s->state == LG_SESSION_RUNNING;
		break;
	case LG_RECORD_NOTE:
		allowed = s->state != LG_SESSION_START &&
			  s->state != LG_SESSION_ENDED;
		break;
	case LG_RECORD_END:
		allowed = s->state == LG_SESSION_HELLO ||
			  s->state == LG_SESSION_RUNNING;
		break;
	default:
		allowed = 0;
	}
	if (!allowed) {
		lg_error_set("protocol: %s record %s",
			     lg_record_type_name(rec->type), state_names[s->state]);
		return LG_EPROTO;
	}
	switch (rec->type) {
	case LG_RECORD_HELLO: return apply_hello(s, rec);
	case LG_RECORD_TARGET: return apply_target(s, rec);
	case LG_RECORD_SAMPLE: return apply_sample(s, rec);
	case LG_RECORD_CALIBRATED: return apply_calibrated(s, rec);
	case LG_RECORD_END: return apply_end(s, rec);
	case LG_RECORD_NOTE: return 0;
	default: return 0; /* the diagnostic session's: rejected above */
	}
}

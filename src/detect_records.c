/* The detection session's records (proto.h) into a workload result;
 * session.c checks their order and calls these. */
#include "leakgate/detect_records.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/metric.h"

/* A record's optional string field into *field; absent: left alone. */
static int take_string(char **field, const lg_record *rec, const char *key)
{
	const char *v = lg_record_get(rec, key);

	return v ? lg_string_set(field, v) : 0;
}

int lg_detection_hello(lg_session *s, const lg_record *rec)
{
	lg_workload_result *r = s->result;
	int64_t debug = 0;
	const char *metrics = lg_record_get(rec, "metrics");
	char name[64];
	int rc;

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
	return 0;
}

int lg_detection_target(lg_session *s, const lg_record *rec)
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
	return 0;
}

int lg_detection_sample(lg_session *s, const lg_record *rec)
{
	lg_series *series = &s->result->series;
	lg_sample sample;
	int rc;

	memset(&sample, 0, sizeof(sample));
	if ((rc = lg_record_get_i64(&sample.calls, rec, "calls")) < 0 ||
	    (rc = lg_record_get_i64(&sample.elapsed_ns, rec, "elapsed_ns")) < 0 ||
	    (lg_record_get(rec, "cpu_ns") &&
	     (rc = lg_record_get_i64(&sample.cpu_ns, rec, "cpu_ns")) < 0))
		return rc;
	if (series->count >= LG_PROTO_MAX_SAMPLES) {
		lg_error_set("protocol: more than %d samples", LG_PROTO_MAX_SAMPLES);
		return LG_EPROTO;
	}
	if (sample.calls < 0 || (series->count &&
	    sample.calls <= lg_series_calls(series))) {
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

int lg_detection_calibrated(lg_session *s, const lg_record *rec)
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
	int64_t line = 0;
	int rc;

	/* Where it was raised in the user's code, when the agent found it:
	 * what CI points at for an error instead of the function's def. */
	if (lg_record_get(rec, "file") && lg_record_get(rec, "line")) {
		if ((rc = lg_record_get_i64(&line, rec, "line")) < 0 ||
		    (rc = take_string(&r->raised_file, rec, "file")) < 0)
			return rc;
		r->raised_line = line > 0 && line < 1000000000 ? (int)line : 0;
	}

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

int lg_detection_end(lg_session *s, const lg_record *rec)
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
	} else if (strcmp(reason, "skipped") == 0) {
		/* A test its runner skipped, with the reason as message. */
		r->outcome = LG_OUTCOME_SKIPPED;
		rc = take_string(&r->detail, rec, "message");
	} else if (strcmp(reason, "import-error") == 0) {
		r->outcome = LG_OUTCOME_IMPORT_ERROR;
		rc = set_end_detail(r, rec);
	} else {
		lg_error_set("protocol: unexpected end reason '%.40s'", reason);
		return LG_EPROTO;
	}
	return rc;
}

/* The agent -> runner wire format: framing, escapes, order, bad input. */
#include "lg_test.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/buf.h"
#include "leakgate/proto.h"
#include "leakgate/session.h"

static const char hello[] =
	"hello\tproto=2\tpython=3.11.7\timpl=cpython\tdebug=0\t"
	"platform=linux-x86_64\tpid=42\tmetrics=pymalloc_bytes,malloc_bytes,fds,future_metric\n";
static const char target[] =
	"target\tmodule=orders\tfunction=parse\tfile=/src/orders.py\tline=12\n";

/* Feed text through a reader and a session; returns the first error. */
static int feed(lg_workload_result *r, const char *text, size_t chunk)
{
	lg_proto_reader rd = LG_PROTO_READER_INIT;
	lg_session s;
	lg_record rec;
	size_t len = strlen(text);
	int rc = 0;

	lg_session_init_detection(&s, r);
	for (size_t off = 0; off < len && rc == 0; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		assert_lg_ok(lg_proto_reader_feed(&rd, text + off, n));
		while ((rc = lg_proto_reader_next(&rd, &rec)) == 1) {
			rc = lg_session_apply(&s, &rec);
			lg_record_dispose(&rec);
			if (rc < 0)
				break;
		}
	}
	lg_proto_reader_dispose(&rd);
	return rc;
}

static void test_parse_fields_and_escapes(void **state)
{
	const char line[] = "end\treason=exception\tmessage=a\\tb\\nc\\\\d\\re";
	lg_record rec;
	int64_t v;

	(void)state;
	assert_lg_ok(lg_record_parse(&rec, line, strlen(line)));
	assert_int_equal(rec.type, LG_RECORD_END);
	assert_int_equal(rec.count, 2);
	assert_string_equal(lg_record_get(&rec, "message"), "a\tb\nc\\d\re");
	assert_null(lg_record_get(&rec, "missing"));
	assert_int_equal(lg_record_get_i64(&v, &rec, "reason"), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "reason"));
	lg_record_dispose(&rec);
}

/* Orders are written in the records' framing, and read back as written:
 * a hello kept for a serving child's later tests too. */
static void test_order_format_round_trip(void **state)
{
	const lg_field fields[] = {
		{ "target", "pytest:t/a.py::test[a\tb\\c\nd\re]" }, { "calls", "100" },
	};
	lg_buf out = LG_BUF_INIT;
	lg_record rec;

	(void)state;
	assert_lg_ok(lg_order_format(&out, "run", fields, 2));
	assert_string_equal(lg_buf_cstr(&out),
			    "run\ttarget=pytest:t/a.py::test[a\\tb\\\\c\\nd\\re]\tcalls=100\n");
	/* The same framing as a record's (a hello replayed reads back). */
	lg_buf_clear(&out);
	assert_lg_ok(lg_order_format(&out, "note", fields, 2));
	assert_lg_ok(lg_record_parse(&rec, out.ptr, out.len - 1));
	assert_string_equal(lg_record_get(&rec, "target"), fields[0].value);
	assert_string_equal(lg_record_get(&rec, "calls"), "100");
	lg_record_dispose(&rec);
	lg_buf_clear(&out);
	assert_lg_ok(lg_order_format(&out, "stop", NULL, 0));
	assert_string_equal(lg_buf_cstr(&out), "stop\n");
	lg_buf_dispose(&out);
}

static void test_parse_rejects_bad_records(void **state)
{
	static const char *const bad[] = {
		"bogus\ta=1",          /* unknown type */
		"sample\tcalls",       /* no '=' */
		"sample\tCalls=1",     /* key not lower-case */
		"sample\t=1",          /* empty key */
		"end\tmessage=x\\q",   /* unknown escape */
		"end\tmessage=x\\",    /* dangling backslash */
	};
	lg_record rec;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(lg_record_parse(&rec, bad[i], strlen(bad[i])),
				 LG_EPROTO);
		assert_null(rec.storage);
	}
	assert_int_equal(lg_record_parse(&rec, "end\0x", 5), LG_EPROTO);
}

static void test_session_full_run(void **state)
{
	lg_workload_result *r = *state;
	char text[4096];

	snprintf(text, sizeof(text), "%s%s"
		 "sample\tcalls=0\telapsed_ns=0\tpymalloc_bytes=1000\tmalloc_bytes=50\tfds=4\tfuture_metric=9\n"
		 "note\ttext=hello\n"
		 "calibrated\tbatch=64\tcall_ns=1500\tsample_ns=900000\n"
		 "sample\tcalls=64\telapsed_ns=96000\tcpu_ns=95000\tpymalloc_bytes=1100\tmalloc_bytes=60\tfds=4\tnew_key=1\n"
		 "end\treason=completed\tcalls=64\n", hello, target);
	/* Byte by byte: framing must not depend on how reads split. */
	assert_lg_ok(feed(r, text, 1));
	assert_int_equal(r->outcome, LG_OUTCOME_COMPLETED);
	assert_string_equal(r->python_version, "3.11.7");
	assert_string_equal(r->module, "orders");
	assert_string_equal(r->file, "/src/orders.py");
	assert_int_equal(r->line, 12);
	assert_int_equal(r->batch, 64);
	assert_int_equal(r->call_ns, 1500);
	assert_int_equal(r->series.count, 2);
	assert_true(lg_series_has(&r->series, LG_METRIC_PYMALLOC_BYTES));
	assert_true(lg_series_has(&r->series, LG_METRIC_FDS));
	assert_false(lg_series_has(&r->series, LG_METRIC_THREADS));
	assert_int_equal(r->series.samples[1].value[LG_METRIC_PYMALLOC_BYTES], 1100);
	assert_int_equal(r->series.samples[1].calls, 64);
	/* cpu_ns is optional: 0 when not said. */
	assert_int_equal(r->series.samples[0].cpu_ns, 0);
	assert_int_equal(r->series.samples[1].cpu_ns, 95000);
}

static void test_session_exception_keeps_detail(void **state)
{
	lg_workload_result *r = *state;
	char text[4096];

	snprintf(text, sizeof(text), "%s%s"
		 "sample\tcalls=0\telapsed_ns=0\tpymalloc_bytes=1\tmalloc_bytes=1\tfds=4\n"
		 "end\treason=exception\tcalls=49\texc_type=ValueError\tmessage=bad input\t"
		 "traceback=Traceback (most recent call last):\\n  File \"x.py\"\n",
		 hello, target);
	assert_lg_ok(feed(r, text, 7));
	assert_int_equal(r->outcome, LG_OUTCOME_EXCEPTION);
	assert_string_equal(r->detail, "ValueError: bad input");
	assert_non_null(strstr(r->traceback, "\n  File \"x.py\""));
}

static void test_session_import_error_without_target(void **state)
{
	lg_workload_result *r = *state;
	char text[4096];

	snprintf(text, sizeof(text), "%s"
		 "end\treason=import-error\tcalls=0\texc_type=ModuleNotFoundError\t"
		 "message=No module named 'nope'\n", hello);
	assert_lg_ok(feed(r, text, 4096));
	assert_int_equal(r->outcome, LG_OUTCOME_IMPORT_ERROR);
	assert_string_equal(r->detail, "ModuleNotFoundError: No module named 'nope'");
}

static void test_session_skipped_test(void **state)
{
	lg_workload_result *r = *state;
	char text[4096];

	/* A pytest test skipped on its first run: no samples, its reason. */
	snprintf(text, sizeof(text), "%s%s"
		 "end\treason=skipped\tcalls=0\tmessage=xfail: known bug 42\n",
		 hello, target);
	assert_lg_ok(feed(r, text, 5));
	assert_int_equal(r->outcome, LG_OUTCOME_SKIPPED);
	assert_string_equal(r->detail, "xfail: known bug 42");
	assert_int_equal(r->series.count, 0);
}

static void test_session_rejects_wrong_order(void **state)
{
	lg_workload_result *r = *state;
	char text[4096];

	assert_int_equal(feed(r, target, 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "target record before hello"));

	snprintf(text, sizeof(text), "%s%s"
		 "end\treason=completed\tcalls=0\n"
		 "sample\tcalls=1\telapsed_ns=0\tpymalloc_bytes=1\tmalloc_bytes=1\tfds=4\n",
		 hello, target);
	assert_int_equal(feed(r, text, 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "after end"));

	snprintf(text, sizeof(text), "%s"
		 "end\treason=completed\tcalls=0\n", hello);
	assert_int_equal(feed(r, text, 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "completed"));
}

static void test_session_rejects_bad_samples(void **state)
{
	lg_workload_result *r = *state;
	char text[4096];

	/* A metric announced in hello is missing. */
	snprintf(text, sizeof(text), "%s%s"
		 "sample\tcalls=1\telapsed_ns=0\tpymalloc_bytes=1\tmalloc_bytes=1\n",
		 hello, target);
	assert_int_equal(feed(r, text, 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "fds"));

	/* Calls must increase. */
	snprintf(text, sizeof(text), "%s%s"
		 "sample\tcalls=5\telapsed_ns=0\tpymalloc_bytes=1\tmalloc_bytes=1\tfds=1\n"
		 "sample\tcalls=5\telapsed_ns=0\tpymalloc_bytes=1\tmalloc_bytes=1\tfds=1\n",
		 hello, target);
	assert_int_equal(feed(r, text, 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "does not increase"));

	/* Not a number. */
	snprintf(text, sizeof(text), "%s%s"
		 "sample\tcalls=5x\telapsed_ns=0\tpymalloc_bytes=1\tmalloc_bytes=1\tfds=1\n",
		 hello, target);
	assert_int_equal(feed(r, text, 64), LG_EPROTO);
}

/* A workload can write samples to the pipe itself: past
 * LG_PROTO_MAX_SAMPLES they are refused, so the fit stays bounded. */
static void test_session_bounds_samples(void **state)
{
	lg_workload_result *r = *state;
	lg_buf text = LG_BUF_INIT;

	assert_lg_ok(lg_buf_printf(&text, "%s%s", hello, target));
	for (int i = 1; i <= LG_PROTO_MAX_SAMPLES; i++)
		assert_lg_ok(lg_buf_printf(&text, "sample\tcalls=%d\telapsed_ns=0\t"
					   "pymalloc_bytes=1\tmalloc_bytes=1\tfds=1\n", i));
	assert_lg_ok(feed(r, text.ptr, 4096));
	assert_int_equal(r->series.count, LG_PROTO_MAX_SAMPLES);
	lg_series_dispose(&r->series);
	assert_lg_ok(lg_buf_printf(&text, "sample\tcalls=%d\telapsed_ns=0\t"
				   "pymalloc_bytes=1\tmalloc_bytes=1\tfds=1\n",
				   LG_PROTO_MAX_SAMPLES + 1));
	assert_int_equal(feed(r, text.ptr, 4096), LG_EPROTO);
	assert_string_equal(lg_error_last(), "protocol: more than 2048 samples");
	assert_int_equal(r->series.count, LG_PROTO_MAX_SAMPLES);
	lg_buf_dispose(&text);
}

static void test_session_rejects_other_versions(void **state)
{
	lg_workload_result *r = *state;

	assert_int_equal(feed(r, "hello\tproto=1\tmetrics=fds\n", 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "version 1"));
	assert_int_equal(feed(r, "hello\tmetrics=fds\n", 64), LG_EPROTO);
}

static void test_explain_records(void **state)
{
	lg_workload_result *r = *state;
	const char line[] = "site\tfile=/src/x.py\tline=9\tframes=/src/x.py\\t9\\tx()";
	lg_record rec;
	char text[4096];

	/* The explain session's records parse like any other ... */
	assert_lg_ok(lg_record_parse(&rec, line, strlen(line)));
	assert_int_equal(rec.type, LG_RECORD_SITE);
	assert_string_equal(lg_record_get(&rec, "frames"), "/src/x.py\t9\tx()");
	lg_record_dispose(&rec);
	assert_string_equal(lg_record_type_name(LG_RECORD_NATIVE), "native");
	assert_string_equal(lg_record_type_name(LG_RECORD_HELLO), "hello");
	assert_string_equal(lg_record_type_name((lg_record_type)99), "unknown");
	/* ... but a detection session has no place for them. */
	snprintf(text, sizeof(text), "%s%s"
		 "type\tname=str\tcalls=1,2\tcount=1,2\tbytes=1,2\n", hello, target);
	assert_int_equal(feed(r, text, 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "type record while running"));
}

static void test_reader_line_limit(void **state)
{
	lg_proto_reader rd = LG_PROTO_READER_INIT;
	lg_record rec;
	char *big = malloc(LG_PROTO_MAX_LINE + 10);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', LG_PROTO_MAX_LINE + 10);
	assert_lg_ok(lg_proto_reader_feed(&rd, big, LG_PROTO_MAX_LINE + 10));
	assert_int_equal(lg_proto_reader_next(&rd, &rec), LG_EPROTO);
	lg_proto_reader_dispose(&rd);

	/* A torn last record is reported as pending, not parsed. */
	assert_lg_ok(lg_proto_reader_feed(&rd, "note\ttext=a\nsam", 15));
	assert_int_equal(lg_proto_reader_next(&rd, &rec), 1);
	lg_record_dispose(&rec);
	assert_int_equal(lg_proto_reader_next(&rd, &rec), 0);
	assert_int_equal(lg_proto_reader_pending(&rd), 3);
	lg_proto_reader_dispose(&rd);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields_and_escapes),
		cmocka_unit_test(test_parse_rejects_bad_records),
		cmocka_unit_test(test_order_format_round_trip),
		cmocka_unit_test_setup_teardown(test_session_full_run, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_session_exception_keeps_detail, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_session_import_error_without_target, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_session_skipped_test, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_session_rejects_wrong_order, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_session_rejects_bad_samples, lg_test_result_setup, lg_test_result_teardown),
cmocka_unit_test_setup_teardown(test_session_bounds_samples, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_session_rejects_other_versions, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_explain_records, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test(test_reader_line_limit),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}

/*
 * The JUnit properties' schema: every row survives a write and a read (a
 * result with every field the schema names set, rendered, read back,
 * compared field by field), no two rows share a name, and the names the
 * reader tells apart by their dots keep them apart.
 */
#include "lg_test.h"

#include <unistd.h>

#include "leakgate/baseline_cmp.h"
#include "leakgate/explanation.h"
#include "leakgate/junit.h"
#include "leakgate/junit_read.h"
#include "leakgate/junit_schema.h"
#include "leakgate/metric.h"

#define AT(type, base, offset) ((type *)((char *)(base) + (offset)))

/* The fitted metrics and the baseline's: heap_bytes and another. */
static const lg_metric metrics[] = { LG_METRIC_HEAP_BYTES, LG_METRIC_FDS };

/* The struct row p's field lives in, for result r. */
static void *base_of(lg_workload_result *r, const lg_junit_property *p, lg_metric m)
{
	switch (p->section) {
	case LG_JUNIT_RUN:
	case LG_JUNIT_FUNCTION:
		return r;
	case LG_JUNIT_FIT:
		return &r->fits[m];
	case LG_JUNIT_BASELINE:
		return r->baseline;
	case LG_JUNIT_BASELINE_METRIC:
		return &r->baseline->entry.metrics[m];
	case LG_JUNIT_EXPLAIN:
		return r->explanation;
	}
	fail_msg("row %s: no section", p->name);
	return NULL;
}

/* A value for row number i, unlike any default and any other row's. */
static void set_field(void *base, const lg_junit_property *p, size_t i)
{
	char text[64];

	if (p->flags & LG_JUNIT_GIVEN)
		*AT(unsigned, base, p->aux) |= p->bit;
	switch (p->type) {
	case LG_JUNIT_STRING:
		snprintf(text, sizeof(text), "value of %s #%zu", p->name, i);
		free(*AT(char *, base, p->offset));
		*AT(char *, base, p->offset) = lg_test_strdup(text);
		return;
	case LG_JUNIT_PATH:
	case LG_JUNIT_SITE:
		snprintf(text, sizeof(text), "/nowhere/%s_%zu.py", p->name, i);
		*AT(char *, base, p->offset) = lg_test_strdup(text);
		if (p->type == LG_JUNIT_SITE)
			*AT(int, base, p->aux) = (int)(100 + i);
		return;
	case LG_JUNIT_NUMBER:
		*AT(double, base, p->offset) = 1.25 + (double)i;
		return;
	case LG_JUNIT_WHOLE_DOUBLE:
		*AT(double, base, p->offset) = 1000 + (double)i;
		return;
	case LG_JUNIT_COUNT:
		*AT(int64_t, base, p->offset) = 5000 + (int64_t)i;
		return;
	case LG_JUNIT_SIZE:
		*AT(size_t, base, p->offset) = 40 + i;
		return;
	case LG_JUNIT_LINE:
		*AT(int, base, p->offset) = (int)(200 + i);
		return;
	case LG_JUNIT_BOOL:
	case LG_JUNIT_FLAG:
	case LG_JUNIT_EXPECT:
		*AT(int, base, p->offset) = 1;
		return;
	case LG_JUNIT_VERDICT:
	case LG_JUNIT_OUTCOME:
	case LG_JUNIT_METRIC:
	case LG_JUNIT_STATUS:
	case LG_JUNIT_KIND:
		*AT(int, base, p->offset) = 1; /* not the first name: not a default */
		return;
	case LG_JUNIT_CALLS: {
		/* Calls without samples kept: read back as one sample. */
		lg_sample s;

		memset(&s, 0, sizeof(s));
		s.calls = 7000 + (int64_t)i;
		assert_lg_ok(lg_series_push(AT(lg_series, base, p->offset), &s));
		return;
	}
	case LG_JUNIT_SAMPLES:
		return; /* the series' count: set with the calls */
	}
	fail_msg("row %s: no value for its type", p->name);
}

static void assert_field_equal(const void *want, const void *got,
			       const lg_junit_property *p)
{
	if (p->flags & LG_JUNIT_GIVEN)
		assert_int_equal(*AT(const unsigned, want, p->aux) & p->bit,
				 *AT(const unsigned, got, p->aux) & p->bit);
	switch (p->type) {
	case LG_JUNIT_STRING:
	case LG_JUNIT_PATH:
	case LG_JUNIT_SITE:
		assert_non_null(*AT(char *const, got, p->offset));
		assert_string_equal(*AT(char *const, want, p->offset),
				    *AT(char *const, got, p->offset));
		if (p->type == LG_JUNIT_SITE)
			assert_int_equal(*AT(const int, want, p->aux),
					 *AT(const int, got, p->aux));
		return;
	case LG_JUNIT_NUMBER:
	case LG_JUNIT_WHOLE_DOUBLE:
		assert_true(*AT(const double, want, p->offset) ==
			    *AT(const double, got, p->offset));
		return;
	case LG_JUNIT_COUNT:
		assert_int_equal(*AT(const int64_t, want, p->offset),
				 *AT(const int64_t, got, p->offset));
		return;
	case LG_JUNIT_SIZE:
		assert_int_equal(*AT(const size_t, want, p->offset),
				 *AT(const size_t, got, p->offset));
		return;
	case LG_JUNIT_CALLS:
	case LG_JUNIT_SAMPLES:
		assert_int_equal(lg_series_calls(AT(const lg_series, want, p->offset)),
				 lg_series_calls(AT(const lg_series, got, p->offset)));
		assert_int_equal(AT(const lg_series, want, p->offset)->count,
				 AT(const lg_series, got, p->offset)->count);
		return;
	default:
		assert_int_equal(*AT(const int, want, p->offset),
				 *AT(const int, got, p->offset));
		return;
	}
}

/* Every row's field set, written, read back: the same fields. */
static void test_round_trip_every_row(void **state)
{
	char dir[] = "/tmp/lg-junit-schema-XXXXXX", path[64];
	lg_run_result run = LG_RUN_RESULT_INIT, back = LG_RUN_RESULT_INIT;
	lg_workload_result *r, *got;
	size_t rows[6] = { 0 };
	lg_buf xml = LG_BUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.xml", dir);
	r = lg_test_run_add(&run, "every", "every.py:run", LG_VERDICT_CLEAN, NULL);
	assert_non_null(r->baseline = calloc(1, sizeof(*r->baseline)));
	assert_lg_ok(lg_explanation_new(&r->explanation));
	for (size_t k = 0; k < sizeof(metrics) / sizeof(*metrics); k++) {
		r->fitted |= 1u << metrics[k];
		r->baseline->entry.metrics[metrics[k]].present = 1;
	}
	for (size_t i = 0; i < lg_junit_schema_count; i++) {
		const lg_junit_property *p = &lg_junit_schema[i];

		rows[p->section]++;
		for (size_t k = 0; k < sizeof(metrics) / sizeof(*metrics); k++) {
			set_field(base_of(r, p, metrics[k]), p, i + 10 * k);
			if (p->section != LG_JUNIT_FIT &&
			    p->section != LG_JUNIT_BASELINE_METRIC)
				break;
		}
	}
	/* Every section has rows, so each was written and read. */
	for (size_t s = 0; s < sizeof(rows) / sizeof(*rows); s++)
		assert_true(rows[s] > 0);

	assert_lg_ok(lg_junit_render(&xml, &run));
	{
		FILE *fp = fopen(path, "wb");

		assert_non_null(fp);
		assert_int_equal(fwrite(xml.ptr, 1, xml.len, fp), xml.len);
		assert_int_equal(fclose(fp), 0);
	}
	assert_lg_ok(lg_junit_read(&back, path));
	assert_int_equal(back.count, 1);
	got = &back.items[0];
	assert_non_null(got->baseline);
	assert_non_null(got->explanation);
	assert_int_equal(got->fitted, r->fitted);
	for (size_t i = 0; i < lg_junit_schema_count; i++) {
		const lg_junit_property *p = &lg_junit_schema[i];

		for (size_t k = 0; k < sizeof(metrics) / sizeof(*metrics); k++) {
			assert_field_equal(base_of(r, p, metrics[k]),
					   base_of(got, p, metrics[k]), p);
			if (p->section != LG_JUNIT_FIT &&
			    p->section != LG_JUNIT_BASELINE_METRIC)
				break;
		}
	}
	/* What the rows imply, restored by the decoding. */
	for (size_t k = 0; k < sizeof(metrics) / sizeof(*metrics); k++) {
		assert_true(got->fits[metrics[k]].sustained);
		assert_true(got->fits[metrics[k]].enough);
	}
	assert_true(got->explanation->kept_by_c);
	lg_buf_dispose(&xml);
	lg_run_result_dispose(&run);
	lg_run_result_dispose(&back);
	unlink(path);
	rmdir(dir);
}

/* A site is always "file:line", so that the reader takes it back: also
 * without a line (once written "file" alone, which the reader refused). */
static void test_site_without_line(void **state)
{
	const lg_junit_property *p = lg_junit_schema_find(LG_JUNIT_EXPLAIN, "site");
	lg_explanation e, back;
	char text[LG_JUNIT_TEXT_SIZE], why[128];

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(&back, 0, sizeof(back));
	e.site_file = "/nowhere/site.py";
	assert_string_equal(lg_junit_property_text(p, &e, text), "/nowhere/site.py:0");
	assert_lg_ok(lg_junit_property_parse(p, &back, text, why, sizeof(why)));
	assert_string_equal(back.site_file, "/nowhere/site.py");
	assert_int_equal(back.site_line, 0);
	free(back.site_file);
	assert_int_equal(lg_junit_property_parse(p, &back, "nowhere", why, sizeof(why)),
			 LG_EINVALID);
	assert_string_equal(why, "'nowhere' is not file:line");
}

/* The full name of row p, a metric's name standing for "<metric>". */
static void full_name(char *out, size_t size, const lg_junit_property *p)
{
	const char *metric = lg_metric_get(LG_METRIC_HEAP_BYTES)->name;

	if (p->section == LG_JUNIT_FIT)
		snprintf(out, size, "%s.%s", metric, p->name);
	else if (p->section == LG_JUNIT_BASELINE_METRIC)
		snprintf(out, size, "baseline.%s.%s", metric, p->name);
	else
		snprintf(out, size, "%s%s", lg_junit_section_prefix(p->section), p->name);
}

static void test_no_duplicate_names(void **state)
{
	char a[128], b[128];

	(void)state;
	for (size_t i = 0; i < lg_junit_schema_count; i++) {
		const lg_junit_property *p = &lg_junit_schema[i];

		full_name(a, sizeof(a), p);
		for (size_t k = i + 1; k < lg_junit_schema_count; k++) {
			full_name(b, sizeof(b), &lg_junit_schema[k]);
			if (strcmp(a, b) == 0)
				fail_msg("two rows named '%s'", a);
		}
		/* The reader routes names by their dots: a plain name has
		 * none, a section's row none after its prefix, and none
		 * takes the names of the lists written apart. */
		assert_null(strchr(p->name, '.'));
		assert_string_not_equal(a, "heap_bytes.samples");
		assert_ptr_equal(lg_junit_schema_find(p->section, p->name), p);
	}
	assert_null(lg_junit_schema_find(LG_JUNIT_RUN, "no_such_property"));
}

/* A value the writer never writes is refused with the reason. */
static void test_parse_refuses(void **state)
{
	lg_workload_result r;
	char why[128];

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(lg_junit_property_parse(lg_junit_schema_find(LG_JUNIT_RUN, "batch"),
						 &r, "1.5", why, sizeof(why)), LG_EINVALID);
	assert_string_equal(why, "'1.5' is not a whole number");
	assert_int_equal(lg_junit_property_parse(lg_junit_schema_find(LG_JUNIT_RUN, "verdict"),
						 &r, "sideways", why, sizeof(why)),
			 LG_EINVALID);
	assert_string_equal(why, "unknown verdict 'sideways'");
	assert_int_equal(lg_junit_property_parse(lg_junit_schema_find(LG_JUNIT_RUN, "expect"),
						 &r, "maybe", why, sizeof(why)), LG_EINVALID);
	assert_string_equal(why, "'maybe' is neither leak nor clean");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_row),
		cmocka_unit_test(test_no_duplicate_names),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_site_without_line),
	};

	return cmocka_run_group_tests_name("junit_schema", tests, NULL, NULL);
}

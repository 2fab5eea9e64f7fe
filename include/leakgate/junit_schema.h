#ifndef LEAKGATE_JUNIT_SCHEMA_H
#define LEAKGATE_JUNIT_SCHEMA_H

#include <stddef.h>

/*
 * The <property> elements of a leakgate JUnit file, declared once: the
 * writer (junit.c) walks the table in order to write them, the reader
 * (junit_decode.c) looks names up in it to read them back. Adding a
 * property is adding a row to lg_junit_schema (junit_schema.c).
 *
 * A property's name is its section's prefix and the row's name
 * ("heap_bytes." + "slope"); its field lies at the row's offset in the
 * section's struct. What the schema does not hold: "<metric>.samples" and
 * the explanation's tables ("explain.type.N" ...), lists written and read by
 * their own code.
 */

/* Where a row's field lives, in the order the writer writes the sections. */
typedef enum {
	LG_JUNIT_RUN,             /* "":                 lg_workload_result */
	LG_JUNIT_FIT,             /* "<metric>.":         lg_fit, each fitted metric */
	LG_JUNIT_BASELINE,        /* "baseline.":         lg_baseline_cmp, when compared */
	LG_JUNIT_BASELINE_METRIC, /* "baseline.<metric>.": lg_baseline_metric, each present */
	LG_JUNIT_FUNCTION,        /* "function.":         lg_workload_result, with an explanation */
	LG_JUNIT_EXPLAIN          /* "explain.":          lg_explanation, with an explanation */
} lg_junit_section;

/* A field's C type and its text. Nothing is written for a NULL string. */
typedef enum {
	LG_JUNIT_STRING,       /* char *, as is */
	LG_JUNIT_PATH,         /* char *, relative to the current directory
				* (lg_format_path); nothing when "" */
	LG_JUNIT_NUMBER,       /* double, "%.6g" */
	LG_JUNIT_COUNT,        /* int64_t, "%lld"; read: a whole number */
	LG_JUNIT_WHOLE_DOUBLE, /* double holding a count, "%lld"; read: a number */
	LG_JUNIT_SIZE,         /* size_t, "%.6g" as every fit figure; read: whole */
	LG_JUNIT_BOOL,         /* int, "1" or "0"; read: a number, not 0 is true */
	LG_JUNIT_FLAG,         /* int, "true" or nothing; read: "true" or not */
	LG_JUNIT_EXPECT,       /* int, "leak" or "clean" */
	LG_JUNIT_LINE,         /* int, a line number; read: past 10^9 is 0 */
	LG_JUNIT_SITE,         /* char * file at offset, int line at aux: "file:line" */
	LG_JUNIT_VERDICT,      /* lg_verdict, by name (lg_verdict_name) */
	LG_JUNIT_OUTCOME,      /* lg_outcome, by name */
	LG_JUNIT_METRIC,       /* lg_metric, by name */
	LG_JUNIT_STATUS,       /* lg_baseline_status, by name */
	LG_JUNIT_KIND,         /* lg_leak_kind, by name */
	LG_JUNIT_CALLS,        /* lg_series: its calls so far; read: one sample
				* of them, unless the file keeps samples */
	LG_JUNIT_SAMPLES       /* lg_series: its sample count; not read (the
				* file keeps fewer) */
} lg_junit_type;

/* Flags of a row. */
enum {
	LG_JUNIT_POSITIVE = 1, /* written only when above 0 */
	LG_JUNIT_GIVEN = 2     /* written only when the unsigned at aux is not
				* 0; reading sets bit in it */
};

typedef struct {
	const char *name;          /* after the section's prefix */
	lg_junit_section section;
	lg_junit_type type;
	size_t offset;             /* of the field in the section's struct */
	unsigned flags;
	size_t aux;                /* SITE: the line's offset; GIVEN: the
				    * offset of the bits */
	unsigned bit;              /* GIVEN: the bit reading sets */
} lg_junit_property;

/* Every row, sections in the writer's order, rows in each as written. */
extern const lg_junit_property lg_junit_schema[];
extern const size_t lg_junit_schema_count;

/* "baseline." and so on; "" for the run and "" for a fit, whose prefix is
 * the metric's name and a dot. */
const char *lg_junit_section_prefix(lg_junit_section s);

/* The row of section s named name (after the prefix), or NULL. */
const lg_junit_property *lg_junit_schema_find(lg_junit_section s, const char *name);

/* Room for any text lg_junit_property_text formats. */
#define LG_JUNIT_TEXT_SIZE (4096 + 32)

/*
 * The text of p's field in base (the section's struct), formatted in out
 * (LG_JUNIT_TEXT_SIZE bytes) or borrowed from the field; NULL when the
 * property is not written (a NULL string, a figure kept only when
 * positive or given).
 */
const char *lg_junit_property_text(const lg_junit_property *p, const void *base,
				   char *out);

/*
 * Set p's field in base from value. 0; LG_EINVALID with why (a phrase
 * such as "'abc' is not a number", why_size bytes) when value is not what
 * the writer writes; LG_ENOMEM.
 */
int lg_junit_property_parse(const lg_junit_property *p, void *base,
			    const char *value, char *why, size_t why_size);

/* A SITE's text, "file:line" (the file may hold ':'), into *file (freed
 * first, then owned) and *line. LG_EINVALID (no message) when it is not. */
int lg_junit_site_parse(char **file, int *line, const char *text);

#endif

#ifndef LEAKGATE_JUNIT_DECODE_H
#define LEAKGATE_JUNIT_DECODE_H

#include <stddef.h>
#include <time.h>

#include "leakgate/buf.h"
#include "leakgate/result.h"

/*
 * Decoding a leakgate JUnit file: the values junit_read.c takes out of the
 * XML (a <property>, the <testcase> and its children) into the results
 * model. The properties follow the schema (junit_schema.h); strict about
 * what leakgate itself writes (a bad number, an unknown verdict), lenient
 * about what it does not know (a property of a later version is ignored).
 */

/* Bytes of a tail kept when read back: as much as the file holds. */
#define LG_JUNIT_TAIL_MIN 16384

/* Where a value was read, for messages. */
typedef struct {
	const char *file;  /* the file's name */
	const char *suite; /* the <testsuite>'s name; NULL outside one */
	long line;         /* 0: unknown */
} lg_junit_at;

/* "run.xml: line 12: testsuite 'orders': <what>"; returns LG_EINVALID. */
int lg_junit_invalid(const lg_junit_at *at, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One <property> of a suite's first <properties>, into r. */
int lg_junit_decode_property(lg_workload_result *r, const lg_junit_at *at,
			     const char *name, const char *value);

/* A child of the <testcase> that holds part of the result. */
typedef enum {
	LG_JUNIT_FAILURE, LG_JUNIT_ERROR, LG_JUNIT_SKIPPED,
	LG_JUNIT_SYSTEM_OUT, LG_JUNIT_SYSTEM_ERR
} lg_junit_child_kind;

typedef struct {
	lg_junit_child_kind kind;
	char *message; /* its message attribute, or NULL */
	lg_buf text;   /* all of its text */
} lg_junit_child;

/* The <testcase>'s attributes (NULL when absent) and children, in order. */
enum { LG_JUNIT_CLASSNAME, LG_JUNIT_NAME, LG_JUNIT_FILE, LG_JUNIT_LINE_ATTR,
       LG_JUNIT_TIME, LG_JUNIT_ATTRS };

typedef struct {
	char *attrs[LG_JUNIT_ATTRS];
	long line;                      /* of the element, for messages */
	const lg_junit_child *children;
	size_t count;
} lg_junit_testcase;

/*
 * The suite read through (at->suite its name): what the properties imply
 * (a fit's flags, the target when none was written), then the test case:
 * identity, time, message, traceback, output tails, attachment.
 */
int lg_junit_decode_suite(lg_workload_result *r, const lg_junit_at *at,
			  const lg_junit_testcase *tc);

/* A suite's timestamp, "2024-01-02T03:04:05Z", in seconds since the epoch;
 * 0 when NULL or malformed. */
time_t lg_junit_decode_stamp(const char *s);

#endif

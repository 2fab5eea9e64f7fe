#ifndef LEAKGATE_SESSION_H
#define LEAKGATE_SESSION_H

#include "leakgate/explanation.h"
#include "leakgate/proto.h"
#include "leakgate/result.h"

/*
 * A session applies an agent's records, in order, to what it measures: the
 * detection session to a workload result, the explain session to an
 * explanation, the collection of a pytest suite to its node ids. One table
 * (session.c) says for every record the states it may come in, the state
 * after it and what each session does with it, so that the order proto.h
 * specifies is checked in one place, and the version in hello once. A
 * record out of order, or one the session has no use for, is LG_EPROTO
 * with a message ("protocol: sample record after end").
 */

struct lg_pytest_suite;

typedef enum {
	LG_SESSION_START,    /* before hello */
	LG_SESSION_HELLO,    /* after hello */
	LG_SESSION_RUNNING,  /* after target */
	LG_SESSION_ENDED     /* after end */
} lg_session_state;

typedef enum {
	LG_SESSION_DETECTION,
	LG_SESSION_EXPLAIN,
	LG_SESSION_COLLECTION
} lg_session_kind;

typedef struct lg_session {
	lg_session_state state;
	lg_session_kind kind;         /* whose rules */
	unsigned metrics;             /* detection: bit per metric in hello */
	lg_workload_result *result;   /* detection: borrowed */
	lg_explanation *explanation;  /* explain: borrowed */
	struct lg_pytest_suite *suite; /* collection: borrowed */
} lg_session;

void lg_session_init_detection(lg_session *s, lg_workload_result *result);
void lg_session_init_explain(lg_session *s, lg_explanation *e);
void lg_session_init_collection(lg_session *s, struct lg_pytest_suite *suite);
/* LG_EPROTO with a message for out-of-order or malformed records. */
int lg_session_apply(lg_session *s, const lg_record *rec);

/*
 * What a record does to a session's result, called by lg_session_apply
 * once the order is checked (s->state is still the state before it):
 * detect_records.h for the detection session, explain_records.h for the
 * explain session, pytest_suite.h for a collection. Nothing else calls
 * them.
 */
typedef int (*lg_record_handler)(lg_session *s, const lg_record *rec);

#endif

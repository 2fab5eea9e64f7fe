#ifndef LEAKGATE_EXPLAIN_RECORDS_H
#define LEAKGATE_EXPLAIN_RECORDS_H

#include "leakgate/proto.h"
#include "leakgate/session.h"

/*
 * The diagnostic session's records (proto.h) into its explanation
 * (s->explanation): series fitted into rates per call, findings copied,
 * bounded in size. The handlers session.c's table calls once a record's
 * order is checked (lg_record_handler).
 */
int lg_diagnosis_hello(lg_session *s, const lg_record *rec);
int lg_diagnosis_note(lg_session *s, const lg_record *rec);
int lg_diagnosis_end(lg_session *s, const lg_record *rec);
int lg_diagnosis_type(lg_session *s, const lg_record *rec);
int lg_diagnosis_site(lg_session *s, const lg_record *rec);
int lg_diagnosis_traced(lg_session *s, const lg_record *rec);
int lg_diagnosis_chain(lg_session *s, const lg_record *rec);
int lg_diagnosis_resource(lg_session *s, const lg_record *rec);
int lg_diagnosis_cycle(lg_session *s, const lg_record *rec);
int lg_diagnosis_native(lg_session *s, const lg_record *rec);

#endif

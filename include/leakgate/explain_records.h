#ifndef LEAKGATE_EXPLAIN_RECORDS_H
#define LEAKGATE_EXPLAIN_RECORDS_H

#include "leakgate/proto.h"
#include "leakgate/session.h"

/*
 * The explain session's records (proto.h) into its explanation
 * (s->explanation): series fitted into rates per call, findings copied,
 * bounded in size. The handlers session.c's table calls once a record's
 * order is checked (lg_record_handler).
 */
int lg_explain_records_hello(lg_session *s, const lg_record *rec);
int lg_explain_records_note(lg_session *s, const lg_record *rec);
int lg_explain_records_end(lg_session *s, const lg_record *rec);
int lg_explain_records_type(lg_session *s, const lg_record *rec);
int lg_explain_records_site(lg_session *s, const lg_record *rec);
int lg_explain_records_traced(lg_session *s, const lg_record *rec);
int lg_explain_records_chain(lg_session *s, const lg_record *rec);
int lg_explain_records_resource(lg_session *s, const lg_record *rec);
int lg_explain_records_cycle(lg_session *s, const lg_record *rec);
int lg_explain_records_native(lg_session *s, const lg_record *rec);

#endif

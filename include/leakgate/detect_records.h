#ifndef LEAKGATE_DETECT_RECORDS_H
#define LEAKGATE_DETECT_RECORDS_H

#include "leakgate/proto.h"
#include "leakgate/session.h"

/*
 * The detection session's records (proto.h) into its workload result
 * (s->result): the handlers session.c's table calls once a record's order
 * is checked (lg_record_handler).
 */
int lg_detection_hello(lg_session *s, const lg_record *rec);
int lg_detection_target(lg_session *s, const lg_record *rec);
int lg_detection_sample(lg_session *s, const lg_record *rec);
int lg_detection_calibrated(lg_session *s, const lg_record *rec);
int lg_detection_end(lg_session *s, const lg_record *rec);

#endif

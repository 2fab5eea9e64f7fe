/* The one state machine of both sessions: the order of records, the
 * version in hello, and which handler a record goes to. */
#include "leakgate/session.h"

#include <string.h>

#include "leakgate/detect_records.h"
#include "leakgate/error.h"
#include "leakgate/explain_records.h"
#include "leakgate/pytest_suite.h"

#define AT(state) (1u << (state))
#define SAME -1 /* the record leaves the state as it is */

/* A record the session takes but has nothing to do with. */
static int ignore(lg_session *s, const lg_record *rec)
{
	(void)s;
	(void)rec;
	return 0;
}

/* Every record: where it may come, the state after it, and what each
 * session does with it, in lg_session_kind order (NULL: that session
 * rejects it). A collection's tests come after its hello: it has no
 * target. */
static const struct {
	lg_record_type type;
	unsigned allowed;
	int next;
	lg_record_handler handler[3];
} rules[] = {
	{ LG_RECORD_HELLO, AT(LG_SESSION_START), LG_SESSION_HELLO,
	  { lg_detection_hello, lg_explain_records_hello, ignore } },
	{ LG_RECORD_TARGET, AT(LG_SESSION_HELLO), LG_SESSION_RUNNING,
	  { lg_detection_target, ignore, NULL } },
	{ LG_RECORD_SAMPLE, AT(LG_SESSION_RUNNING), SAME,
	  { lg_detection_sample, NULL, NULL } },
	{ LG_RECORD_CALIBRATED, AT(LG_SESSION_RUNNING), SAME,
	  { lg_detection_calibrated, NULL, NULL } },
	{ LG_RECORD_NOTE, AT(LG_SESSION_HELLO) | AT(LG_SESSION_RUNNING), SAME,
	  { ignore, lg_explain_records_note, lg_collection_note } },
	{ LG_RECORD_END, AT(LG_SESSION_HELLO) | AT(LG_SESSION_RUNNING),
	  LG_SESSION_ENDED, { lg_detection_end, lg_explain_records_end, lg_collection_end } },
	{ LG_RECORD_TYPE, AT(LG_SESSION_RUNNING), SAME,
	  { NULL, lg_explain_records_type, NULL } },
	{ LG_RECORD_SITE, AT(LG_SESSION_RUNNING), SAME,
	  { NULL, lg_explain_records_site, NULL } },
	{ LG_RECORD_TRACED, AT(LG_SESSION_RUNNING), SAME,
	  { NULL, lg_explain_records_traced, NULL } },
	{ LG_RECORD_CHAIN, AT(LG_SESSION_RUNNING), SAME,
	  { NULL, lg_explain_records_chain, NULL } },
	{ LG_RECORD_RESOURCE, AT(LG_SESSION_RUNNING), SAME,
	  { NULL, lg_explain_records_resource, NULL } },
	{ LG_RECORD_CYCLE, AT(LG_SESSION_RUNNING), SAME,
	  { NULL, lg_explain_records_cycle, NULL } },
	{ LG_RECORD_NATIVE, AT(LG_SESSION_RUNNING), SAME,
	  { NULL, lg_explain_records_native, NULL } },
	{ LG_RECORD_TEST, AT(LG_SESSION_HELLO), SAME,
	  { NULL, NULL, lg_collection_test } },
};

void lg_session_init_detection(lg_session *s, lg_workload_result *result)
{
	memset(s, 0, sizeof(*s));
	s->state = LG_SESSION_START;
	s->kind = LG_SESSION_DETECTION;
	s->result = result;
}

void lg_session_init_explain(lg_session *s, lg_explanation *e)
{
	memset(s, 0, sizeof(*s));
	s->state = LG_SESSION_START;
	s->kind = LG_SESSION_EXPLAIN;
	s->explanation = e;
}

void lg_session_init_collection(lg_session *s, struct lg_pytest_suite *suite)
{
	memset(s, 0, sizeof(*s));
	s->state = LG_SESSION_START;
	s->kind = LG_SESSION_COLLECTION;
	s->suite = suite;
}

static int check_version(const lg_record *rec)
{
	int64_t proto;
	int rc;

	if ((rc = lg_record_get_i64(&proto, rec, "proto")) < 0)
		return rc;
	if (proto != LG_PROTO_VERSION) {
		lg_error_set("protocol: agent speaks version %lld, runner %d",
			     (long long)proto, LG_PROTO_VERSION);
		return LG_EPROTO;
	}
	return 0;
}

int lg_session_apply(lg_session *s, const lg_record *rec)
{
	static const char *const state_names[] = {
		[LG_SESSION_START] = "before hello",
		[LG_SESSION_HELLO] = "after hello",
		[LG_SESSION_RUNNING] = "while running",
		[LG_SESSION_ENDED] = "after end",
	};
	static const char *const kind_names[] = {
		[LG_SESSION_DETECTION] = "",
		[LG_SESSION_EXPLAIN] = " (explain session)",
		[LG_SESSION_COLLECTION] = " (collection)",
	};
	lg_record_handler handler = NULL;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(rules) / sizeof(*rules); i++)
		if (rules[i].type == rec->type)
			break;
	if (i < sizeof(rules) / sizeof(*rules) &&
	    (rules[i].allowed & AT(s->state)))
		handler = rules[i].handler[s->kind];
	if (!handler) {
		lg_error_set("protocol: %s record %s%s",
			     lg_record_type_name(rec->type), state_names[s->state],
			     kind_names[s->kind]);
		return LG_EPROTO;
	}
	if (rec->type == LG_RECORD_HELLO && (rc = check_version(rec)) < 0)
		return rc;
	if ((rc = handler(s, rec)) < 0)
		return rc;
	if (rules[i].next != SAME)
		s->state = (lg_session_state)rules[i].next;
	return 0;
}

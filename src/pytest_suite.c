/* Collecting a pytest suite in a child of the user's interpreter. */
#include "leakgate/pytest_suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/agent_bundle.h"
#include "leakgate/buf.h"
#include "leakgate/child.h"
#include "leakgate/error.h"
#include "leakgate/proc.h"
#include "leakgate/session.h"

#define ERR_LIMIT 4096 /* bytes of the child's stderr kept for errors */

static int add_node(lg_pytest_suite *suite, const char *node)
{
	char **grown = realloc(suite->nodes, (suite->count + 1) * sizeof(*grown));

	if (!grown)
		return lg_error_oom();
	suite->nodes = grown;
	if (!(grown[suite->count] = strdup(node)))
		return lg_error_oom();
	suite->count++;
	return 0;
}

/* "ModuleNotFoundError: No module named 'x'" from an end record. */
static int set_failure(lg_pytest_suite *suite, const lg_record *rec)
{
	const char *type = lg_record_get(rec, "exc_type");
	const char *message = lg_record_get(rec, "message");
	lg_buf why = LG_BUF_INIT;

	/* pytest's own errors (UsageError) and ours say enough without
	 * their type. */
	int named = type && *type && message && *message &&
		    strncmp(type, "_pytest", 7) != 0 &&
		    strncmp(message, "pytest ", 7) != 0;

	if (lg_buf_printf(&why, "%s%s%s", named ? type : "", named ? ": " : "",
			  message && *message ? message
			  : type ? type : "failed") < 0) {
		lg_buf_dispose(&why);
		return lg_error_oom();
	}
	free(suite->error);
	suite->error = lg_buf_detach(&why);
	return 0;
}

int lg_collection_test(lg_session *s, const lg_record *rec)
{
	const char *node = lg_record_get(rec, "node");

	if (!node || !*node) {
		lg_error_set("protocol: test record without a node id");
		return LG_EPROTO;
	}
	return add_node(s->suite, node);
}

int lg_collection_note(lg_session *s, const lg_record *rec)
{
	const char *text = lg_record_get(rec, "text");

	return text && *text ? lg_buf_printf(&s->suite->notes, "%s\n", text) : 0;
}

int lg_collection_end(lg_session *s, const lg_record *rec)
{
	const char *reason = lg_record_get(rec, "reason");

	if (!reason) {
		lg_error_set("protocol: end lacks 'reason'");
		return LG_EPROTO;
	}
	s->suite->ended = 1;
	return strcmp(reason, "completed") == 0 ? 0 : set_failure(s->suite, rec);
}

/* The user's conftest may print: stdout is read and dropped. */
static int run_collection(lg_pytest_suite *out, lg_child *child, double timeout)
{
	lg_tail err = LG_TAIL_INIT(ERR_LIMIT);
	lg_session session;
	char status[128], line[512];
	int rc;

	lg_session_init_collection(&session, out);
	lg_child_begin_session(child, &session);
	child->err = &err;
	rc = lg_child_wait(child, timeout);
	lg_child_end(child);
	if (rc == 0 && child->protocol_error) {
		lg_error_set("%s", child->protocol_error);
		rc = LG_EPROTO;
	} else if (rc == 0 && !out->ended) {
		lg_proc_describe_status(status, sizeof(status), child->proc.status);
		lg_child_stderr_line(line, sizeof(line), &err);
		lg_error_set("the collection ended without a result (%s)%s%s",
			     status, *line ? ": " : "", line);
		rc = LG_EINVALID;
	} else if (rc == 0 && out->error) {
		lg_error_set("%s", out->error);
		rc = LG_EINVALID;
	}
	child->err = NULL;
	lg_tail_dispose(&err);
	return rc;
}

int lg_pytest_collect(lg_pytest_suite *out, const char *python,
		      const char *args, double timeout)
{
	const char *argv[] = {
		python, "-c", lg_agent_bootstrap(), "--collect", args, NULL
	};
	const char *env[] = { "PYTHONUNBUFFERED=1", NULL };
	lg_child child;
	char message[1024];
	int rc;

	memset(out, 0, sizeof(*out));
	lg_child_init(&child);
	child.proc.argv = argv;
	child.proc.env = env;
	child.proc.channel_fd = LG_PROTO_FD;
	child.proc.given_fd_at = LG_PROTO_MODULES_FD;
	child.proc.given_fd = lg_agent_modules_open(message, sizeof(message));
	if (child.proc.given_fd < 0) {
		lg_error_set("%s", message);
		rc = LG_EOS;
	} else if ((rc = lg_proc_start(&child.proc)) == 0) {
		rc = run_collection(out, &child, timeout);
	}
	if (child.proc.given_fd >= 0)
		close(child.proc.given_fd);
	lg_child_dispose(&child);
	if (rc < 0) {
		if (rc != LG_ENOMEM) {
			snprintf(message, sizeof(message), "%s", lg_error_last());
			lg_error_set("--pytest '%s': %s", args, message);
			rc = LG_EINVALID;
		}
		lg_pytest_suite_dispose(out);
		return rc;
	}
	if (out->count == 0) {
		lg_error_set("--pytest '%s': pytest collected no tests", args);
		lg_pytest_suite_dispose(out);
		return LG_EINVALID;
	}
	return 0;
}

void lg_pytest_suite_dispose(lg_pytest_suite *suite)
{
	if (!suite)
		return;
	for (size_t i = 0; i < suite->count; i++)
		free(suite->nodes[i]);
	free(suite->nodes);
	free(suite->error);
	lg_buf_dispose(&suite->notes);
	memset(suite, 0, sizeof(*suite));
}

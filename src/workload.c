#include "leakgate/workload.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"

int lg_workload_init_defaults(lg_workload *wl)
{
	memset(wl, 0, sizeof(*wl));
	wl->python = strdup(LG_WORKLOAD_DEFAULT_PYTHON);
	if (!wl->python)
		return lg_error_oom();
	wl->threshold = LG_WORKLOAD_DEFAULT_THRESHOLD;
	wl->timeout = LG_WORKLOAD_DEFAULT_TIMEOUT;
	wl->max_calls = LG_WORKLOAD_DEFAULT_MAX_CALLS;
	wl->duration = LG_WORKLOAD_DEFAULT_DURATION;
	wl->memory_limit_mb = LG_WORKLOAD_DEFAULT_MEMORY_LIMIT_MB;
	wl->regression_floor = LG_WORKLOAD_DEFAULT_REGRESSION_FLOOR;
	wl->regression_tolerance = LG_WORKLOAD_DEFAULT_REGRESSION_TOLERANCE;
	return 0;
}

/* NULL stays NULL; *out is NULL only when src is or on failure. */
int lg_workload_copy(lg_workload *out, const lg_workload *src)
{
	int rc;

	*out = *src;
	out->name = out->target = out->python = NULL;
	if ((rc = lg_string_set(&out->name, src->name)) < 0 ||
	    (rc = lg_string_set(&out->target, src->target)) < 0 ||
	    (rc = lg_string_set(&out->python, src->python)) < 0) {
		lg_workload_dispose(out);
		return rc;
	}
	return 0;
}

static int is_identifier(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* "a", "a.b.c": ASCII identifiers joined by single dots. */
static int is_dotted_identifier(const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!is_identifier(s + start, i - start))
			return 0;
		start = i + 1;
	}
	return 1;
}

static int ends_with_py(const char *s, size_t len)
{
	return len >= 3 && memcmp(s + len - 3, ".py", 3) == 0;
}

static int bad_target(const char *target, const char *problem)
{
	lg_error_set("bad workload '%s': %s", target, problem);
	return LG_EINVALID;
}

/* Checks the left part of a target; sets *is_file. */
static int check_location(int *is_file, const char *target, size_t len)
{
	const char *slash = memrchr(target, '/', len);
	const char *base = slash ? slash + 1 : target;

	*is_file = slash || ends_with_py(target, len);
	if (!*is_file) {
		if (!is_dotted_identifier(target, len)) {
			lg_error_set("bad workload '%s': '%.*s' is not a module name",
				     target, (int)len, target);
			return LG_EINVALID;
		}
		return 0;
	}
	/* "dir/.py" names no file: the basename needs a stem. */
	if (!ends_with_py(target, len) || (size_t)(target + len - base) <= 3) {
		lg_error_set("bad workload '%s': '%.*s' is not a .py file",
			     target, (int)len, target);
		return LG_EINVALID;
	}
	return 0;
}

int lg_workload_parse_target(char **path_out, char **function_out,
			     int *is_file, const char *target)
{
	const char *colon, *function;
	size_t path_len;
	int rc;

	*path_out = *function_out = NULL;
	*is_file = 0;
	if (!target || !*target) {
		lg_error_set("bad workload '': expected FILE.py:FUNCTION or MODULE:FUNCTION");
		return LG_EINVALID;
	}
	/* The last ':' so a file path may itself contain one. */
	colon = strrchr(target, ':');
	if (!colon)
		return bad_target(target, "expected FILE.py:FUNCTION or MODULE:FUNCTION");
	function = colon + 1;
	path_len = (size_t)(colon - target);
	if (path_len == 0)
		return bad_target(target, "no file or module before ':'");
	if (!*function)
		return bad_target(target, "no function after ':'");
	if ((rc = check_location(is_file, target, path_len)) < 0)
		return rc;
	if (!is_dotted_identifier(function, strlen(function))) {
		lg_error_set("bad workload '%s': '%s' is not a function name",
			     target, function);
		return LG_EINVALID;
	}
	*path_out = strndup(target, path_len);
	*function_out = strdup(function);
	if (!*path_out || !*function_out) {
		free(*path_out);
		free(*function_out);
		*path_out = *function_out = NULL;
		return lg_error_oom();
	}
	return 0;
}

void lg_workload_dispose(lg_workload *wl)
{
	if (!wl)
		return;
	free(wl->name);
	free(wl->target);
	free(wl->python);
	memset(wl, 0, sizeof(*wl));
}

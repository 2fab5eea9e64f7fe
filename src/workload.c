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
	out->name = out->target = out->python = out->pytest_args = NULL;
	if ((rc = lg_string_set(&out->name, src->name)) < 0 ||
	    (rc = lg_string_set(&out->target, src->target)) < 0 ||
	    (rc = lg_string_set(&out->python, src->python)) < 0 ||
	    (rc = lg_string_set(&out->pytest_args, src->pytest_args)) < 0) {
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

#define PYTEST_PREFIX "pytest:"
#define UNITTEST_PREFIX "unittest:"

lg_target_kind lg_workload_target_kind(const char *target)
{
	if (target && strncmp(target, PYTEST_PREFIX, strlen(PYTEST_PREFIX)) == 0)
		return LG_TARGET_PYTEST;
	if (target && strncmp(target, UNITTEST_PREFIX, strlen(UNITTEST_PREFIX)) == 0)
		return LG_TARGET_UNITTEST;
	return LG_TARGET_FUNCTION;
}

/* The node id or dotted name after the prefix; NULL when malformed (the
 * error set). Node ids may hold anything but line breaks (parameters with
 * spaces, brackets, any UTF-8): they travel as one argument. A node id
 * without "::" is a file, as a suite names one that failed to collect. */
static const char *test_id(const char *target)
{
	lg_target_kind kind = lg_workload_target_kind(target);
	const char *id, *sep, *dot;

	if (kind == LG_TARGET_PYTEST) {
		id = target + strlen(PYTEST_PREFIX);
		sep = strstr(id, "::");
		if (strpbrk(id, "\n\r")) {
			bad_target(target, "a node id has no line breaks");
			return NULL;
		}
		/* "::TEST" is pytest's own: the module `--pyargs pkg.module`
		 * collects is the path its node ids are relative to. */
		if (!*id || (sep && !sep[2])) {
			bad_target(target, "expected pytest:FILE.py::TEST (a pytest node id)");
			return NULL;
		}
		return id;
	}
	id = target + strlen(UNITTEST_PREFIX);
	dot = strrchr(id, '.');
	if (!is_dotted_identifier(id, strlen(id)) || !dot ||
	    !memchr(id, '.', (size_t)(dot - id))) {
		bad_target(target, "expected unittest:MODULE.CLASS.METHOD");
		return NULL;
	}
	return id;
}

int lg_workload_test_names(char **classname_out, char **name_out,
			   const char *target)
{
	lg_target_kind kind = lg_workload_target_kind(target);
	const char *id, *bracket, *last;
	lg_buf classname = LG_BUF_INIT, name = LG_BUF_INIT;
	size_t path_len;
	int rc = 0;

	*classname_out = *name_out = NULL;
	if (kind == LG_TARGET_FUNCTION)
		return bad_target(target, "not a pytest: or unittest: target");
	if (!(id = test_id(target)))
		return LG_EINVALID;
	if (kind == LG_TARGET_UNITTEST) {
		last = strrchr(id, '.');
		rc = lg_buf_add(&classname, id, (size_t)(last - id));
		last++;
	} else {
		/* pytest's junitxml: the file (before the first "::") with
		 * '/' as '.' and ".py" dropped, the classes after it, and
		 * the last part with its parameters as the name; a file
		 * alone is the name. */
		const char *file_end = strstr(id, "::");
		size_t file_len = file_end ? (size_t)(file_end - id) : strlen(id);

		if (!file_end) {
			if (file_len > 3 && memcmp(id + file_len - 3, ".py", 3) == 0)
				file_len -= 3;
			for (size_t i = 0; i < file_len && rc == 0; i++)
				rc = lg_buf_add(&name, id[i] == '/' ? "." : id + i, 1);
			last = NULL;
			goto done;
		}

		bracket = strchr(id, '[');
		path_len = bracket ? (size_t)(bracket - id) : strlen(id);
		last = file_end + 2;
		for (const char *p = file_end; p + 1 < id + path_len; p++)
			if (p[0] == ':' && p[1] == ':')
				last = p + 2;
		if (file_len > 3 && memcmp(file_end - 3, ".py", 3) == 0)
			file_len -= 3;
		for (size_t i = 0; i < file_len && rc == 0; i++)
			rc = lg_buf_add(&classname, id[i] == '/' ? "." : id + i, 1);
		for (const char *p = file_end; p < last - 2 && rc == 0; p++) {
			if (p[0] == ':' && p[1] == ':') {
				rc = lg_buf_add(&classname, ".", 1);
				p++;
			} else {
				rc = lg_buf_add(&classname, p, 1);
			}
		}
	}
done:
	if (rc < 0 || lg_buf_puts(&classname, "") < 0 ||
	    (last && lg_buf_puts(&name, last) < 0) || lg_buf_puts(&name, "") < 0) {
		lg_buf_dispose(&classname);
		lg_buf_dispose(&name);
		return lg_error_oom();
	}
	*classname_out = lg_buf_detach(&classname);
	*name_out = lg_buf_detach(&name);
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
	if (target && lg_workload_target_kind(target) != LG_TARGET_FUNCTION)
		return lg_workload_test_names(path_out, function_out, target);
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
	free(wl->pytest_args);
	memset(wl, 0, sizeof(*wl));
}

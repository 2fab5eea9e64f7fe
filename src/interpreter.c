#include "leakgate/interpreter.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/file.h"

extern char **environ;

/* The file execvp would run for name, into out (size bytes); 0 when
 * there is none. */
static int find_program(char *out, size_t size, const char *name)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/'))
		return (size_t)snprintf(out, size, "%s", name) < size &&
		       access(out, X_OK) == 0;
	for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; ; ) {
		size_t n = strcspn(p, ":");
		int len = snprintf(out, size, "%.*s%s%s", (int)n, p,
				   n ? "/" : "", name);

		if (len > 0 && (size_t)len < size && access(out, X_OK) == 0)
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* 1 when the program starts with "#!": the kernel runs another one. */
static int is_script(const char *name)
{
	char path[4096], magic[2];
	int fd, script;

	if (!find_program(path, sizeof(path), name) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	script = read(fd, magic, sizeof(magic)) == 2 && magic[0] == '#' &&
		 magic[1] == '!';
	close(fd);
	return script;
}

/* other names what entry names: "NAME=value" or "NAME", either one. */
static int same_name(const char *entry, const char *other)
{
	size_t name = strcspn(entry, "=");

	return strncmp(other, entry, name) == 0 &&
	       (other[name] == '=' || other[name] == '\0');
}

/* The first NAME=value entry of env naming entry's name, or NULL. */
static const char *env_find(const char *const *env, const char *entry)
{
	for (; env && *env; env++)
		if (strchr(*env, '=') && same_name(entry, *env))
			return *env;
	return NULL;
}

static size_t env_count(const char *const *env)
{
	size_t n = 0;

	while (env && env[n])
		n++;
	return n;
}

void lg_interpreter_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* Copy entry, or only its name (name_only), to env[*n]. */
static int env_push(char **env, size_t *n, const char *entry, int name_only)
{
	size_t len = name_only ? strcspn(entry, "=") : strlen(entry);

	if (!(env[*n] = strndup(entry, len)))
		return lg_error_oom();
	(*n)++;
	return 0;
}

int lg_interpreter_env_diff(char ***out, const char *const *before,
			    const char *const *after)
{
	size_t nb = env_count(before), na = env_count(after), n = 0;
	char **diff = calloc(nb + na + 1, sizeof(*diff));
	int rc = 0;

	*out = NULL;
	if (!diff)
		return lg_error_oom();
	for (size_t i = 0; rc == 0 && i < na; i++) {
		const char *was = env_find(before, after[i]);

		if (strchr(after[i], '=') && env_find(after, after[i]) == after[i] &&
		    (!was || strcmp(was, after[i]) != 0))
			rc = env_push(diff, &n, after[i], 0);
	}
	for (size_t i = 0; rc == 0 && i < nb; i++)
		if (strchr(before[i], '=') && env_find(before, before[i]) == before[i] &&
		    !env_find(after, before[i]))
			rc = env_push(diff, &n, before[i], 1);
	if (rc < 0) {
		lg_interpreter_env_free(diff);
		return rc;
	}
	*out = diff;
	return 0;
}

int lg_interpreter_env_apply(char ***out, const char *const *base,
			     const char *const *diff)
{
	size_t nb = env_count(base), nd = env_count(diff), n = 0;
	char **env = calloc(nb + nd + 1, sizeof(*env));
	int rc = 0;

	*out = NULL;
	if (!env)
		return lg_error_oom();
	for (size_t i = 0; rc == 0 && i < nb; i++) {
		int named = 0;

		for (size_t j = 0; !named && j < nd; j++)
			named = same_name(base[i], diff[j]);
		if (!named)
			rc = env_push(env, &n, base[i], 0);
	}
	for (size_t j = 0; rc == 0 && j < nd; j++)
		if (strchr(diff[j], '='))
			rc = env_push(env, &n, diff[j], 0);
	if (rc < 0) {
		lg_interpreter_env_free(env);
		return rc;
	}
	*out = env;
	return 0;
}

/*
 * The environment child runs in, as its process started it (the script's
 * exec), into *out (NULL-ended, entries pointing into text); 0 with *out
 * NULL when it cannot be read or is empty (the process has exited).
 */
static int child_environ(char ***out, lg_buf *text, const lg_proc *child)
{
	char path[64];
	size_t n = 0;
	char **env;
	int rc;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)child->pid);
	if ((rc = lg_file_read(text, path)) < 0)
		return rc == LG_ENOMEM ? rc : 0;
	/* Each entry ends in NUL (lg_buf adds one past the last). */
	for (size_t at = 0; at < text->len; at += strlen(text->ptr + at) + 1)
		n++;
	if (n == 0)
		return 0;
	if (!(env = calloc(n + 1, sizeof(*env))))
		return lg_error_oom();
	n = 0;
	for (size_t at = 0; at < text->len; at += strlen(text->ptr + at) + 1)
		env[n++] = text->ptr + at;
	*out = env;
	return 0;
}

/* The environment later children start in, into *env: the runner's with
 * what the script changed in child's applied; *env NULL when it cannot be
 * known. */
static int script_environ(char ***env, const lg_proc *child)
{
	lg_buf text = LG_BUF_INIT;
	char **after = NULL, **before = NULL, **diff = NULL;
	int rc;

	*env = NULL;
	if ((rc = child_environ(&after, &text, child)) == 0 && after &&
	    (rc = lg_proc_environment(&before, child)) == 0 &&
	    (rc = lg_interpreter_env_diff(&diff, (const char *const *)before,
					  (const char *const *)after)) == 0)
		rc = lg_interpreter_env_apply(env, (const char *const *)environ,
					      (const char *const *)diff);
	lg_interpreter_env_free(diff);
	free(before);
	free(after);
	lg_buf_dispose(&text);
	return rc;
}

const char *lg_interpreters_get(const lg_interpreters *t, const char *given,
				const char *const **env)
{
	*env = NULL;
	for (size_t i = 0; i < t->count; i++) {
		if (strcmp(t->items[i].given, given) == 0 && t->items[i].path) {
			*env = (const char *const *)t->items[i].env;
			return t->items[i].path;
		}
	}
	return given;
}

int lg_interpreters_learn(lg_interpreters *t, const char *given,
			  const char *executable, const char *pid,
			  const lg_proc *child)
{
	lg_interpreter *items, *it;
	char child_pid[32];
	int rc;

	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->items[i].given, given) == 0)
			return 0;
	items = realloc(t->items, (t->count + 1) * sizeof(*items));
	if (!items)
		return lg_error_oom();
	t->items = items;
	it = &items[t->count];
	*it = (lg_interpreter){ .given = NULL, .path = NULL, .env = NULL };
	if (lg_string_set(&it->given, given) < 0)
		return LG_ENOMEM;
	t->count++;
	/* The process the runner started is the one that reported: the
	 * script exec'd Python, and its environment is the one Python got. */
	snprintf(child_pid, sizeof(child_pid), "%d", (int)child->pid);
	if (!executable || executable[0] != '/' || access(executable, X_OK) != 0 ||
	    strcmp(executable, given) == 0 || !pid || strcmp(pid, child_pid) != 0 ||
	    child->exited || !is_script(given))
		return 0;
	if ((rc = script_environ(&it->env, child)) < 0 || !it->env)
		return rc;
	if (lg_string_set(&it->path, executable) < 0) {
		lg_interpreter_env_free(it->env);
		it->env = NULL;
		return LG_ENOMEM;
	}
	return 0;
}

void lg_interpreters_dispose(lg_interpreters *t)
{
	for (size_t i = 0; i < t->count; i++) {
		free(t->items[i].given);
		free(t->items[i].path);
		lg_interpreter_env_free(t->items[i].env);
	}
	free(t->items);
	t->items = NULL;
	t->count = 0;
}

#include "leakgate/interpreter.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"

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

const char *lg_interpreters_get(const lg_interpreters *t, const char *given)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->items[i].given, given) == 0)
			return t->items[i].path ? t->items[i].path : given;
	return given;
}

int lg_interpreters_learn(lg_interpreters *t, const char *given,
			  const char *executable)
{
	lg_interpreter *items, *it;

	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->items[i].given, given) == 0)
			return 0;
	items = realloc(t->items, (t->count + 1) * sizeof(*items));
	if (!items)
		return lg_error_oom();
	t->items = items;
	it = &items[t->count];
	*it = (lg_interpreter){ .given = NULL, .path = NULL };
	if (lg_string_set(&it->given, given) < 0)
		return LG_ENOMEM;
	t->count++;
	if (executable && executable[0] == '/' && access(executable, X_OK) == 0 &&
	    strcmp(executable, given) != 0 && is_script(given) &&
	    lg_string_set(&it->path, executable) < 0)
		return LG_ENOMEM;
	return 0;
}

void lg_interpreters_dispose(lg_interpreters *t)
{
	for (size_t i = 0; i < t->count; i++) {
		free(t->items[i].given);
		free(t->items[i].path);
	}
	free(t->items);
	t->items = NULL;
	t->count = 0;
}

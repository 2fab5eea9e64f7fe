#include "leakgate/error.h"

#include <errno.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[1024];

/* Formats into a scratch buffer first, so the previous message may be an
 * argument ("%s (workload '%s')", lg_error_last(), ...). */
static void set_message(const char *fmt, va_list ap, const char *suffix)
{
	char message[sizeof(last_message)];
	int n = vsnprintf(message, sizeof(message), fmt, ap);

	if (suffix && n >= 0 && (size_t)n < sizeof(message))
		snprintf(message + n, sizeof(message) - (size_t)n, ": %s", suffix);
	memcpy(last_message, message, sizeof(last_message));
}

int lg_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap, NULL);
	va_end(ap);
	return LG_ERROR;
}

int lg_error_oom(void)
{
	lg_error_set("out of memory");
	return LG_ENOMEM;
}

int lg_error_set_os(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
	return LG_EOS;
}

int lg_error_git(const char *fmt, ...)
{
	const git_error *e = git_error_last();
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap, e && e->message ? e->message : "unknown libgit2 error");
	va_end(ap);
	switch (e ? e->klass : GIT_ERROR_NONE) {
	case GIT_ERROR_NOMEMORY: return LG_ENOMEM;
	case GIT_ERROR_OS: return LG_EOS;
	case GIT_ERROR_CONFIG: return LG_EINVALID;
	default: return LG_ERROR;
	}
}

const char *lg_error_last(void)
{
	return last_message;
}

void lg_error_clear(void)
{
	last_message[0] = '\0';
}

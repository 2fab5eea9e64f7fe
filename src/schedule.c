/* Which workload a slot starts next (schedule.h). */
#include "leakgate/schedule.h"

#include <string.h>

int lg_schedule_file(const lg_workload *wl, const char **file, size_t *len)
{
	const char *node, *end;

	if (!wl->pytest_args || lg_workload_target_kind(wl->target) != LG_TARGET_PYTEST)
		return 0;
	node = strchr(wl->target, ':') + 1;
	end = strstr(node, "::");
	*file = node;
	*len = end ? (size_t)(end - node) : strlen(node);
	return 1;
}

int lg_schedule_shares_child(const lg_workload *a, const lg_workload *b)
{
	const char *file;
	size_t len;

	return lg_schedule_file(a, &file, &len) && lg_schedule_file(b, &file, &len) &&
	       strcmp(a->python, b->python) == 0 &&
	       strcmp(a->pytest_args, b->pytest_args) == 0;
}

static int same_file(const lg_workload *a, const lg_workload *b)
{
	const char *fa, *fb;
	size_t na, nb;

	return lg_schedule_file(a, &fa, &na) && lg_schedule_file(b, &fb, &nb) &&
	       na == nb && memcmp(fa, fb, na) == 0;
}

static int file_busy(const lg_workload *wl, const lg_workload *const *running,
		     size_t n_running)
{
	for (size_t i = 0; i < n_running; i++)
		if (same_file(wl, running[i]))
			return 1;
	return 0;
}

long lg_schedule_next(const lg_workload *workloads, size_t count,
		      const unsigned char *started, size_t from,
		      const lg_workload *const *running, size_t n_running,
		      const lg_workload *served)
{
	long any = -1;

	for (size_t i = from; i < count; i++) {
		const lg_workload *wl = &workloads[i];

		if (started[i] || (served && !lg_schedule_shares_child(served, wl)) ||
		    file_busy(wl, running, n_running))
			continue;
		if (!served || same_file(served, wl))
			return (long)i;
		if (any < 0)
			any = (long)i;
	}
	return any;
}

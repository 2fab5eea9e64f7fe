#include "leakgate/metric.h"

#include <string.h>

#include "leakgate/error.h"

static const lg_metric_info metrics[LG_METRIC_COUNT] = {
	[LG_METRIC_HEAP_BYTES] = { "heap_bytes", "B", "B", LG_METRIC_BYTES,
		"bytes in use on the Python heap and the C heap together "
		"(pymalloc_bytes + malloc_bytes): the memory a leak costs" },
	[LG_METRIC_PYMALLOC_BYTES] = { "pymalloc_bytes", "B", "B", LG_METRIC_INFO,
		"bytes in pymalloc blocks: small Python objects (<= 512 B)" },
	[LG_METRIC_MALLOC_BYTES] = { "malloc_bytes", "B", "B", LG_METRIC_INFO,
		"bytes malloc'd from the C heap (glibc mallinfo2): large "
		"objects and memory of C extensions, invisible to tracemalloc "
		"when a C library allocates it" },
	[LG_METRIC_BLOCKS] = { "blocks", "block", "blocks", LG_METRIC_OBJECTS,
		"pymalloc blocks allocated (sys.getallocatedblocks)" },
	[LG_METRIC_GC_OBJECTS] = { "gc_objects", "object", "objects", LG_METRIC_OBJECTS,
		"objects tracked by the cycle collector (containers) made since "
		"the first call" },
	[LG_METRIC_FDS] = { "fds", "fd", "fds", LG_METRIC_RESOURCE,
		"open file descriptors (/proc/self/fd)" },
	[LG_METRIC_THREADS] = { "threads", "thread", "threads", LG_METRIC_RESOURCE,
		"live OS threads of the process (/proc/self/task)" },
	[LG_METRIC_GC_COLLECTED] = { "gc_collected", "object", "objects", LG_METRIC_INFO,
		"objects freed by the cycle collector: reference cycles, "
		"which are garbage, not leaks" },
	[LG_METRIC_GC_GARBAGE] = { "gc_garbage", "object", "objects", LG_METRIC_RESOURCE,
		"uncollectable objects in gc.garbage" },
	[LG_METRIC_REFS] = { "refs", "ref", "refs", LG_METRIC_RESOURCE,
		"total reference count (sys.gettotalrefcount, debug builds "
		"only): catches reference leaks in C extensions" },
};

const lg_metric_info *lg_metric_get(lg_metric m)
{
	return &metrics[m];
}

int lg_metric_from_name(lg_metric *out, const char *name)
{
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		if (strcmp(metrics[m].name, name) == 0) {
			*out = (lg_metric)m;
			return 0;
		}
	}
	lg_error_set("unknown metric '%s'", name);
	return LG_ENOTFOUND;
}

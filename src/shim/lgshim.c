/*
 * leakgate's allocator shim: LD_PRELOADed into the child of the explain
 * pass only, when the heap grows outside Python's view (a C extension,
 * ctypes). It interposes the glibc allocator; while the agent has it armed
 * (around a batch of calls, through ctypes) it records every block allocated
 * with the native stack that allocated it and the last line of the user's
 * Python code the agent saw run; free() forgets blocks. lgshim_dump() then
 * writes the blocks still alive, grouped by stack and line, for the agent to
 * send on.
 *
 * Disarmed, an allocation costs one relaxed atomic load more than glibc's.
 * Safe by construction rather than cleverness: fixed-size tables in .bss
 * (nothing here allocates), one mutex, a per-thread recursion guard so the
 * unwinder's own allocations go straight to glibc, and full tables drop
 * records (counted) instead of growing.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* glibc's own entry points: no dlsym(RTLD_NEXT) bootstrap problem. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *p);

#define EXPORT __attribute__((visibility("default")))

#define MAX_FRAMES 20            /* native frames kept per stack, ours included */
#define BLOCK_SLOTS (1u << 18)   /* live blocks recorded at once */
#define STACK_SLOTS (1u << 12)   /* distinct stacks */
#define GROUP_SLOTS 1024         /* (stack, line) groups in a dump */
#define TOMBSTONE ((uintptr_t)1)

typedef enum { FN_MALLOC, FN_CALLOC, FN_REALLOC, FN_MEMALIGN } alloc_fn;

static const char *const fn_names[] = { "malloc", "calloc", "realloc", "memalign" };

typedef struct {
	uintptr_t ptr;   /* 0: empty; TOMBSTONE: removed */
	size_t size;
	uint32_t stack;  /* index into stacks */
	int32_t site;    /* lgshim_site when allocated */
} block;

typedef struct {
	uint64_t hash;   /* 0: empty */
	uint32_t depth;
	uint32_t fn;     /* alloc_fn */
	void *frames[MAX_FRAMES];
} stack;

static block blocks[BLOCK_SLOTS];
static stack stacks[STACK_SLOTS];
static size_t blocks_used;       /* live + tombstones */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static atomic_int armed;
static atomic_size_t live;       /* recorded blocks not yet freed */
static size_t dropped;           /* allocations not recorded: tables full */

/* The agent writes the current user line's id here (0: none). */
EXPORT volatile int lgshim_site;

static __thread int busy __attribute__((tls_model("initial-exec")));

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static size_t block_slot(uintptr_t p)
{
	return (size_t)(mix(0xcbf29ce484222325ULL, p) & (BLOCK_SLOTS - 1));
}

/* The stack's index, interned; -1 when the table is full. */
static long intern_stack(void **frames, int depth, alloc_fn fn)
{
	uint64_t h = mix(0xcbf29ce484222325ULL, (uint64_t)fn);
	size_t i;

	for (int k = 0; k < depth; k++)
		h = mix(h, (uint64_t)(uintptr_t)frames[k]);
	if (h == 0)
		h = 1;
	i = (size_t)(h & (STACK_SLOTS - 1));
	for (size_t probe = 0; probe < STACK_SLOTS; probe++, i = (i + 1) & (STACK_SLOTS - 1)) {
		stack *s = &stacks[i];

		if (s->hash == 0) {
			s->hash = h;
			s->depth = (uint32_t)depth;
			s->fn = fn;
			memcpy(s->frames, frames, (size_t)depth * sizeof(*frames));
			return (long)i;
		}
		if (s->hash == h && s->depth == (uint32_t)depth && s->fn == fn &&
		    memcmp(s->frames, frames, (size_t)depth * sizeof(*frames)) == 0)
			return (long)i;
	}
	return -1;
}

static void record(void *p, size_t size, alloc_fn fn)
{
	void *frames[MAX_FRAMES];
	int depth;
	long s;
	size_t i;

	if (!p || busy)
		return;
	busy = 1;
	/* Our own frames are left in (inlining decides how many there are)
	 * and skipped when the dump resolves them. */
	depth = backtrace(frames, MAX_FRAMES);
	if (depth < 0)
		depth = 0;
	pthread_mutex_lock(&lock);
	s = intern_stack(frames, depth, fn);
	if (s < 0 || blocks_used >= BLOCK_SLOTS / 4 * 3) {
		dropped++;
	} else {
		i = block_slot((uintptr_t)p);
		while (blocks[i].ptr > TOMBSTONE)
			i = (i + 1) & (BLOCK_SLOTS - 1);
		if (blocks[i].ptr == 0)
			blocks_used++;
		blocks[i].ptr = (uintptr_t)p;
		blocks[i].size = size;
		blocks[i].stack = (uint32_t)s;
		blocks[i].site = lgshim_site;
		atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&lock);
	busy = 0;
}

static void forget(void *p)
{
	size_t i;

	if (!p || atomic_load_explicit(&live, memory_order_relaxed) == 0)
		return;
	pthread_mutex_lock(&lock);
	i = block_slot((uintptr_t)p);
	for (size_t probe = 0; probe < BLOCK_SLOTS && blocks[i].ptr; probe++) {
		if (blocks[i].ptr == (uintptr_t)p) {
			blocks[i].ptr = TOMBSTONE;
			atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
			break;
		}
		i = (i + 1) & (BLOCK_SLOTS - 1);
	}
	pthread_mutex_unlock(&lock);
}

static int recording(void)
{
	return atomic_load_explicit(&armed, memory_order_relaxed) && !busy;
}

EXPORT void *malloc(size_t size)
{
	void *p = __libc_malloc(size);

	if (recording())
		record(p, size, FN_MALLOC);
	return p;
}

EXPORT void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);

	if (recording())
		record(p, n * size, FN_CALLOC);
	return p;
}

EXPORT void *realloc(void *old, size_t size)
{
	void *p;

	forget(old);
	p = __libc_realloc(old, size);
	if (recording())
		record(p, size, FN_REALLOC);
	return p;
}

EXPORT void free(void *p)
{
	forget(p);
	__libc_free(p);
}

EXPORT void *memalign(size_t alignment, size_t size)
{
	void *p = __libc_memalign(alignment, size);

	if (recording())
		record(p, size, FN_MEMALIGN);
	return p;
}

EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
	return memalign(alignment, size);
}

EXPORT int posix_memalign(void **out, size_t alignment, size_t size)
{
	void *p;

	if (alignment < sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	p = memalign(alignment, size);
	if (!p && size)
		return ENOMEM;
	*out = p;
	return 0;
}

/* Forget everything recorded: the agent calls it before arming. */
EXPORT void lgshim_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(blocks, 0, sizeof(blocks));
	memset(stacks, 0, sizeof(stacks));
	blocks_used = 0;
	dropped = 0;
	atomic_store(&live, 0);
	pthread_mutex_unlock(&lock);
}

EXPORT void lgshim_arm(void)
{
	void *warm[4];

	/* The first backtrace() loads the unwinder (dlopen, malloc): do it
	 * here, at a safe point, not inside someone's malloc. */
	busy = 1;
	backtrace(warm, 4);
	busy = 0;
	atomic_store(&armed, 1);
}

EXPORT void lgshim_disarm(void)
{
	atomic_store(&armed, 0);
}

static int put(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "F symbol\toffset\tlibrary" for one native frame. */
static int put_frame(int fd, const char *symbol, uintptr_t offset,
		     const char *library)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "F %s\t%lu\t%s\n",
			 symbol && *symbol ? symbol : "?", (unsigned long)offset,
			 library ? library : "?");

	if (n < 0)
		return -1;
	return put(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

typedef struct {
	uint32_t stack;
	int32_t site;
	size_t bytes;
	size_t count;
} group;

static group groups[GROUP_SLOTS];

/*
 * Write the blocks still alive, grouped by (stack, site), to fd:
 *   S bytes blocks site        one per group, followed by its frames:
 *   F symbol offset library    the allocating function first, then callers
 *   D dropped                  allocations not recorded (tables full)
 * Frames of this library are left out. Call it disarmed; returns the
 * number of groups or -1 when writing failed.
 */
EXPORT long lgshim_dump(int fd)
{
	size_t ngroups = 0, other = 0;
	Dl_info self, libc, info;
	char line[128];
	int n, rc = 0;

	busy = 1;
	pthread_mutex_lock(&lock);
	memset(groups, 0, sizeof(groups));
	for (size_t i = 0; i < BLOCK_SLOTS; i++) {
		const block *b = &blocks[i];
		size_t g;

		if (b->ptr <= TOMBSTONE)
			continue;
		for (g = 0; g < ngroups; g++)
			if (groups[g].stack == b->stack && groups[g].site == b->site)
				break;
		if (g == ngroups) {
			if (ngroups == GROUP_SLOTS) {
				other++;
				continue;
			}
			groups[ngroups].stack = b->stack;
			groups[ngroups].site = b->site;
			ngroups++;
		}
		groups[g].bytes += b->size;
		groups[g].count++;
	}
	pthread_mutex_unlock(&lock);

	if (!dladdr((void *)lgshim_dump, &self))
		self.dli_fbase = NULL;
	if (!dladdr((void *)__libc_malloc, &libc))
		libc.dli_fname = "libc";
	for (size_t g = 0; g < ngroups && rc == 0; g++) {
		const stack *s = &stacks[groups[g].stack];

		n = snprintf(line, sizeof(line), "S %zu %zu %d\n", groups[g].bytes,
			     groups[g].count, (int)groups[g].site);
		rc = put(fd, line, (size_t)n);
		if (rc == 0)
			rc = put_frame(fd, fn_names[s->fn], 0, libc.dli_fname);
		for (uint32_t k = 0; k < s->depth && rc == 0; k++) {
			/* A return address: look up the call instruction. */
			void *pc = (char *)s->frames[k] - 1;

			if (!dladdr(pc, &info)) {
				rc = put_frame(fd, NULL, (uintptr_t)pc, NULL);
				continue;
			}
			if (self.dli_fbase && info.dli_fbase == self.dli_fbase)
				continue;
			rc = put_frame(fd, info.dli_sname,
				       (uintptr_t)pc - (uintptr_t)(info.dli_saddr
					? info.dli_saddr : info.dli_fbase),
				       info.dli_fname);
		}
	}
	if (rc == 0) {
		n = snprintf(line, sizeof(line), "D %zu\n", dropped + other);
		rc = put(fd, line, (size_t)n);
	}
	busy = 0;
	return rc < 0 ? -1 : (long)ngroups;
}

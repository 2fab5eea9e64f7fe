/*
 * The explanation: the explain session's records into the model, the fits,
 * rankings and kind, the text, bad input; and the embedded allocator shim.
 */
#include "lg_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakgate/explain_rank.h"
#include "leakgate/explain_shim.h"
#include "leakgate/explain_text.h"
#include "leakgate/session.h"
#include "leakgate/proto.h"

#define EN_DASH "\xe2\x80\x93"
#define ARROW "\xe2\x86\x92"

static const char hello[] =
	"hello\tproto=2\tpython=3.11.7\timpl=cpython\tdebug=0\t"
	"platform=linux-x86_64\tpid=42\tmetrics=\tmode=explain\n"
	"target\tmodule=leak\tfunction=run\tfile=/src/leak.py\tline=7\n";

/* One record of every kind, as the agent sends them. */
static const char stream[] =
	/* 1 str and 1 int per call; dict only resizes; list stays. */
	"type\tname=str\tuntracked=1\tcalls=100,200,300,400,500\t"
	"count=1100,1200,1300,1400,1500\tbytes=24900,49800,74700,99600,124500\n"
	"type\tname=int\tuntracked=1\tcalls=100,200,300,400,500\t"
	"count=100,200,300,400,500\tbytes=2800,5600,8400,11200,14000\n"
	"type\tname=list\tuntracked=0\tcalls=100,200,300,400,500\t"
	"count=7,7,7,7,7\tbytes=560,560,560,560,560\n"
	"traced\tcalls=600,700,800,900\tbytes=0,27700,55400,83100\n"
	/* A site in the standard library only: no user frame. */
	"site\tcalls=600,700,800,900\tbytes=0,100,200,300\tblocks=0,1,2,3\t"
	"frames=/usr/lib/python3.11/re.py\\t302\\t_cache[key] = p\n"
	"site\tfile=/src/leak.py\tline=9\tcode=_cache[n] = s\t"
	"frames=/src/leak.py\\t9\\t_cache[n] = s\\n/src/main.py\\t3\\trun()\t"
	"calls=600,700,800,900\tbytes=0,24900,49800,74700\tblocks=0,100,200,300\n"
	"chain\tfound=1\tsample=str\ttext=leak._cache[1234] " ARROW " str\troot=leak._cache\n"
	"resource\tkind=fd\twhat=/dev/null\tcount=800\tcalls=800\tfile=/src/leak.py\t"
	"line=12\tcode=os.open(\"/dev/null\", 0)\n"
	"resource\tkind=thread\twhat=Thread-N (wait), target threading.Event.wait\t"
	"count=10\tcalls=800\n"
	"cycle\ttype=leak.Node\tobjects=300\tcalls=150\tfile=/src/leak.py\tline=20\n"
	"native\tbytes=51200\tblocks=100\tcalls=100\tfile=/src/leak.py\tline=16\t"
	"code=_malloc(512)\tframes=malloc\\t0\\t/lib/libc.so.6\\n?\\t28537\\t"
	"/lib/libffi.so.8\\nffi_call\\t204\\t/lib/libffi.so.8\\n?\\t70009\\t"
	"/py/_ctypes.so\n"
	"note\ttext=type census: counted in part\n"
	"end\treason=completed\tcalls=1000\n";

typedef struct {
	lg_workload_result r;
	lg_explanation *e;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	lg_workload wl;

	assert_non_null(f);
	assert_lg_ok(lg_workload_init_defaults(&wl));
	assert_lg_ok(lg_string_set(&wl.name, "leak"));
	assert_lg_ok(lg_string_set(&wl.target, "leak.py:run"));
	assert_lg_ok(lg_workload_result_init(&f->r, &wl, 1024));
	lg_workload_dispose(&wl);
	assert_lg_ok(lg_explanation_new(&f->e));
	f->r.verdict = LG_VERDICT_LEAK;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	lg_explanation_free(f->e);
	lg_workload_result_dispose(&f->r);
	free(f);
	return 0;
}

/* Feed text through a reader and an explain session; the first error. */
static int feed(lg_explanation *e, const char *text, size_t chunk)
{
	lg_proto_reader rd = LG_PROTO_READER_INIT;
	lg_session s;
	lg_record rec;
	size_t len = strlen(text);
	int rc = 0;

	lg_session_init_explain(&s, e);
	for (size_t off = 0; off < len && rc == 0; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		assert_lg_ok(lg_proto_reader_feed(&rd, text + off, n));
		while ((rc = lg_proto_reader_next(&rd, &rec)) == 1) {
			rc = lg_session_apply(&s, &rec);
			lg_record_dispose(&rec);
			if (rc < 0)
				break;
		}
	}
	lg_proto_reader_dispose(&rd);
	return rc;
}

static int feed_all(lg_explanation *e, const char *body)
{
	char text[8192];

	snprintf(text, sizeof(text), "%s%s", hello, body);
	return feed(e, text, 13);
}

/* A fitted metric of the detection pass. */
static void fit(lg_workload_result *r, lg_metric m, double slope, int leaks)
{
	r->fitted |= 1u << m;
	r->fits[m].enough = 1;
	r->fits[m].slope = slope;
	r->fits[m].ci_low = slope;
	r->fits[m].ci_high = slope;
	r->fits[m].leaks = leaks;
	if (leaks)
		r->culprit = m;
}

static void test_records_into_the_model(void **state)
{
	fixture *f = *state;
	lg_explanation *e = f->e;

	assert_lg_ok(feed_all(e, stream));
	assert_int_equal(e->type_count, 3);
	assert_string_equal(e->types[0].name, "str");
	assert_true(e->types[0].untracked);
	/* Fitted over the points, not read off two of them. */
	assert_float_equal(e->types[0].objects_per_call, 1.0, 1e-9);
	assert_float_equal(e->types[0].bytes_per_call, 249.0, 1e-9);
	assert_int_equal(e->types[0].count, 1500);
	assert_true(e->traced);
	assert_float_equal(e->traced_bytes_per_call, 277.0, 1e-9);
	assert_int_equal(e->site_count, 2);
	assert_null(e->sites[0].at.file);
	assert_string_equal(e->sites[1].at.file, "/src/leak.py");
	assert_int_equal(e->sites[1].at.line, 9);
	assert_string_equal(e->sites[1].at.code, "_cache[n] = s");
	assert_float_equal(e->sites[1].bytes_per_call, 249.0, 1e-9);
	assert_float_equal(e->sites[1].blocks_per_call, 1.0, 1e-9);
	assert_int_equal(e->sites[1].frame_count, 2);
	assert_string_equal(e->sites[1].frames[1].file, "/src/main.py");
	assert_int_equal(e->sites[1].frames[1].line, 3);
	assert_string_equal(e->chain, "leak._cache[1234] " ARROW " str");
	assert_string_equal(e->chain_root, "leak._cache");
	assert_int_equal(e->resource_count, 2);
	assert_int_equal(e->resources[0].kind, LG_RESOURCE_FD);
	assert_int_equal(e->resources[0].count, 800);
	assert_float_equal(e->resources[0].per_call, 1.0, 1e-9);
	assert_int_equal(e->resources[0].at.line, 12);
	assert_null(e->resources[1].at.file);
	assert_int_equal(e->cycle_count, 1);
	assert_float_equal(e->cycles[0].objects_per_call, 2.0, 1e-9);
	assert_int_equal(e->native_count, 1);
	assert_float_equal(e->natives[0].bytes_per_call, 512.0, 1e-9);
	assert_int_equal(e->natives[0].frame_count, 4);
	assert_string_equal(e->natives[0].frames[0].symbol, "malloc");
	assert_string_equal(e->natives[0].frames[0].library, "libc.so.6");
	assert_null(e->natives[0].frames[1].symbol); /* "?": not exported */
	assert_int_equal(e->natives[0].frames[1].offset, 28537);
	assert_int_equal(e->calls, 1000);
	assert_null(e->stopped);
	assert_string_equal(lg_buf_cstr(&e->notes), "type census: counted in part\n");
}

static void test_finish_ranks_and_prunes(void **state)
{
	fixture *f = *state;
	lg_explanation *e = f->e;
	char body[8192] = "";

	/* Eight growing types: the five costliest stay, largest first. */
	for (int i = 1; i <= 8; i++) {
		char row[256];

		snprintf(row, sizeof(row), "type\tname=t%d\tcalls=10,20,30\t"
			 "count=0,%d,%d\tbytes=0,%d,%d\n", i, i * 10, i * 20,
			 i * 100, i * 200);
		strcat(body, row);
	}
	strcat(body, "type\tname=flat\tcalls=10,20,30\tcount=5,5,5\tbytes=9,9,9\n"
		     "end\treason=completed\tcalls=30\n");
	assert_lg_ok(feed_all(e, body));
	fit(&f->r, LG_METRIC_HEAP_BYTES, 100, 1);
	assert_lg_ok(lg_explain_finish(e, &f->r));
	assert_int_equal(e->type_count, LG_EXPLAIN_TOP);
	assert_string_equal(e->types[0].name, "t8");
	assert_string_equal(e->types[4].name, "t4");
	assert_float_equal(e->types[0].bytes_per_call, 80.0, 1e-9);
}

static void test_kind_python_objects(void **state)
{
	fixture *f = *state;

	assert_lg_ok(feed_all(f->e, stream));
	/* tracemalloc saw 277 B/call of 300: the objects are Python's. */
	fit(&f->r, LG_METRIC_HEAP_BYTES, 300, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_PYTHON_OBJECTS);
	assert_string_equal(lg_leak_kind_name(f->e->kind), "python-objects");
	/* The top site with a user frame, not the library's. */
	assert_string_equal(f->e->sites[0].at.file, "/src/leak.py");
	assert_string_equal(f->e->site_file, "/src/leak.py");
	assert_int_equal(f->e->site_line, 9);
}

static void test_kind_native(void **state)
{
	fixture *f = *state;

	assert_lg_ok(feed_all(f->e, stream));
	/* 2,000 B/call on the heap, 277 of them Python's. */
	fit(&f->r, LG_METRIC_HEAP_BYTES, 2000, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_NATIVE);
	assert_int_equal(f->e->site_line, 16); /* where Python called in */
}

/* tracemalloc saw little over its few calls (10 B/call), the census
 * counted str and int growing by 277 B/call over its many: of a heap
 * growing by 300 B/call, Python's objects, not native memory (of 2,000,
 * native: test_kind_native, the same census). */
static void test_kind_census_outweighs_a_thin_trace(void **state)
{
	static const char thin[] =
		"type\tname=str\tuntracked=1\tcalls=100,200,300,400,500\t"
		"count=1100,1200,1300,1400,1500\tbytes=24900,49800,74700,99600,124500\n"
		"type\tname=int\tuntracked=1\tcalls=100,200,300,400,500\t"
		"count=100,200,300,400,500\tbytes=2800,5600,8400,11200,14000\n"
		"traced\tcalls=600,700,800,900\tbytes=0,1000,2000,3000\n";
	fixture *f = *state;

	assert_lg_ok(feed_all(f->e, thin));
	fit(&f->r, LG_METRIC_HEAP_BYTES, 300, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_PYTHON_OBJECTS);
}

static void test_kind_resources_and_cycles(void **state)
{
	fixture *f = *state;
	lg_buf text = LG_BUF_INIT;

	assert_lg_ok(feed_all(f->e, stream));
	/* A resource leak names the resource, whatever the heap does. */
	fit(&f->r, LG_METRIC_HEAP_BYTES, 300, 1);
	fit(&f->r, LG_METRIC_FDS, 1, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_FDS);
	assert_int_equal(f->e->site_line, 12);
	assert_lg_ok(lg_explain_render(&text, f->e, "", 0));
	/* The summary speaks of the fds, not of the other resources. */
	assert_string_equal(lg_buf_cstr(&text), "kind: fds; growing: str +1 "
		"object/call, 249 B/call (not gc-tracked); int +1 object/call, 28 B/call "
		"(not gc-tracked)\n800 new fds open on /dev/null (1 fd/call), opened at "
		"/src/leak.py:12: os.open(\"/dev/null\", 0)\nheld by leak._cache[1234] "
		ARROW " str\n");
	lg_buf_dispose(&text);

	memset(f->r.fits, 0, sizeof(f->r.fits));
	f->r.fitted = 0;
	fit(&f->r, LG_METRIC_THREADS, 1, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_THREADS);
	/* No thread start site known: the top allocation site instead. */
	assert_int_equal(f->e->site_line, 9);

	memset(f->r.fits, 0, sizeof(f->r.fits));
	f->r.fitted = 0;
	fit(&f->r, LG_METRIC_GC_COLLECTED, 4, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_CYCLES);
	assert_int_equal(f->e->site_line, 20);
}

static void test_kind_counts(void **state)
{
	fixture *f = *state;

	/* One object kept every 500 calls: a leak of blocks (or of gc-tracked
	 * objects), not of bytes, is still Python objects, with their site. */
	assert_lg_ok(feed_all(f->e, stream));
	fit(&f->r, LG_METRIC_HEAP_BYTES, 0.03, 0);
	fit(&f->r, LG_METRIC_BLOCKS, 0.002, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_PYTHON_OBJECTS);
	assert_int_equal(f->e->site_line, 9);

	memset(f->r.fits, 0, sizeof(f->r.fits));
	f->r.fitted = 0;
	fit(&f->r, LG_METRIC_GC_OBJECTS, 0.002, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_PYTHON_OBJECTS);
}

static void test_kind_none(void **state)
{
	fixture *f = *state;

	/* Explained on request (--explain), and nothing grows. */
	assert_lg_ok(feed_all(f->e, "end\treason=completed\tcalls=10\n"));
	f->r.verdict = LG_VERDICT_CLEAN;
	fit(&f->r, LG_METRIC_HEAP_BYTES, 0, 0);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_NONE);
	assert_null(f->e->site_file);
	assert_int_equal(lg_explain_finish(NULL, &f->r), LG_EINVALID);
}

static void test_render_summary_and_full(void **state)
{
	fixture *f = *state;
	lg_buf text = LG_BUF_INIT;
	size_t lines = 0;

	assert_lg_ok(feed_all(f->e, stream));
	fit(&f->r, LG_METRIC_HEAP_BYTES, 300, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_string_equal(f->e->site_file, "/src/leak.py");
	assert_int_equal(f->e->site_line, 9);

	assert_lg_ok(lg_explain_render(&text, f->e, "  ", 0));
	assert_string_equal(lg_buf_cstr(&text),
		"  kind: python-objects; growing: str +1 object/call, 249 B/call "
		"(not gc-tracked); int +1 object/call, 28 B/call (not gc-tracked)\n"
		"  allocated at /src/leak.py:9: _cache[n] = s (249 B/call)\n"
		"  held by leak._cache[1234] " ARROW " str\n");
	for (const char *p = text.ptr; *p; p++)
		lines += *p == '\n';
	assert_true(lines >= 2 && lines <= 4);

	text.len = 0;
	assert_lg_ok(lg_explain_render(&text, f->e, "", 1));
	assert_non_null(strstr(text.ptr, "growing types:\n  str +1 object/call"));
	assert_non_null(strstr(text.ptr, "allocated and kept at:\n  249 B/call, "
			       "1 block/call\n    /src/leak.py:9: _cache[n] = s\n"
			       "    /src/main.py:3: run()\n"));
	assert_non_null(strstr(text.ptr, "512 B/call in 1 block/call: malloc "
			       "(libc.so.6) " "\xe2\x86\x90" " ffi_call (libffi.so.8) "
			       "\xe2\x86\x90" " _ctypes.so+0x11179, called from "
			       "/src/leak.py:16: _malloc(512)\n"));
	assert_non_null(strstr(text.ptr, "800 new fds open on /dev/null "
			       "(1 fd/call), opened at /src/leak.py:12: "
			       "os.open(\"/dev/null\", 0)\n"));
	assert_non_null(strstr(text.ptr, "10 new threads alive: Thread-N (wait), "
			       "target threading.Event.wait (0.0125 threads/call)\n"));
	assert_non_null(strstr(text.ptr, "cyclic garbage per call: 2 leak.Node; "
			       "leak.Node allocated at /src/leak.py:20\n"));
	assert_non_null(strstr(text.ptr, "retainer chain: leak._cache[1234]"));
	assert_non_null(strstr(text.ptr, "note: type census: counted in part\n"));
	assert_int_equal(lg_explain_render(NULL, f->e, "", 0), LG_EINVALID);
	lg_buf_dispose(&text);
}

static void test_render_native_and_stopped(void **state)
{
	fixture *f = *state;
	lg_buf text = LG_BUF_INIT;

	assert_lg_ok(feed_all(f->e,
		"native\tbytes=5120\tblocks=10\tcalls=10\tframes=malloc\\t0\\tlibc.so.6\n"
		"end\treason=exception\tcalls=99\texc_type=OSError\t"
		"message=[Errno 24] Too many open files\n"));
	fit(&f->r, LG_METRIC_HEAP_BYTES, 512, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_NATIVE);
	assert_string_equal(f->e->stopped,
			    "the workload raised OSError: [Errno 24] Too many open files");
	assert_int_equal(f->e->calls, 99);
	assert_lg_ok(lg_explain_render(&text, f->e, "", 0));
	assert_string_equal(lg_buf_cstr(&text),
		"kind: native\n"
		"native: 512 B/call in 1 block/call: malloc (libc.so.6)\n"
		"explain pass stopped: the workload raised OSError: [Errno 24] "
		"Too many open files\n");
	lg_buf_dispose(&text);
}

static void test_agent_error_keeps_findings(void **state)
{
	fixture *f = *state;

	/* A bug in the explain agent: what it found before stands. */
	assert_lg_ok(feed_all(f->e,
		"cycle\ttype=leak.Node\tobjects=20\tcalls=10\n"
		"end\treason=agent-error\tcalls=10\texc_type=ZeroDivisionError\t"
		"message=division by zero\n"));
	assert_string_equal(f->e->stopped, "the explain agent failed: "
			    "ZeroDivisionError: division by zero");
	assert_int_equal(f->e->cycle_count, 1);
}

static void test_long_chain_is_cut(void **state)
{
	fixture *f = *state;
	lg_buf body = LG_BUF_INIT;

	assert_lg_ok(lg_buf_puts(&body, "chain\tfound=1\ttext=m.x"));
	for (int i = 0; i < 1500; i++)
		assert_lg_ok(lg_buf_puts(&body, "\xc3\xa9")); /* é: 2 bytes */
	assert_lg_ok(lg_buf_puts(&body, "\troot=m.x\n"));
	assert_lg_ok(feed_all(f->e, body.ptr));
	assert_true(strlen(f->e->chain) <= 2048);
	/* Cut on a character boundary. */
	assert_int_equal(strlen(f->e->chain) % 2, 1);
	lg_buf_dispose(&body);
}

static void expect_bad(fixture *f, const char *body, const char *part)
{
	lg_explanation *e;

	assert_lg_ok(lg_explanation_new(&e));
	if (feed_all(e, body) != LG_EPROTO || !strstr(lg_error_last(), part))
		fail_msg("expected a protocol error naming '%s' for '%s', got '%s'",
			 part, body, lg_error_last());
	lg_explanation_free(e);
	(void)f;
}

/* body fed, the detection pass's metric m fitted at slope (a leak), the
 * explanation finished. */
static void finished(fixture *f, const char *body, lg_metric m, double slope)
{
	assert_lg_ok(feed_all(f->e, body));
	fit(&f->r, m, slope, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
}

/* No Python referrer: the kind says C keeps it, the C function the
 * allocating line calls is named, and the annotation points at that line. */
static const char kept_by_c[] =
	"traced\tcalls=100,200,300\tbytes=0,125300,250600\n"
	"site\tfile=/src/md.py\tline=14\tcode=d.update(items)\t"
	"frames=/src/md.py\\t14\\td.update(items)\t"
	"calls=100,200,300\tbytes=0,125300,250600\tblocks=0,4400,8800\n"
	"chain\tfound=0\tnote=no sample object: no Python type grows\theld=c\t"
	"ccall=multidict._multidict.CIMultiDict.update\t"
	"clib=_multidict.cpython-311-x86_64-linux-gnu.so\tfile=/src/md.py\t"
	"line=14\tcode=d.update(items)\n"
	"end\treason=completed\tcalls=300\n";

static void test_kind_kept_by_c(void **state)
{
	fixture *f = *state;
	lg_buf text = LG_BUF_INIT;

	assert_lg_ok(feed_all(f->e, kept_by_c));
	assert_true(f->e->kept_by_c);
	assert_string_equal(f->e->c_call, "multidict._multidict.CIMultiDict.update");
	assert_int_equal(f->e->c_at.line, 14);
	/* Blocks and bytes of pymalloc grow, all of them traced. */
	fit(&f->r, LG_METRIC_HEAP_BYTES, 1408, 1);
	fit(&f->r, LG_METRIC_BLOCKS, 44, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_KEPT_BY_C);
	assert_string_equal(lg_leak_kind_name(f->e->kind), "kept-by-c");
	assert_int_equal(f->e->site_line, 14);
	assert_lg_ok(lg_explain_render(&text, f->e, "", 0));
	assert_string_equal(lg_buf_cstr(&text),
		"kind: kept-by-c (no Python object holds it: an extension that never "
		"releases it, or ctypes)\n"
		"allocated at /src/md.py:14: d.update(items) (1253 B/call)\n"
		"kept by C: multidict._multidict.CIMultiDict.update "
		"(_multidict.cpython-311-x86_64-linux-gnu.so), called from "
		"/src/md.py:14: d.update(items)\n");
	text.len = 0;
	assert_lg_ok(lg_explain_render(&text, f->e, "", 1));
	assert_non_null(strstr(text.ptr, "\nkept by C: multidict._multidict."));
	assert_null(strstr(text.ptr, "retainer chain"));
	lg_buf_dispose(&text);
}

/* A referrer-less object without a C call seen: said plainly. Without
 * held=c the same record is an ordinary python-objects leak. */
static void test_kept_by_c_without_call(void **state)
{
	fixture *f = *state;
	lg_buf text = LG_BUF_INIT;

	finished(f, "chain\tfound=0\tsample=list\tnote=no Python object refers to "
		 "it\theld=c\tfile=/src/r.py\tline=12\nend\treason=completed\tcalls=300\n",
		 LG_METRIC_HEAP_BYTES, 128);
	assert_int_equal(f->e->kind, LG_LEAK_KIND_KEPT_BY_C);
	assert_lg_ok(lg_explain_render(&text, f->e, "", 0));
	assert_non_null(strstr(text.ptr, "kept by C: no Python object refers to "
			       "what grows, made at /src/r.py:12\n"));
	lg_buf_dispose(&text);
	lg_explanation_free(f->e);
	assert_lg_ok(lg_explanation_new(&f->e));
	assert_lg_ok(feed_all(f->e, "chain\tfound=0\tsample=list\tnote=x\n"
			      "end\treason=completed\tcalls=300\n"));
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->kind, LG_LEAK_KIND_PYTHON_OBJECTS);
	expect_bad(f, "chain\tfound=0\theld=python\n", "held");
}

/* Sites: bytes kept over the window (the two ends, not a fit: a dict's
 * resizes make steps), ties broken by file and line whatever the order
 * they came in. */
static void test_site_is_deterministic(void **state)
{
	fixture *f = *state;

	assert_lg_ok(feed_all(f->e,
		/* Steps: 0, 0, 0, 900 over 900 calls: 1 B/call over the window
		 * (Theil-Sen would say 0). */
		"site\tfile=/src/a.py\tline=30\tcalls=100,400,700,1000\t"
		"bytes=0,0,0,900\tblocks=0,0,0,9\n"
		"site\tfile=/src/b.py\tline=5\tcalls=100,400,700,1000\t"
		"bytes=0,300,600,900\tblocks=0,3,6,9\n"
		"site\tfile=/src/a.py\tline=7\tcalls=100,400,700,1000\t"
		"bytes=0,300,600,900\tblocks=0,3,6,9\n"
		"end\treason=completed\tcalls=1000\n"));
	assert_float_equal(f->e->sites[0].bytes_per_call, 1.0, 1e-9);
	fit(&f->r, LG_METRIC_HEAP_BYTES, 100, 1);
	assert_lg_ok(lg_explain_finish(f->e, &f->r));
	assert_int_equal(f->e->site_count, 3);
	assert_string_equal(f->e->site_file, "/src/a.py");
	assert_int_equal(f->e->site_line, 7);
	assert_int_equal(f->e->sites[1].at.line, 30);
	assert_string_equal(f->e->sites[2].at.file, "/src/b.py");
}

/* One 32-byte block every 100 calls: below the bytes, kept by its blocks. */
static void test_site_of_a_rare_block(void **state)
{
	fixture *f = *state;

	finished(f, "site\tfile=/src/r.py\tline=12\tcalls=1000,2000,3000\t"
		 "bytes=320,640,960\tblocks=10,20,30\n"
		 "site\tfile=/src/n.py\tline=3\tcalls=1000,2000,3000\t"
		 "bytes=0,0,1\tblocks=0,0,1\n"
		 "end\treason=completed\tcalls=3000\n", LG_METRIC_BLOCKS, 0.01);
	assert_int_equal(f->e->site_count, 1);
	assert_int_equal(f->e->site_line, 12);
}

/* A type whose objects do not multiply but grow (a list's buffer). */
static void test_render_existing_objects_grow(void **state)
{
	fixture *f = *state;
	lg_buf text = LG_BUF_INIT;

	finished(f, "type\tname=list\tcalls=100,200,300\tcount=7,7,7\t"
		 "bytes=800,1600,2400\nend\treason=completed\tcalls=300\n",
		 LG_METRIC_HEAP_BYTES, 8);
	assert_lg_ok(lg_explain_render(&text, f->e, "", 0));
	assert_string_equal(lg_buf_cstr(&text), "kind: python-objects; growing: list "
			    "8 B/call (existing objects grow)\n");
	lg_buf_dispose(&text);
}

static void test_bad_records(void **state)
{
	fixture *f = *state;
	char big[4096] = "type\tname=x\tcalls=";

	expect_bad(f, "type\tname=x\tcalls=1,2\tcount=1\tbytes=1,2\n", "count");
	expect_bad(f, "type\tname=x\tcalls=2,1\tcount=1,1\tbytes=1,2\n", "does not increase");
	expect_bad(f, "type\tname=x\tcalls=1,2\tcount=1,a\tbytes=1,2\n", "not a list");
	expect_bad(f, "type\tname=x\tcalls=1,,2\tcount=1,1,1\tbytes=1,2,3\n", "not a list");
	expect_bad(f, "type\tcalls=1,2\tcount=1,1\tbytes=1,2\n", "name");
	expect_bad(f, "traced\tcalls=1,2\n", "bytes");
	expect_bad(f, "resource\tkind=sockets\twhat=x\tcount=1\tcalls=1\n", "kind");
	expect_bad(f, "resource\tkind=fd\twhat=x\tcount=-1\tcalls=1\n", "negative");
	expect_bad(f, "resource\tkind=fd\twhat=x\tcount=1\n", "calls");
	expect_bad(f, "cycle\ttype=x\tobjects=1\tcalls=0\n", "calls");
	expect_bad(f, "chain\tfound=1\tsample=str\n", "text");
	expect_bad(f, "native\tbytes=1\tblocks=1\tcalls=1\n", "frames");
	expect_bad(f, "native\tbytes=1\tblocks=1\tcalls=1\tframes=malloc\\tx\\tlibc\n", "frame");
	expect_bad(f, "site\tcalls=1,2\tbytes=1,2\tblocks=1,2\tframes=a.py\\tline\\tx\n", "frame");
	expect_bad(f, "end\treason=weird\tcalls=1\n", "reason");
	/* Detection's records have no place here. */
	expect_bad(f, "sample\tcalls=1\telapsed_ns=1\n", "sample record");
	for (int i = 0; i < 300; i++)
		strcat(big, i ? ",1" : "1");
	strcat(big, "\tcount=1\tbytes=1\n");
	expect_bad(f, big, "too many");
}

static void test_order_is_checked(void **state)
{
	lg_explanation *e = ((fixture *)*state)->e;

	/* Before target. */
	assert_int_equal(feed(e, "hello\tproto=2\tmode=explain\tmetrics=\n"
			      "type\tname=x\tcalls=1\tcount=1\tbytes=1\n", 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "type record after hello"));
	/* A detection agent where an explain one was expected. */
	assert_int_equal(feed(e, "hello\tproto=2\tmetrics=fds\n", 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "mode"));
	assert_int_equal(feed(e, "hello\tproto=9\tmode=explain\n", 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "version 9"));
	/* Nothing after end. */
	assert_int_equal(feed(e, "hello\tproto=2\tmode=explain\n"
			      "end\treason=import-error\tcalls=0\texc_type=ImportError\n"
			      "note\ttext=late\n", 64), LG_EPROTO);
	assert_non_null(strstr(lg_error_last(), "after end"));
	assert_non_null(e->stopped);
}

static void test_shim_is_installed_and_removed(void **state)
{
	char *path = NULL, *dir, head[4] = { 0 };
	struct stat st;
	int fd;

	(void)state;
	assert_lg_ok(lg_explain_shim_install(&path));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, head, 4), 4);
	close(fd);
	assert_memory_equal(head, "\x7f" "ELF", 4);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 4096);
	/* Private: only its owner may read it. */
	assert_int_equal(st.st_mode & 077, 0);
	dir = lg_test_strdup(path);
	*strrchr(dir, '/') = '\0';
	lg_explain_shim_remove(path);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(dir, F_OK), -1);
	lg_explain_shim_remove(NULL);
	free(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records_into_the_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_ranks_and_prunes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_python_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_native, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_census_outweighs_a_thin_trace,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_resources_and_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_summary_and_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_native_and_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_error_keeps_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_chain_is_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_kept_by_c, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_by_c_without_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_site_is_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_site_of_a_rare_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_existing_objects_grow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_is_checked, setup, teardown),
		cmocka_unit_test(test_shim_is_installed_and_removed),
	};

	return cmocka_run_group_tests_name("explain", tests, NULL, NULL);
}

#ifndef LEAKGATE_PROTO_H
#define LEAKGATE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "leakgate/buf.h"

/*
 * The agent -> runner wire format, on a pipe of its own (never stdout).
 *
 * The runner starts the user's interpreter as
 *     PYTHON -c BOOTSTRAP TARGET CALLS DURATION_SECONDS MAX_CALLS
 * (CALLS and DURATION: --calls and --duration, which size the batches; the
 * agent makes MAX_CALLS calls exactly, --calls with --no-early-stop, else
 * LG_EXTEND_FACTOR x --calls, and judges nothing: the runner ends the
 * child once the verdict is settled, verdict.h) with the record pipe on
 * fd 3 (LG_PROTO_FD), stdin on /dev/null and the workload's stdout/stderr
 * captured separately. BOOTSTRAP, one short line (agent_bundle.c), reads the
 * agent's modules from fd 4 (LG_PROTO_MODULES_FD, with pread, closed before
 * the target is imported): every module of src/agent/ as
 * `name NUL source NUL`, boot first; boot.py makes them the package
 * _leakgate and runs _leakgate.agent.
 *
 * The agent writes its records to a copy of fd 3 made at its first record
 * (at fd 512 or above, close-on-exec), so that a workload that closes fd 3
 * is still measured; it says so once, in a note and on stderr. A workload
 * that closes the copy too ends the agent with a line on stderr that says
 * so (the runner's "crashed" message quotes it).
 *
 * One record per line, at most LG_PROTO_MAX_LINE bytes including the '\n':
 *     type TAB key=value TAB key=value ... LF
 * Values escape backslash, tab, newline and carriage return as \\ \t \n \r.
 * Values are UTF-8 text without NUL: what the agent's strings hold that
 * such text cannot (a NUL, a lone surrogate, the bytes of a non-UTF-8 path
 * as os.fsdecode gives them) it sends as Python's own escapes, \x00 \udcff,
 * before the escaping above (common.py printable), so an exception or a
 * path is reported, never a protocol error. Text only: no new escape, the
 * version stays 2.
 * Keys are [a-z0-9_]+. Integers are decimal. Unknown keys are ignored (a
 * newer agent may add some); unknown record types are errors.
 *
 * Order (anything else is a protocol error; session.h enforces it):
 *   hello      proto=2 python=3.11.7 impl=cpython debug=0|1
 *              platform=linux-x86_64 pid=N metrics=name,name,...
 *              [executable=PATH]  (sys.executable: later children start
 *              it past a shim, in the environment of the process pid,
 *              interpreter.h)
 *   target     module=M function=F file=PATH line=N        (after import)
 *   sample     calls=N elapsed_ns=N [cpu_ns=N] <metric>=N ... (zero or more;
 *              elapsed_ns: wall time of the calls, cpu_ns: CPU time since
 *              the first call, sampling included)
 *   calibrated batch=N call_ns=N sample_ns=N                (once, between samples)
 *   note       text=...                                     (any time after hello)
 *   end        reason=completed|exception|import-error|skipped calls=N
 *              [exc_type=T message=M traceback=TEXT]
 *              (skipped: a pytest/unittest test skipped or xfail on its
 *              first run, message its reason; no samples)
 * Every sample carries every metric named in hello; calls strictly increase.
 * The agent may end after hello with reason=import-error (no target record).
 *
 * The explain session (explanation.h; `PYTHON -c BOOTSTRAP --explain
 * TARGET calls=N duration=S native=0|1`) speaks the same framing, with the
 * same hello (plus mode=explain, metrics empty), target, note and end, and
 * these records between target and end, in any order and number:
 *   type       name=T untracked=0|1 calls=C,C,... count=N,N,... bytes=N,N,...
 *              (live objects of a type at each census point)
 *   site       file=F line=N code=TEXT frames=FILE\tLINE\tCODE\n...
 *              calls=C,C,... bytes=N,N,... blocks=N,N,...
 *              (memory alive that a traceback allocated, at each point)
 *   traced     calls=C,C,... bytes=N,N,...   (all of it, agent left out)
 *   chain      found=0|1 text=T root=R sample=TYPE note=WHY
 *              [held=c [ccall=NAME clib=FILE file=F line=N code=TEXT]]
 *              (held=c: no Python object holds what grows; the C function
 *              the line allocating most calls, and its extension's file)
 *   resource   kind=fd|thread|garbage what=TEXT count=N calls=N
 *              [file=F line=N code=TEXT]
 *   cycle      type=T objects=N calls=N
 *   native     bytes=N blocks=N calls=N [file=F line=N code=TEXT]
 *              frames=SYMBOL\tOFFSET\tLIBRARY\n...
 * Lists are comma-separated integers of equal length. Its end may also say
 * reason=agent-error (a bug of the explain agent's; what it found so far
 * stands).
 *
 * A pytest target's detection and explain children get the suite's
 * pytest arguments first: `PYTHON -c BOOTSTRAP --pytest-args ARGS ...`.
 * The collection of a pytest suite (pytest_suite.h; `PYTHON -c BOOTSTRAP
 * --collect ARGS`) sends only
 *   hello      as above, mode=collect, metrics empty (its version checked)
 *   test       node=NODE_ID                   (one per collected test)
 *   note       text=...                       (a warning for the user)
 *   end        reason=completed count=N | reason=import-error exc_type=T
 *              message=M traceback=TEXT
 * in that order, through the same state table (session.h) as the others.
 * The detection session rejects test records, as the explain session
 * rejects samples.
 *
 * A child that runs many tests of a suite, one after another
 * (`PYTHON -c BOOTSTRAP --pytest-args ARGS --serve`), collects the suite
 * once and takes orders from the runner on fd 5 (LG_PROTO_CONTROL_FD), in
 * the same framing:
 *   run        target=pytest:NODE_ID calls=N duration=S max_calls=N
 *              (CALLS DURATION MAX_CALLS as above)
 *   go         after a sample: the verdict is not settled, go on
 *   stop       after a sample: the verdict is settled, end the test
 * It sends hello once, then for every run what a detection child sends
 * after hello (target, samples, end: completed also when stopped), waiting
 * for go or stop after every sample, and then for the next run; go and
 * stop that find no test running are ignored. End of file on fd 5 ends
 * the child.
 */

#define LG_PROTO_VERSION 2
#define LG_PROTO_FD 3
#define LG_PROTO_MODULES_FD 4
#define LG_PROTO_CONTROL_FD 5
#define LG_PROTO_MAX_LINE 65536
#define LG_PROTO_MAX_FIELDS 64
/* Bounds on what a workload (it shares the agent's process) can make the
 * runner hold and fit: more samples than this is a protocol error (the
 * agent sends a few hundred at most; the fit is quadratic in them), as are
 * more bytes of records than LG_PROTO_MAX_BYTES from one child. */
#define LG_PROTO_MAX_SAMPLES 2048
#define LG_PROTO_MAX_BYTES (64 << 20)

typedef enum {
	LG_RECORD_HELLO,
	LG_RECORD_TARGET,
	LG_RECORD_SAMPLE,
	LG_RECORD_CALIBRATED,
	LG_RECORD_NOTE,
	LG_RECORD_END,
	/* The explain session's. */
	LG_RECORD_TYPE,
	LG_RECORD_SITE,
	LG_RECORD_TRACED,
	LG_RECORD_CHAIN,
	LG_RECORD_RESOURCE,
	LG_RECORD_CYCLE,
	LG_RECORD_NATIVE,
	/* The collection of a pytest suite's. */
	LG_RECORD_TEST
} lg_record_type;

/* "hello", "sample", "site", ...: the record's wire name. */
const char *lg_record_type_name(lg_record_type type);

typedef struct {
	const char *key;   /* borrowed from the record's storage */
	const char *value; /* unescaped, borrowed */
} lg_field;

typedef struct {
	lg_record_type type;
	lg_field fields[LG_PROTO_MAX_FIELDS];
	size_t count;
	char *storage; /* owns the text the fields point into */
} lg_record;

/* Parse one line (without its '\n'). LG_EPROTO with a message on error. */
int lg_record_parse(lg_record *out, const char *line, size_t len);
/* The value of key, borrowed; NULL when absent. */
const char *lg_record_get(const lg_record *r, const char *key);
/* key as a decimal int64; LG_EPROTO when absent or malformed. */
int lg_record_get_i64(int64_t *out, const lg_record *r, const char *key);
/* LG_EPROTO with "protocol: <type> record: '<key>' <why> ('<value>')". */
int lg_record_bad_field(const lg_record *r, const char *key, const char *why);
void lg_record_dispose(lg_record *r);

/* One order (or record) of type with fields, escaped, '\n'-ended, appended
 * to out. LG_ENOMEM. */
int lg_order_format(lg_buf *out, const char *type, const lg_field *fields,
		    size_t count);

/* Splits a byte stream into records. */
typedef struct {
	lg_buf pending; /* bytes fed, not yet taken as records */
} lg_proto_reader;

#define LG_PROTO_READER_INIT { .pending = LG_BUF_INIT }

int lg_proto_reader_feed(lg_proto_reader *rd, const char *data, size_t len);
/* 1: *out holds a record (dispose it); 0: need more bytes; <0: error
 * (a line longer than LG_PROTO_MAX_LINE, or a malformed record). */
int lg_proto_reader_next(lg_proto_reader *rd, lg_record *out);
/* Bytes fed but not yet part of a complete line (a torn record at EOF). */
size_t lg_proto_reader_pending(const lg_proto_reader *rd);
void lg_proto_reader_dispose(lg_proto_reader *rd);

#endif

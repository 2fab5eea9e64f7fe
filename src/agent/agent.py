"""leakgate agent: the detection pass.

Started by the bootstrap (boot.py) as `python -c BOOTSTRAP TARGET CALLS
DURATION MAX_CALLS`, it imports TARGET, calls it in batches, and
after every batch runs the cycle collector and writes one `sample` record of
exact counters to fd 3 (the protocol is described in
include/leakgate/proto.h). It judges nothing: it goes on until MAX_CALLS
calls exactly, and the runner, which fits the samples as they come, ends it
as soon as the verdict is settled. CALLS and DURATION size the batches.
The agent keeps no state that grows with the number of calls, so its own
footprint is flat.

`python -c BOOTSTRAP --pytest-args ARGS --serve` runs many tests of a
suite, one after another, as the runner orders them on fd 5 (Orders):
the suite is collected once, and every test's run is what a detection
child of its own would send after hello.

`python -c BOOTSTRAP --explain TARGET ...` runs the explain pass instead
(explain.py); nothing of it is imported here.
"""
import gc
import os
import sys
import time

from .common import (PROTO_FD, begin, call_batch, collect, finish, hello, message_of, note,
                     own_imports, raise_site, send, start, traceback_of, type_name)

# A batch takes at least 20x what a sample costs (the overhead stays near
# 5%) and 1/32 of --duration, but holds at most 1/32 of --calls: samples come
# often enough for the runner to stop early. Past that a batch is 1/32 of the
# calls so far, so a run that goes on adds samples slowly.
SAMPLE_SHARE = 20
BATCH_SHARE = 32
# Most a batch may add to the heap when it grows for what samples cost:
# 1/16 of the growth that settles a leak (LG_EXTEND_HEAP, verdict.h), so
# that the runner still stops a fast leak near there.
BATCH_GROWTH = 4 << 20
HEAP_PROBES = ("pymalloc_bytes", "malloc_bytes")
# A suite's test (a serving child) aims for 1/256 of --duration: most are
# judged by the flat end (four samples that no count moved over), which
# should span a few hundred calls, not four batches of 1/32 of --duration
# (2,000 calls and more of a fast test, where a count that moves once in
# a while never looks flat). A test's direct run (pytest_target) costs
# 25-90 us, so a batch of 7.8 ms holds 100-300 of them, as 1/128 did of
# the whole protocol's runs (cbor2's suite: 52 -> 46-50 s wall, multidict's
# 54 -> 42 s, the same verdicts). A sample, with the runner's answer,
# costs about 0.2 ms: under 3% of such a batch.
SERVED_BATCH_SHARE = 256
# Bytes of C stderr's buffer while the pymalloc statistics print (about 5 KB).
STATS_BUFFER = 1 << 16
CONTROL_FD = 5  # the runner's orders to a child that runs many tests


# -- counters ---------------------------------------------------------------

class Probes(object):
    """Exact counters, read right after collect(); unavailable ones are left out."""

    def __init__(self):
        self.names = []
        self.readers = []
        if hasattr(sys, "gettotalrefcount"):
            self.add("refs", sys.gettotalrefcount)
        self.add("blocks", sys.getallocatedblocks)
        self.setup_pymalloc()
        self.setup_mallinfo()
        self.add("gc_objects", lambda: len(gc.get_objects()))
        if os.path.isdir("/proc/self/fd") and os.path.isdir("/proc/self/task"):
            self.add("fds", lambda: len(os.listdir("/proc/self/fd")))
            self.add("threads", lambda: len(os.listdir("/proc/self/task")))
        else:
            note("no /proc: open files and threads are not measured")
        self.add("gc_collected", lambda: sum(s["collected"] for s in gc.get_stats()))
        self.add("gc_garbage", lambda: len(gc.garbage))

    def add(self, name, reader):
        self.names.append(name)
        self.readers.append(reader)

    def setup_pymalloc(self):
        # sys._debugmallocstats() prints exact pymalloc totals on C stderr;
        # fd 2 is pointed at a memory file while it runs.
        if not hasattr(sys, "_debugmallocstats"):
            note("pymalloc statistics unavailable on this interpreter")
            return
        try:
            self.stats_fd = os.memfd_create("leakgate-mallocstats")
        except (AttributeError, OSError):
            import tempfile
            self.stats_fd = os.dup(tempfile.TemporaryFile().fileno())
        self.saved_stderr = os.dup(2)
        self.setup_stats_buffer()
        if self.pymalloc_bytes() is None:
            note("pymalloc is not in use (PYTHONMALLOC?): the C heap counts every object")
            return
        self.add("pymalloc_bytes", self.pymalloc_bytes)

    def setup_stats_buffer(self):
        """C stderr is unbuffered: the statistics' 80 lines cost some 360
        write calls, 1-1.5 ms, most of what a sample costs. While they are
        printed, C stderr gets a buffer of its own (setvbuf), one write;
        without ctypes or the C library's stderr, it stays as it is."""
        self.buffered = None
        try:
            import ctypes
            libc = ctypes.CDLL(None)
            stream = ctypes.c_void_p.in_dll(libc, "stderr").value
            setvbuf, fflush = libc.setvbuf, libc.fflush
        except (ImportError, OSError, AttributeError, ValueError):
            return
        if not stream:
            return
        setvbuf.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
        fflush.argtypes = [ctypes.c_void_p]
        buffer = ctypes.create_string_buffer(STATS_BUFFER)  # lives as long as the agent
        full, none = 0, 2  # _IOFBF, _IONBF in glibc's and musl's <stdio.h>

        def buffered(on):
            if on:
                setvbuf(stream, buffer, full, len(buffer))
            else:
                fflush(stream)
                setvbuf(stream, None, none, 0)

        self.buffered = buffered

    def pymalloc_bytes(self):
        for stream in (sys.stderr, sys.__stderr__):
            try:
                stream.flush()
            except Exception:
                pass
        fd = self.stats_fd
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.dup2(fd, 2)
        try:
            if self.buffered:
                self.buffered(True)
            try:
                sys._debugmallocstats()
            finally:
                if self.buffered:
                    self.buffered(False)
        finally:
            os.dup2(self.saved_stderr, 2)
        size = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, size)
        at = text.find(b"# bytes in allocated blocks")
        if at < 0:
            return None
        line = text[text.index(b"=", at) + 1:text.find(b"\n", at)]
        return int(line.replace(b",", b"").strip())

    def setup_mallinfo(self):
        try:
            import ctypes
            libc = ctypes.CDLL(None)
            names = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                     "fsmblks", "uordblks", "fordblks", "keepcost")
            if hasattr(libc, "mallinfo2"):
                field, func = ctypes.c_size_t, libc.mallinfo2
            else:
                field, func = ctypes.c_uint, libc.mallinfo
        except (ImportError, OSError, AttributeError):
            note("glibc mallinfo unavailable: memory of C extensions is not measured")
            return

        class MallInfo(ctypes.Structure):
            _fields_ = [(n, field) for n in names]

        func.restype = MallInfo
        func.argtypes = []

        def malloc_bytes():
            info = func()
            return info.uordblks + info.hblkhd  # in use: heap chunks + mmapped

        self.add("malloc_bytes", malloc_bytes)

    def read(self):
        collect()
        return [reader() for reader in self.readers]


# -- the run ----------------------------------------------------------------

def entry(argv):
    try:
        main(argv)
    except BaseException:
        # A bug of ours: the runner's report quotes stderr's last line.
        traceback, = own_imports(["traceback"])
        traceback.print_exc()
    finally:
        finish()


def main(argv):
    os.set_inheritable(PROTO_FD, False)  # children of the workload must not hold it
    if argv[:1] in (["--pytest-args"], ["--collect"]):
        # Existing tests as workloads: a pytest target's suite arguments,
        # or the collection of a suite (pytest_target.py). Named as
        # pytest runs, its usage errors say "pytest", not "-c".
        sys.argv[0] = "pytest"
        tests, = own_imports(["_leakgate.pytest_target"])
        if argv[0] == "--collect":
            tests.collect_main(argv[1:])
            return
        tests.PYTEST_ARGS = argv[1]
        argv = argv[2:]
    if argv[:1] == ["--explain"]:
        explain, = own_imports(["_leakgate.explain"])
        explain.explain_main(argv[1:])
        return
    if argv[:1] == ["--serve"]:
        serve()
        return
    spec, plan_calls, duration_ns, max_calls = (
        argv[0], int(argv[1]), int(float(argv[2]) * 1e9), int(argv[3]))
    # Warm before user code: their first import would count as growth.
    own_imports(["importlib.util"])
    probes = Probes()
    function = begin(spec, probes.names)
    if function is not None:
        run(probes, function, plan_calls, duration_ns, max_calls)


def unescape(text):
    """A field's value as the runner escaped it (proto.h)."""
    out, at = [], 0
    while True:
        slash = text.find("\\", at)
        if slash < 0:
            return "".join(out) + text[at:]
        out.append(text[at:slash])
        out.append({"t": "\t", "n": "\n", "r": "\r"}.get(text[slash + 1:slash + 2], "\\"))
        at = slash + 2


class Orders(object):
    """The runner's orders on CONTROL_FD (proto.h): run a test; after
    every sample of it, go on or stop."""

    def __init__(self, fd):
        os.set_inheritable(fd, False)
        self.fd = fd
        self.buffer, self.queue, self.eof = b"", [], False

    def fill(self):
        """Wait for what comes next (a read of one order or more)."""
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # a test closed it: as good as the end
            data = b""
        if not data:
            self.eof = True
            return
        lines = (self.buffer + data).split(b"\n")
        self.buffer = lines.pop()
        for line in lines:
            kind, _, rest = line.decode("utf-8", "surrogateescape").partition("\t")
            fields = dict(f.partition("=")[::2] for f in rest.split("\t") if f)
            self.queue.append((kind, dict((k, unescape(v)) for k, v in fields.items())))

    def next(self):
        """The next order, waiting for it; None at the end of orders."""
        while not self.queue and not self.eof:
            self.fill()
        return self.queue.pop(0) if self.queue else None

    def settled(self):
        """After a sample, the runner's answer: go on (False), or stop
        (True: the verdict is settled; also when the orders ended)."""
        while True:
            order = self.next()
            if order is None or order[0] == "stop":
                return True
            if order[0] == "go":
                return False


def serve():
    """Run the tests the runner orders, one after another, in this one
    interpreter: pytest, the suite's imports and its collection are paid
    once. A test starts from what the tests before it left, as in a pytest
    run; its samples measure its own growth from there."""
    orders = Orders(CONTROL_FD)
    own_imports(["importlib.util"])
    probes = Probes()
    if not hello(probes.names):
        return
    tests, = own_imports(["_leakgate.pytest_target"])
    suite = failure = None
    try:
        suite = tests.Suite(tests.shell_words(tests.PYTEST_ARGS))
    except BaseException as exc:
        failure = exc  # every test's end says it

    def load(spec):
        if failure is not None:
            raise failure
        return suite.load(spec)

    try:
        while True:
            order = orders.next()
            if order is None:
                return
            kind, fields = order
            if kind != "run":
                continue  # a stop for a test that had already ended
            function = start(fields.get("target", ""), load)
            if function is not None:
                run(probes, function, int(fields["calls"]),
                    int(float(fields["duration"]) * 1e9), int(fields["max_calls"]), orders)
            function = None
    finally:
        if suite is not None:
            suite.close()


def run(probes, function, plan_calls, duration_ns, max_calls, orders=None):
    names = probes.names
    clock = time.perf_counter_ns

    # One CPU clock read a batch: it is a system call, slow in some VMs.
    cpu_clock = time.process_time_ns

    heap_at = [names.index(name) for name in HEAP_PROBES if name in names]

    def sample(calls, elapsed):
        """What the sample cost (ns) and the heap (bytes) it read."""
        start = clock()
        values = probes.read()
        send("sample", [("calls", calls), ("elapsed_ns", elapsed), ("cpu_ns", cpu)]
             + list(zip(names, values)))
        return clock() - start, sum(values[i] for i in heap_at)

    calls = elapsed = cpu = 0
    # What exists before the first call (the interpreter, the agent, the
    # target's imports) is moved out of the collector's sight: every
    # gc.collect() then visits only what the calls made, in microseconds
    # instead of milliseconds. A cycle the calls make is still collected;
    # gc_objects counts what was tracked since.
    gc.collect()
    gc.freeze()
    probes.read()  # the first read is slower: it would overstate what one costs
    sample_ns, first_heap = sample(0, 0)
    if orders is not None and orders.settled():
        send("end", [("reason", "completed"), ("calls", 0)])
        return
    cpu_start = cpu_clock()
    # Batches double from one call until one takes long enough, then stay;
    # every batch is sampled, so a workload that fails early is judged too.
    batch, steady = 1, 0
    cap = max(1, plan_calls // BATCH_SHARE)
    share = BATCH_SHARE if orders is None else SERVED_BATCH_SHARE
    target_ns = max(duration_ns // share, SAMPLE_SHARE * sample_ns)
    failure = None
    while calls < max_calls:
        if steady:
            batch = max(steady, calls // BATCH_SHARE)
        batch = min(batch, max_calls - calls)
        start = clock()
        made, failure = call_batch(function, batch)
        spent = clock() - start
        cpu = cpu_clock() - cpu_start  # samples' share included: a few %
        calls += made
        elapsed += spent
        if failure is not None:
            break
        try:
            sample_ns, heap = sample(calls, elapsed)
        except Exception as exc:
            send("end", [("reason", "exception"), ("calls", calls), ("exc_type", type_name(exc)),
                         ("message", "while sampling: " + message_of(exc))])
            return
        if orders is not None and orders.settled():
            break
        if steady:
            # A stall (a slow first call, a busy machine) can end the
            # calibration too early: a batch that shows the calls faster
            # than that raises the batch, up to the cap.
            steady = max(steady, min(cap, target_ns * made // max(1, spent)))
            # A sample costs more as what the collector visits grows (a
            # leak of lists: 16 ms at 160,000 of them, twice the batch):
            # batches grow to 20x its cost again, as long as one adds at
            # most BATCH_GROWTH bytes. (No local of its own: one made in
            # the first steady batch is an object more in the counts.)
            steady = max(steady, min(cap, SAMPLE_SHARE * sample_ns * made // max(1, spent),
                                     BATCH_GROWTH * calls // max(1, heap - first_heap)))
            continue
        if spent >= target_ns or batch >= cap:
            steady = min(batch, cap)
            send("calibrated", [("batch", steady), ("call_ns", spent // max(1, batch)),
                                ("sample_ns", sample_ns)])
        else:
            batch = min(batch * 2, cap)
    if failure is None:
        send("end", [("reason", "completed"), ("calls", calls)])
        return
    exc_type, message = type_name(failure), message_of(failure)
    if calls:
        try:
            sample(calls, elapsed)  # what the failed batch left behind
        except Exception:
            pass
    # After the last sample: formatting imports traceback, which would count.
    text, site = traceback_of(failure), raise_site(failure)
    failure = None
    send("end", [("reason", "exception"), ("calls", calls + 1), ("exc_type", exc_type),
                 ("message", message), ("traceback", text)] + site)

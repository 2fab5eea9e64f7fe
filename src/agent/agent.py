"""leakgate agent: the detection pass.

Started by the bootstrap (boot.py) as `python -c BOOTSTRAP TARGET MAX_CALLS
DURATION THRESHOLD`, it imports TARGET, calls it in growing batches, and
after every batch runs the cycle collector and writes one `sample` record of
exact counters to fd 3 (the protocol is described in
include/leakgate/proto.h). The agent keeps no state that grows with the
number of calls, so its own footprint is flat.

`python -c BOOTSTRAP --explain TARGET ...` runs the diagnostic pass instead
(explain.py); nothing of it is imported here.
"""
import gc
import os
import sys
import time

from .common import (PROTO_FD, begin, call_batch, finish, message_of, note, own_imports,
                     send, type_name)

STEADY_SAMPLES = 40       # samples the fit wants once batches are steady
MIN_SAMPLES = 20          # enough when a slow workload runs long
HEAP_METRICS = ("pymalloc_bytes", "malloc_bytes")
EXTEND_FACTOR = 4         # a run still growing at its end goes on 4x further,
EXTEND_MAX = 16           # up to 16x --calls, within --duration,
EXTEND_HEAP_LIMIT = 64 << 20    # and while its heap grew less than this


# -- counters ---------------------------------------------------------------

class Probes(object):
    """Exact counters, read right after gc.collect(); unavailable ones are left out."""

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
        if self.pymalloc_bytes() is None:
            note("pymalloc is not in use (PYTHONMALLOC?): the C heap counts every object")
            return
        self.add("pymalloc_bytes", self.pymalloc_bytes)

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
            sys._debugmallocstats()
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
        gc.collect()
        return [reader() for reader in self.readers]


# -- the run ----------------------------------------------------------------

def entry(argv):
    try:
        main(argv)
    finally:
        finish()


def main(argv):
    os.set_inheritable(PROTO_FD, False)  # children of the workload must not hold it
    if argv[:1] == ["--explain"]:
        explain, = own_imports(["_leakgate.explain"])
        explain.explain_main(argv[1:])
        return
    spec, max_calls, duration_ns = argv[0], int(argv[1]), int(float(argv[2]) * 1e9)
    threshold = float(argv[3]) if len(argv) > 3 else 16.0
    # Warm before user code: their first import would count as growth.
    own_imports(["inspect", "traceback", "importlib.util"])
    probes = Probes()
    function = begin(spec, probes.names)
    if function is not None:
        run(probes, function, max_calls, duration_ns, threshold)


def run(probes, function, max_calls, duration_ns, threshold):
    names = probes.names
    clock = time.perf_counter_ns
    heap_columns = [i for i, name in enumerate(names) if name in HEAP_METRICS]

    def sample(calls, elapsed):
        start = clock()
        values = probes.read()
        send("sample", [("calls", calls), ("elapsed_ns", elapsed)] + list(zip(names, values)))
        return clock() - start, sum(values[i] for i in heap_columns)

    calls = elapsed = 0
    run_start = clock()  # going on is bounded by wall time: sampling a grown heap is slow
    sample_ns, first_heap = sample(0, 0)
    heap = first_heap
    batch, steady, steady_samples = 1, 0, 0
    cap = max(1, max_calls // STEADY_SAMPLES)
    budget = max_calls
    checkpoint = None  # (calls, heap) at three quarters of the budget
    failure = None
    while True:
        if calls + batch > budget:
            # Out of calls with time to spare and the heap still growing at
            # the end: a cache larger than the budget looks like a leak, so
            # look further (with larger batches) before the runner judges.
            if (steady and checkpoint and clock() - run_start < duration_ns
                    and budget * EXTEND_FACTOR <= max_calls * EXTEND_MAX
                    and heap - first_heap < EXTEND_HEAP_LIMIT
                    and heap - checkpoint[1] > threshold / 2 * (calls - checkpoint[0])):
                budget *= EXTEND_FACTOR
                batch *= EXTEND_FACTOR
                checkpoint = None
                continue
            break
        start = clock()
        made, failure = call_batch(function, batch)
        spent = clock() - start
        calls += made
        elapsed += spent
        if failure is not None:
            break
        try:
            cost, heap = sample(calls, elapsed)
        except Exception as exc:
            send("end", [("reason", "exception"), ("calls", calls), ("exc_type", type_name(exc)),
                         ("message", "while sampling: " + message_of(exc))])
            return
        sample_ns = max(sample_ns, cost)
        if checkpoint is None and calls >= budget * 3 // 4:
            checkpoint = (calls, heap)
        if steady:
            steady_samples += 1
            if ((steady_samples >= STEADY_SAMPLES and elapsed >= duration_ns)
                    or (steady_samples >= MIN_SAMPLES and elapsed >= 4 * duration_ns)):
                break
        elif spent >= max(duration_ns // STEADY_SAMPLES, 20 * sample_ns) or batch >= cap:
            steady = batch = min(batch, cap)
            send("calibrated", [("batch", batch), ("call_ns", spent // max(1, batch)),
                                ("sample_ns", sample_ns)])
        else:
            batch = min(batch * 2, cap)
    if failure is None:
        send("end", [("reason", "completed"), ("calls", calls)])
        return
    exc_type, message, text = failure
    failure = None
    if calls:
        try:
            sample(calls, elapsed)  # what the failed batch left behind
        except Exception:
            pass
    send("end", [("reason", "exception"), ("calls", calls + 1), ("exc_type", exc_type),
                 ("message", message), ("traceback", text)])

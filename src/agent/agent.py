"""leakgate agent: runs inside the user's interpreter as `python -c AGENT TARGET MAX_CALLS DURATION THRESHOLD`.

It imports TARGET, calls it in growing batches, and after every batch runs the
cycle collector and writes one `sample` record of exact counters to fd 3 (the
protocol is described in include/leakgate/proto.h). The agent keeps no state
that grows with the number of calls, so its own footprint is flat.

`python -c AGENT --explain EXPLAIN_SOURCE TARGET ...` runs the diagnostic pass
instead (src/agent/explain.py, in this namespace); nothing of it runs here.
"""
import gc
import os
import sys
import time
from itertools import repeat

PROTO_FD = 3
PROTO_VERSION = 1
MAX_TEXT = 16384          # bytes of traceback kept (the tail, where the error is)
MAX_MESSAGE = 4096
STEADY_SAMPLES = 40       # samples the fit wants once batches are steady
MIN_SAMPLES = 20          # enough when a slow workload runs long
HEAP_METRICS = ("pymalloc_bytes", "malloc_bytes")
EXTEND_FACTOR = 4         # a run still growing at its end goes on 4x further,
EXTEND_MAX = 16           # up to 16x --calls, within --duration,
EXTEND_HEAP_LIMIT = 64 << 20    # and while its heap grew less than this


def escape(value):
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def send(kind, fields):
    data = (kind + "".join("\t%s=%s" % (k, escape(v)) for k, v in fields) + "\n")
    data = data.encode("utf-8", "backslashreplace")
    try:
        while data:
            data = data[os.write(PROTO_FD, data):]
    except OSError:
        os._exit(1)  # the runner is gone: nobody to report to


def note(text):
    send("note", [("text", text)])


def type_name(exc):
    t = type(exc)
    if t.__module__ in ("builtins", "exceptions"):
        return t.__qualname__
    return "%s.%s" % (t.__module__, t.__qualname__)


def message_of(exc):
    try:
        text = str(exc)
    except Exception:  # a broken __str__ must not hide the error itself
        text = "<unprintable %s>" % type(exc).__name__
    return text[:MAX_MESSAGE]


def own_code(filename):
    """Frames of the agent itself (and of the diagnostic pass it runs)."""
    return filename in (own_code.__code__.co_filename, "<leakgate-explain>")


def traceback_of(exc):
    """The traceback from the workload's first frame on: the agent's own
    frames above it tell the user nothing."""
    import traceback
    tb = exc.__traceback__
    while tb is not None and (own_code(tb.tb_frame.f_code.co_filename) or
                              tb.tb_frame.f_code.co_filename.startswith("<frozen importlib")):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return text[-MAX_TEXT:]


def raise_site(exc):
    """[("file", F), ("line", N)] of the innermost frame in the user's own
    code (not the agent, the standard library or installed packages), where
    CI should point; [] when there is none."""
    prefixes = tuple(set(os.path.join(p, "") for p in (sys.prefix, sys.base_prefix,
                                                       sys.exec_prefix,
                                                       sys.base_exec_prefix)))
    site = []
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if (os.path.isabs(filename) and not filename.startswith(prefixes)
                and not own_code(filename)):
            site = [("file", filename), ("line", tb.tb_lineno)]
        tb = tb.tb_next
    return site


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


# -- the target -------------------------------------------------------------

def load_target(spec):
    module_part, sep, function_path = spec.rpartition(":")
    if not sep or not module_part or not function_path:
        raise ValueError("target '%s' is not FILE.py:FUNCTION or MODULE:FUNCTION" % spec)
    if module_part.endswith(".py") or os.sep in module_part:
        import importlib.util
        path = os.path.abspath(module_part)
        name = os.path.splitext(os.path.basename(path))[0]
        sys.path.insert(0, os.path.dirname(path))
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None:
            raise ImportError("cannot import %s" % path)
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        loader_spec.loader.exec_module(module)
    else:
        import importlib
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, "")
        name = module_part
        module = importlib.import_module(name)
    function = module
    for attr in function_path.split("."):
        try:
            function = getattr(function, attr)
        except AttributeError:
            raise AttributeError("%s has no attribute '%s' (target %s)"
                                 % (name, attr, spec))
    if not callable(function):
        raise TypeError("%s:%s is not callable" % (name, function_path))
    check_no_arguments(function, function_path)
    return name, function_path, function


def check_no_arguments(function, label):
    import inspect
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return  # some builtins have no signature: let the first call tell
    required = [str(p) for p in signature.parameters.values()
                if p.default is p.empty
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if required:
        raise TypeError("workload function must take no arguments: %s(%s)"
                        % (label, ", ".join(required)))


def source_of(function):
    import inspect
    try:
        code = inspect.unwrap(function).__code__
        return os.path.abspath(code.co_filename), code.co_firstlineno
    except (AttributeError, ValueError):
        module = sys.modules.get(getattr(function, "__module__", None) or "")
        return getattr(module, "__file__", None) or "", 0


# -- the run ----------------------------------------------------------------

def begin(spec, metrics, extra=()):
    """hello, then import the target and say which it is: the function, or
    None once an import-error end has been sent."""
    send("hello", [("proto", PROTO_VERSION),
                   ("python", "%d.%d.%d" % sys.version_info[:3]),
                   ("impl", sys.implementation.name),
                   ("debug", int(hasattr(sys, "gettotalrefcount"))),
                   ("platform", "%s-%s" % (sys.platform, os.uname().machine)),
                   ("pid", os.getpid()),
                   ("metrics", ",".join(metrics))] + list(extra))
    if sys.version_info < (3, 8):
        send("end", [("reason", "import-error"), ("calls", 0), ("exc_type", "RuntimeError"),
                     ("message", "leakgate needs Python 3.8 or newer")])
        return None
    try:
        module, function_name, function = load_target(spec)
    except BaseException as exc:
        send("end", [("reason", "import-error"), ("calls", 0), ("exc_type", type_name(exc)),
                     ("message", message_of(exc)), ("traceback", traceback_of(exc))]
             + raise_site(exc))
        return None
    path, line = source_of(function)
    send("target", [("module", module), ("function", function_name),
                    ("file", path), ("line", line)])
    return function


def main(argv):
    os.set_inheritable(PROTO_FD, False)  # children of the workload must not hold it
    if argv[:1] == ["--explain"]:
        # The diagnostic pass: its source comes next and runs in this
        # namespace, with these helpers (src/agent/explain.py).
        exec(compile(argv[1], "<leakgate-explain>", "exec"), globals())
        return globals()["explain_main"](argv[2:])
    spec, max_calls, duration_ns = argv[0], int(argv[1]), int(float(argv[2]) * 1e9)
    threshold = float(argv[3]) if len(argv) > 3 else 16.0
    # The agent's own imports must not be shadowed by files in the cwd.
    saved_path = sys.path[:]
    sys.path[:] = [p for p in sys.path if p]
    import inspect, traceback, importlib.util  # noqa: F401  (warm, before user code)
    probes = Probes()
    sys.path[:] = saved_path
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
        pending = repeat(None, batch)
        start = clock()
        try:
            for _ in pending:
                function()
        except BaseException as exc:
            done = batch - pending.__length_hint__() - 1
            failure = (type_name(exc), message_of(exc), traceback_of(exc), calls + done + 1,
                       raise_site(exc))
            calls += done
            elapsed += clock() - start
            del exc
            break
        spent = clock() - start
        calls += batch
        elapsed += spent
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
    exc_type, message, text, failed_call, site = failure
    failure = None
    if calls:
        try:
            sample(calls, elapsed)  # what the failed batch left behind
        except Exception:
            pass
    send("end", [("reason", "exception"), ("calls", failed_call), ("exc_type", exc_type),
                 ("message", message), ("traceback", text)] + site)


def finish():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    # No atexit handlers, no joining of threads the workload leaked.
    os._exit(0)


try:
    main(sys.argv[1:])
finally:
    finish()

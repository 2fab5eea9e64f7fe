"""What every phase of the explain pass (explain.py) shares: the driver of
the workload's calls, which files are the user's and where an object was
allocated, and how types, callables and threads are named in records."""

import os
import sys
import time

from .common import call_batch, message_of, own_imports, type_name

linecache, re, tracemalloc, types = own_imports(["linecache", "re", "tracemalloc", "types"])

CODE_CHARS = 160
SEND_RESOURCES = 5        # cycle and resource records sent, the largest first


def type_label(t):
    module = getattr(t, "__module__", None)
    name = getattr(t, "__qualname__", None) or getattr(t, "__name__", "?")
    if module in (None, "builtins"):
        return name
    return "%s.%s" % (module, name)


def callable_label(fn):
    self = getattr(fn, "__self__", None)
    func = getattr(fn, "__func__", None)
    if self is not None and func is not None:
        return "%s.%s" % (type_label(type(self)), getattr(func, "__name__", "?"))
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    module = getattr(fn, "__module__", None)
    if name is None:
        return type_label(type(fn))
    return name if module in (None, "builtins") else "%s.%s" % (module, name)


def ints(values):
    return ",".join("%d" % v for v in values)

def python_class(t):
    """Whether t is a class of Python code (a Logger, a Thread), not a
    builtin or C type: a heap type with a function of its own."""
    try:
        return bool(t.__flags__ & (1 << 9)) and any(
            isinstance(v, types.FunctionType) for v in vars(t).values())
    except Exception:  # a metaclass's own __flags__ or __dict__
        return False


def code_span(function):
    """(file, first line, last line) of a Python function, else None."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    dis, = own_imports(["dis"])
    lines = [line for _, line in dis.findlinestarts(code) if line]
    return code.co_filename, code.co_firstlineno, max(lines or [code.co_firstlineno])


def thread_label(t):
    target = getattr(t, "_target", None)
    name = re.sub(r"[0-9]+", "N", t.name)
    if target is None:
        what = "%s, run %s.run" % (name, type_label(type(t)))
    else:
        what = "%s, target %s" % (name, callable_label(target))
    return what + (", daemon" if t.daemon else "")

def short_repr(value):
    try:
        text = repr(value)
    except Exception:
        text = "<%s>" % type_label(type(value))
    return text if len(text) <= 40 else text[:37] + "..."


def per_interval(calls, ns, points):
    """The calls and nanoseconds of one of points intervals of a phase."""
    return max(1, calls // points), ns // points


class Places(object):
    """Which files are the user's: not the agent, not the standard library,
    not installed packages (the workload's own file always is: a test's
    too, where its location says, though a package installed it, as
    `--pyargs simplejson` runs simplejson's own tests)."""

    def __init__(self, function):
        self.stdlib = os.path.dirname(os.__file__) + os.sep
        code = getattr(function, "__code__", None)
        location = getattr(function, "location", None)
        if code is not None:
            self.workload = code.co_filename
        elif location is not None:
            self.workload = location()[0]  # absolute (pytest_target.PytestTest)
        else:
            self.workload = None
        self.cache = {}

    def is_user(self, filename):
        known = self.cache.get(filename)
        if known is not None:
            return known
        if filename == self.workload or (
                self.workload and os.path.abspath(filename) == self.workload):
            user = True
        elif filename.startswith("<"):
            user = False
        else:
            parts = filename.replace("\\", "/").split("/")
            user = not (filename.startswith(self.stdlib) or "site-packages" in parts
                        or "dist-packages" in parts)
        if len(self.cache) < 10000:
            self.cache[filename] = user
        return user

    @staticmethod
    def code(filename, line):
        return linecache.getline(filename, line).strip()[:CODE_CHARS]

    @staticmethod
    def path(filename):
        return filename if filename.startswith("<") else os.path.abspath(filename)

    def frame_fields(self, filename, line):
        return [("file", self.path(filename)), ("line", line),
                ("code", self.code(filename, line))]

    def user_frame(self, frame):
        """(file, line) of the innermost user frame of a live stack, or None."""
        depth = 0
        while frame is not None and depth < 64:
            if self.is_user(frame.f_code.co_filename):
                return frame.f_code.co_filename, frame.f_lineno
            frame = frame.f_back
            depth += 1
        return None

    def user_trace_frame(self, traceback):
        """The innermost user frame of a tracemalloc traceback, or None."""
        for frame in reversed(list(traceback)):  # oldest first since 3.7
            if self.is_user(frame.filename):
                return frame.filename, frame.lineno
        return None

    def object_site(self, obj):
        """The user's line that allocated obj (while traced), or None. 3.11's
        tracemalloc misses objects with a managed __dict__: then what their
        attributes hold tells, made by the same call, seen from outside the
        class's __init__."""
        tb = tracemalloc.get_object_traceback(obj)
        if tb is not None:
            return self.user_trace_frame(tb)
        try:
            values = list(object.__getattribute__(obj, "__dict__").values())[:16]
        except (AttributeError, TypeError):
            return None
        init = None
        for value in values:
            tb = tracemalloc.get_object_traceback(value)
            if tb is None:
                continue
            if init is None:
                init = code_span(getattr(type(obj), "__init__", None)) or ()
            for frame in reversed(list(tb)):
                if init and frame.filename == init[0] and init[1] <= frame.lineno <= init[2]:
                    continue
                if self.is_user(frame.filename):
                    return frame.filename, frame.lineno
        return None


# Most pymalloc blocks one stretch of calls (run_for) may add: every
# census, snapshot and referrer walk after it visits what the calls kept,
# and a heavy leak (msgpack's test_invalidvalue: 2,000 blocks a call) shows
# in a hundred calls as well as in thousands. A leak of a block a call
# never reaches it.
STRETCH_BLOCKS = 25000


class Driver(object):
    """Calls the workload in chunks; stops for good at its first exception."""

    def __init__(self, function, max_calls):
        self.function = function
        self.max_calls = max_calls
        self.calls = 0
        self.failure = None

    def run_for(self, max_calls, max_ns):
        clock = time.perf_counter_ns
        start = clock()
        blocks = sys.getallocatedblocks
        first_blocks = blocks()
        done = 0
        # From one call up: a phase may have made each call much slower
        # (tracemalloc, a trace function), and a chunk is not interrupted.
        chunk = 1
        while self.failure is None and done < max_calls and self.calls < self.max_calls:
            n = min(chunk, max_calls - done, self.max_calls - self.calls)
            began = clock()
            made, failure = call_batch(self.function, n)
            self.calls += made
            done += made
            if failure is not None:
                self.failure = (type_name(failure), message_of(failure))
                failure = None
                break
            if clock() - began < 2000000 and chunk < 65536:
                chunk *= 2
            if clock() - start >= max_ns or blocks() - first_blocks > STRETCH_BLOCKS:
                break
        return done

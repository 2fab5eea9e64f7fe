"""What both passes of the agent share: the records on fd 3
(include/leakgate/proto.h), loading the target, and the batch loop."""
import contextlib
import fcntl
import gc
import os
import sys
from itertools import repeat

PROTO_FD = 3
PROTO_VERSION = 2
MAX_TEXT = 16384          # bytes of traceback kept (the tail, where the error is)
MAX_MESSAGE = 4096


def printable(text):
    # What UTF-8 text cannot carry (NUL, a lone surrogate, the bytes of a
    # non-UTF-8 path as os.fsdecode gives them) as Python's escapes, so the
    # record stays valid and the message is still reported (proto.h).
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def escape(value):
    return (printable(str(value)).replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


# Records go to a copy of fd 3 high up, made at the first record, so that a
# workload that closes fd 3 (a closerange, a daemon's cleanup) does not cut
# the agent off; that it did is said once, in a note.
_pipe = {}


def _records_fd():
    if not _pipe:
        try:
            _pipe["fd"] = fcntl.fcntl(PROTO_FD, fcntl.F_DUPFD_CLOEXEC, 512)
        except OSError:
            _pipe["fd"] = PROTO_FD  # a low fd limit: no copy
        _pipe["ino"] = os.fstat(PROTO_FD).st_ino
    elif _pipe["ino"] is not None and _pipe["fd"] != PROTO_FD:
        try:
            same = os.fstat(PROTO_FD).st_ino == _pipe["ino"]
        except OSError:
            same = False
        if not same:
            # Said in a note, and on stderr, which the report keeps.
            _pipe["ino"] = None
            said = ("the workload closed fd 3, leakgate's record pipe: the agent "
                    "records on a copy (fd %d)" % _pipe["fd"])
            try:
                os.write(2, ("leakgate: %s\n" % said).encode())
            except OSError:
                pass
            _write(_pipe["fd"], "note\ttext=%s\n" % escape(said))
    return _pipe["fd"]


def _write(fd, text):
    data = text.encode("utf-8")
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError as exc:
        if exc.errno == 9:  # EBADF: the workload closed our copy too
            os.write(2, b"leakgate: the workload closed the record pipe "
                     b"(fd 3 and its copy): nothing more can be reported\n")
        os._exit(1)  # else the runner is gone: nobody to report to


def send(kind, fields):
    _write(_records_fd(),
           kind + "".join("\t%s=%s" % (k, escape(v)) for k, v in fields) + "\n")


def note(text):
    send("note", [("text", text)])


def type_name(exc):
    if getattr(exc, "leakgate_type", None):  # a test's failure (pytest_target.py)
        return exc.leakgate_type
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


def traceback_of(exc):
    """The text Python prints, its tail. traceback is imported only now:
    its import (tokenize, re) costs more than the rest of the agent's start."""
    if getattr(exc, "leakgate_text", None) is not None:  # the test runner's own
        return exc.leakgate_text
    try:
        traceback, = own_imports(["traceback"])
    except Exception:  # no fd left to read it with (the workload leaks them)
        return "%s: %s\n" % (type_name(exc), message_of(exc))
    # From the workload's first frame on: the agent's own frames above it
    # tell the user nothing.
    tb = exc.__traceback__
    while tb is not None and (own_code(tb.tb_frame.f_code.co_filename) or
                              tb.tb_frame.f_code.co_filename.startswith("<frozen importlib")):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return text[-MAX_TEXT:]


def own_code(filename):
    """Frames of the agent itself (every module of the bundle, boot.py)."""
    return filename == "<string>" or filename.startswith("<leakgate>/")


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


def own_imports(names):
    """Import modules for the agent without files in the cwd shadowing them."""
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if p]
    try:
        return [__import__(name, fromlist=["_"]) for name in names]
    finally:
        sys.path[:] = saved


# -- the batch loop ----------------------------------------------------------

# CPython's type attribute cache (4,096 entries) keeps, in each entry, the
# name it last looked up there. A name made at run time (a C extension's
# PyObject_GetAttrString, getattr with a formatted name, monkeypatch's
# "sys.stdout") stays until another lookup takes its entry, and the entry
# is picked by the name's address: such names fill the cache at random for
# thousands of calls and read as a slow leak that earlier tests of a child
# half filled (multidict's copy(): 44-55 blocks; cbor2's test_stdout: 14
# B/call over 2,000 runs). CPython's refleak hunter (regrtest -R) clears
# it before each count too.
_clear_type_cache = (getattr(sys, "_clear_internal_caches", None)
                     or getattr(sys, "_clear_type_cache", None) or (lambda: None))


def collect():
    """gc.collect() before a count: what only the type cache holds freed too."""
    _clear_type_cache()
    gc.collect()


NO_BATCH = contextlib.nullcontext()


def call_batch(function, n):
    """Call function n times: (calls made, None), or at the first exception
    (calls made before it, the exception). The caller drops the exception
    soon: its frames hold what the failing call allocated. A function with
    a batch() context (a test's: pytest_target.py) is called in it."""
    pending = repeat(None, n)
    batch = getattr(function, "batch", None)
    try:
        with batch() if batch is not None else NO_BATCH:
            for _ in pending:
                function()
    except BaseException as exc:
        return n - pending.__length_hint__() - 1, exc
    return n, None


# -- the target -------------------------------------------------------------

def load_target(spec):
    if spec.startswith(("pytest:", "unittest:")):
        tests, = own_imports(["_leakgate.pytest_target"])
        return tests.load_test(spec)
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
    """TypeError unless function can be called without arguments. Plain
    functions and methods are read directly: importing inspect costs more
    than the rest of the agent's start."""
    plain = getattr(function, "__func__", function)
    code = getattr(plain, "__code__", None)
    if type(plain) is type(check_no_arguments) and code is not None:
        bound = int(plain is not function and getattr(function, "__self__", None) is not None)
        positional = code.co_varnames[bound:code.co_argcount]
        keyword = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
        required = list(positional[:len(positional) - len(plain.__defaults__ or ())])
        required += [k for k in keyword if k not in (plain.__kwdefaults__ or {})]
    else:
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
    """(file, first line) of the function, through decorators' __wrapped__."""
    for _ in range(100):
        wrapped = getattr(function, "__wrapped__", None)
        if wrapped is None:
            break
        function = wrapped
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    if code is not None:
        return os.path.abspath(code.co_filename), code.co_firstlineno
    module = sys.modules.get(getattr(function, "__module__", None) or "")
    return getattr(module, "__file__", None) or "", 0


def hello(metrics, extra=()):
    """The first record; False (after an end saying why) when this
    interpreter cannot run the agent."""
    send("hello", [("proto", PROTO_VERSION),
                   ("python", "%d.%d.%d" % sys.version_info[:3]),
                   ("impl", sys.implementation.name),
                   ("debug", int(hasattr(sys, "gettotalrefcount"))),
                   ("platform", "%s-%s" % (sys.platform, os.uname().machine)),
                   ("pid", os.getpid()),
                   # What the runner starts next time: past a shim (pyenv's).
                   ("executable", sys.executable or ""),
                   ("metrics", ",".join(metrics))] + list(extra))
    if sys.version_info < (3, 8):
        send("end", [("reason", "import-error"), ("calls", 0), ("exc_type", "RuntimeError"),
                     ("message", "leakgate needs Python 3.8 or newer")])
        return False
    return True


def begin(spec, metrics, extra=()):
    """hello, then the target (start)."""
    return start(spec) if hello(metrics, extra) else None


def start(spec, load=None):
    """Import the target (load(spec), load_target by default) and say which
    it is: the function, or None once an end saying why has been sent."""
    try:
        module, function_name, function = (load or load_target)(spec)
    except BaseException as exc:
        send("end", [("reason", "import-error"), ("calls", 0), ("exc_type", type_name(exc)),
                     ("message", message_of(exc)), ("traceback", traceback_of(exc))]
             + raise_site(exc))
        return None
    location = getattr(function, "location", None)
    path, line = location() if location else source_of(function)
    send("target", [("module", module), ("function", function_name),
                    ("file", path), ("line", line)])
    prepare = getattr(function, "leakgate_prepare", None)
    if prepare is None:
        return function
    try:
        prepare()  # a test's first run (pytest_target.py): it may skip or fail
    except BaseException as exc:
        if getattr(exc, "leakgate_skip", False):
            send("end", [("reason", "skipped"), ("calls", 0), ("message", message_of(exc))])
        else:
            send("end", [("reason", "exception"), ("calls", 1), ("exc_type", type_name(exc)),
                         ("message", message_of(exc)), ("traceback", traceback_of(exc))])
        return None
    return function


def finish():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    # No atexit handlers, no joining of threads the workload leaked.
    os._exit(0)

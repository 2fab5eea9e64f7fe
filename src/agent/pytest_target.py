"""leakgate: existing pytest and unittest tests as workloads.

Imported by common.load_target for a target `pytest:NODE_ID` or
`unittest:MODULE.CLASS.METHOD`, and by agent.py to collect a suite
(`--collect ARGS`: the node ids, include/leakgate/proto.h).

One call of a test's workload is one run of the test as its runner runs it:
pytest's setup, call and teardown phases (function-scoped fixtures around
every call, wider scopes set up once), or unittest's setUp, test and
tearDown (setUpClass and setUpModule once). What the runner keeps per run
(reports, captured output, warnings, tmp_path directories) is dropped after
every call so that it never reads as the test's leak.
"""

import contextlib
import functools
import gc
import os
import sys
import warnings

from .common import (MAX_TEXT, hello, message_of, note, own_imports, send, traceback_of,
                     type_name)

PYTEST_ARGS = None  # the suite's arguments (--pytest-args), one shell string


class TestFailure(Exception):
    """The test failed: its runner's own text stands in for a traceback."""

    def __init__(self, message, text, exc_type="TestFailure"):
        Exception.__init__(self, message)
        self.leakgate_text = text
        self.leakgate_type = exc_type


class TestSkipped(Exception):
    """Skipped or expected to fail: not measured."""
    leakgate_skip = True


def shell_words(text):
    import shlex
    return shlex.split(text or "")


def import_pytest():
    try:
        __import__("pytest")
        from _pytest.config import _prepareconfig
        from _pytest.main import Session
        from _pytest.runner import runtestprotocol
    except ImportError as exc:
        raise ImportError("pytest is not installed for %s (%s)"
                          % (sys.executable, message_of(exc)))
    return _prepareconfig, Session, runtestprotocol


PHASES = ("setup", "call", "teardown")
# Fixtures that read what a plugin's phase hooks keep, by the plugin: no
# direct runs with them while it hooks the phases.
HOOK_FIXTURES = (("_pytest.logging", {"caplog"}), ("_pytest.tmpdir", {"tmp_path", "tmpdir"}))
# Plugins whose phase hooks act on some tests only, by module: whether the
# hooks act on a test. A test they all leave alone can run direct.
PLUGINS_ACTING_ON = {
    "_hypothesis_pytestplugin":  # hypothesis's own tests
        lambda item: getattr(getattr(item, "obj", None), "is_hypothesis_test", False),
    "pytest_asyncio.plugin":  # tests marked asyncio (its auto mode marks them)
        lambda item: item.get_closest_marker("asyncio") is not None,
    "pytest_timeout":  # a test with a timeout: marked, --timeout, the ini's, the env's
        lambda item: bool(item.get_closest_marker("timeout")
                          or item.config.getoption("timeout", None)
                          or item.config.getini("timeout")
                          or os.environ.get("PYTEST_TIMEOUT")),
}
CURRENT_TEST = "PYTEST_CURRENT_TEST"  # set by pytest's runner around every phase
# Direct runs between two reads of the captured output, when pytest
# captures to a file (--capture=fd, the default); captured in memory
# (sys, tee-sys) it would read as the test's heap: read after every run.
CAPTURE_READS = 64


class Collector(object):
    """A plugin: remembers what failed to collect."""

    def __init__(self):
        self.failed = []

    def pytest_collectreport(self, report):
        if report.failed:
            self.failed.append(report)


def remove_orphan_caches(prefix):
    """Remove prefix<pid> directories whose process is gone."""
    import glob
    import shutil
    for path in glob.glob(glob.escape(prefix) + "*"):
        pid = path[len(prefix):]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass  # alive, another user's


def start_session(args, nodes=None, cache_dir=None):
    """pytest's configuration and collection as pytest.main does them, the
    user's ini files and conftest.py included, without running anything.
    nodes, when given, replace the positional arguments (one test). pytest's
    cache plugin is off, or (cache_dir) keeps its cache there: never in the
    user's .pytest_cache."""
    prepareconfig, Session, _ = import_pytest()
    collector = Collector()
    cache = ["-p", "no:cacheprovider"] if cache_dir is None else ["-o", "cache_dir=" + cache_dir]
    config = prepareconfig(list(args) + cache, [collector])
    config._do_configure()
    # The terminal report is of a run that never happens: dropped, so the
    # test's own output (-s) is what the workload's stdout holds.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and hasattr(reporter, "_tw"):
        from _pytest._io import TerminalWriter
        reporter._tw = TerminalWriter(open(os.devnull, "w"))
    session = Session.from_config(config)
    config.hook.pytest_sessionstart(session=session)
    if nodes is not None:
        config.args = nodes(config)
    config.hook.pytest_collection(session=session)
    return config, session, collector.failed


def collect_main(argv):
    """`--collect ARGS`: hello, one `test node=ID` record per collected
    test (and per file that failed to collect: its child reports why), then
    end."""
    if not hello([], [("mode", "collect")]):
        return
    try:
        config, session, failed = start_session(shell_words(argv[0] if argv else ""))
    except BaseException as exc:
        send("end", [("reason", "import-error"), ("exc_type", type_name(exc)),
                     ("message", message_of(exc)), ("traceback", traceback_of(exc))])
        return
    seen = set()
    for report in failed:
        if report.nodeid and report.nodeid not in seen:
            seen.add(report.nodeid)
            send("test", [("node", report.nodeid)])
    for item in session.items:
        if item.nodeid not in seen:
            seen.add(item.nodeid)
            send("test", [("node", item.nodeid)])
    source_tree, = own_imports(["_leakgate.source_tree"])
    for text in source_tree.notes(str(config.rootpath)):
        send("note", [("text", text)])
    send("end", [("reason", "completed"), ("count", len(seen))])


def junit_names(node_id):
    """classname and name as pytest's junitxml writes them."""
    path, bracket, params = node_id.partition("[")
    names = path.split("::")
    names[0] = names[0].replace("/", ".")
    if names[0].endswith(".py"):
        names[0] = names[0][:-3]
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def report_text(report):
    try:
        return report.longreprtext
    except Exception:
        return str(report.longrepr)


def crash_of(report):
    """("AssertionError", "assert 1 == 2") from a failed report."""
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    text = getattr(crash, "message", None)
    if not text:  # a collection error's text: its last "E   " line says it
        lines = [line for line in report_text(report).splitlines() if line.strip()]
        errors = [line[1:].strip() for line in lines if line.startswith("E ")]
        text = (errors or lines or ["failed"])[-1]
    exc_type, sep, rest = text.partition(": ")
    if sep and " " not in exc_type:
        return exc_type, rest.splitlines()[0] if rest else ""
    return "Failed", text.splitlines()[0] if text else ""


def passed(runs):
    """What went before a run that failed: state the test left behind."""
    return "passed %d run%s" % (runs - 1, "" if runs == 2 else "s")


def skip_reason(report):
    if hasattr(report, "wasxfail"):
        return "xfail: %s" % (report.wasxfail or "expected to fail")
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason


class Suite(object):
    """A pytest session, configured and collected once: the whole suite in
    a child that runs many tests (agent.serve), or one node's file.

    pytest's cache (the `cache` fixture) is a directory of this child's,
    emptied after every run (PytestTest.tidy_run says when in a batch)
    but kept itself, so that no run makes new names (pytest 8 makes a
    missing one under a random name, and CPython 3.12.1 keeps every path
    part it interns: gh-113993). The runner kills a
    child once it has its verdict: the directories of children gone are
    removed here."""

    def __init__(self, args, nodes=None):
        _, _, self.runtestprotocol = import_pytest()
        import tempfile
        prefix = os.path.join(tempfile.gettempdir(), "leakgate-pytest-cache-")
        remove_orphan_caches(prefix)
        self.cache_dir = prefix + str(os.getpid())
        self.config, self.session, self.failed = start_session(args, nodes, self.cache_dir)
        self.items = {}
        for item in self.session.items:
            self.items.setdefault(item.nodeid, item)
        try:
            from _pytest.warnings import catch_warnings_for_item
        except ImportError:
            catch_warnings_for_item = None
        self.catch_warnings = catch_warnings_for_item
        # What pytest keeps per run, session-wide: hook calls and reports.
        self.hooks = [h for h in (getattr(self.config.hook, n, None)
                                  for n in dir(self.config.hook) if n.startswith("pytest_"))
                      if getattr(h, "_call_history", None) is not None]
        self.history = [len(h._call_history) for h in self.hooks]
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        self.stats = getattr(reporter, "stats", {})
        self.stats_lengths = dict((k, len(v)) for k, v in self.stats.items())
        # pluggy 1.0 keeps every hook caller subset_hook_caller makes, for
        # good, and pytest 7 makes new ones at every item.ihook of a test
        # whose directory leaves out a conftest.py with runtest hooks: 1.7
        # KB a run of a test that does nothing. Forgotten after every run.
        callers = getattr(self.config.pluginmanager, "_plugin2hookcallers", None)
        self.callers = callers if isinstance(callers, dict) else {}
        self.callers_lengths = dict((p, len(c)) for p, c in self.callers.items())
        self.callers_total = self.callers_size()

    def callers_size(self):
        return len(self.callers), sum(map(len, self.callers.values()))

    def item(self, node_id):
        """The collected item of node_id. A file that failed to collect is
        that test's failure; so is any, when one node was collected."""
        failed = ([r for r in self.failed if r.nodeid == node_id]
                  or (self.failed if not self.items else []))
        if failed:
            exc_type, message = crash_of(failed[0])
            raise TestFailure("pytest could not collect %s: %s"
                              % (failed[0].nodeid or node_id, message),
                              report_text(failed[0])[-MAX_TEXT:], exc_type)
        item = self.items.get(node_id)
        if item is None and len(self.items) == 1 and self.session.items:
            item = self.session.items[0]  # one node, named otherwise (cwd-relative)
        if item is None:
            raise LookupError("pytest collected no test %s (%d others; deselected by "
                              "-k or -m?)" % (node_id, len(self.items)))
        return item

    def load(self, spec):
        """(classname, name, callable) of a pytest: target of this suite."""
        test = PytestTest(self, self.item(spec.partition(":")[2]))
        classname, function = junit_names(test.item.nodeid)
        return classname, function, test

    def forget_reports(self):
        """Forget the hook calls and reports pytest kept, session-wide: of
        a run, or of a batch of direct runs, which make none but the
        warnings' as the batch ends."""
        for hook, n in zip(self.hooks, self.history):
            del hook._call_history[n:]
        for key, values in self.stats.items():
            if isinstance(values, list):
                del values[self.stats_lengths.get(key, 0):]

    def forget_callers(self):
        """Forget the hook callers a run made (pluggy keeps them)."""
        if self.callers_size() != self.callers_total:  # the sizes tell, cheaply
            for plugin in [p for p in self.callers if p not in self.callers_lengths]:
                del self.callers[plugin]
            for plugin, n in self.callers_lengths.items():
                del self.callers.get(plugin, [])[n:]

    def empty_cache(self):
        """Empty the cache directory, kept itself; True when it held anything."""
        if not os.path.isdir(self.cache_dir):
            return False
        import shutil
        held = False
        for kept in ("v", "d"):  # values, and the directories of cache.mkdir
            where = os.path.join(self.cache_dir, kept)
            if os.path.isdir(where):
                held = True
                shutil.rmtree(where, ignore_errors=True)
        return held

    def close(self):
        import shutil
        shutil.rmtree(self.cache_dir, ignore_errors=True)


def raise_again(exc):
    if exc is not None:
        raise exc


class QuickRun(object):
    """What the runs after the first need (PytestTest.quick_phases)."""

    def __init__(self, hooks, makereport, capture, CallInfo, reraise):
        self.hooks = hooks  # the three phases' hooks, without the capture plugin's
        self.makereport = makereport
        self.capture = capture
        self.CallInfo = CallInfo
        self.reraise = reraise
        self.direct = False  # see PytestTest.direct_allowed
        self.reads = CAPTURE_READS if getattr(capture, "_method", None) == "fd" else 1
        self.collectors = []  # f(config) that pytest's phase hooks call every phase
        self.runtest = None  # the item's runtest, its hook caller made once (a Function's)


class PytestTest(object):
    """One collected pytest item, run again and again."""

    def __init__(self, suite, item):
        self.suite = suite
        self.item = item
        self.config = suite.config
        self.runs = 0
        self.basetemp = None
        self.temps = set()
        self.finalizers = []
        self.quick = None  # what quick_run needs: see quick_phases
        self.batched = False  # inside batch(): see there
        self.writes_cache = False  # a run wrote to pytest's cache (tidy)
        self.warnings = None  # what a batch's capture of warnings recorded (batch)
        self.filters = None  # the warning filters as the batch's capture set them
        self.showwarning = None  # and warnings.showwarning
        self.record_warning = None
        # PYTEST_CURRENT_TEST in a direct run's phases, as pytest's runner sets it.
        self.current = dict((when, "%s (%s)" % (item.nodeid, when)) for when in PHASES)
        # Markers a test adds to itself (request.applymarker) are of one run.
        self.markers = len(getattr(item, "own_markers", ()))
        # A doctest's namespace: the doctest runner empties it after every
        # run, so each run gets a copy of what collection gave it.
        dtest = getattr(item, "dtest", None)
        self.globs = dict(dtest.globs) if isinstance(getattr(dtest, "globs", None), dict) \
            else None

    def location(self):
        path, line, _ = self.item.location
        fspath = getattr(self.item, "path", None) or getattr(self.item, "fspath", None)
        try:
            import inspect
            obj = getattr(self.item, "obj", None)
            code = inspect.unwrap(obj).__code__
            return os.path.abspath(code.co_filename), code.co_firstlineno
        except Exception:
            return str(fspath or path), (line or 0) + 1

    def protocol(self):
        item = self.item
        if self.globs is not None:
            item.dtest.globs.clear()
            item.dtest.globs.update(self.globs)
        run = self.full_run
        if self.quick:
            run = self.direct_run if self.quick.direct else self.quick_run
        catch_warnings = self.suite.catch_warnings
        if catch_warnings is None:
            return run()
        if self.batched:
            # The batch's capture of warnings, as a capture of this run's
            # own would be: the filters and showwarning as it began (a run
            # that adds a filter or replaces showwarning does so for its
            # own run only), the registries made stale (a warning shown
            # once per place is shown once a run).
            if warnings.filters != self.filters:
                warnings.filters[:] = self.filters
            if warnings.showwarning is not self.showwarning:
                warnings.showwarning = self.showwarning
            warnings._filters_mutated()
            return run()
        with catch_warnings(self.config, ihook=item.ihook, when="runtest", item=item):
            return run()

    def full_run(self):
        # The teardown goes down to the test's parent, as between two tests
        # of one class or module: wider fixtures stay.
        return self.suite.runtestprotocol(self.item, log=False, nextitem=self.item.parent)

    def quick_phases(self, reports):
        """What a run after a first that passed plainly needs of pytest's
        protocol: the three phases' hooks without the capture plugin's
        wrappers, whose fd capture is resumed, suspended and read once a
        run instead of three times (a quick run: 0.12-0.19 ms for a short
        test of cbor2's, pytest 7.2, against 0.18-0.3 for the whole
        protocol), or none of the hooks where direct_allowed says so (a
        direct run). None: every run needs the whole protocol (xfail,
        --pdb, --setup-only, --setup-show)."""
        config = self.config
        if len(reports) != 3 or any(not r.passed or hasattr(r, "wasxfail") for r in reports):
            return None
        if any(config.getoption(name, False) for name in ("usepdb", "setuponly", "setupshow")):
            return None
        manager = config.pluginmanager
        capture = manager.get_plugin("capturemanager")
        # The conftest.py files the item's ihook leaves out, left out too.
        remove = set(getattr(self.item.ihook, "remove_mods", ()))
        if capture is not None:
            remove.add(capture)
        hooks = [manager.subset_hook_caller("pytest_runtest_" + when, remove_plugins=remove)
                 for when in PHASES]
        from _pytest.outcomes import Exit
        from _pytest.runner import CallInfo
        # item.ihook makes a hook proxy at every use: once per test here.
        makereport = self.item.ihook.pytest_runtest_makereport
        quick = QuickRun(hooks, makereport, capture, CallInfo, (Exit, KeyboardInterrupt))
        quick.direct = self.direct_allowed(hooks + [makereport])
        # item.runtest of a Function asks item.ihook for a hook proxy at
        # every run: a few us of a short test's 15.
        try:
            from _pytest.python import Function
        except ImportError:
            Function = None
        if Function is not None and type(self.item).runtest is Function.runtest:
            quick.runtest = functools.partial(self.item.ihook.pytest_pyfunc_call,
                                              pyfuncitem=self.item)
        else:
            quick.runtest = self.item.runtest
        # pytest 8.4 keeps unraisable and thread exceptions in queues of the
        # session that its phase hooks empty (warning of each): a direct run
        # empties them too, or they would pile up as the test's leak.
        plugins = set(impl.plugin for hook in hooks for impl in hook.get_hookimpls())
        quick.collectors = [getattr(plugin, name) for plugin in plugins for name in
                            ("collect_unraisable", "collect_thread_exception")
                            if getattr(plugin, "__name__", "").startswith("_pytest.")
                            and callable(getattr(plugin, name, None))]
        return quick

    def direct_allowed(self, hooks):
        """Whether the runs can go without the phases' hooks (direct_run):
        only pytest's own plugins hook them for this test, or plugins that
        leave this test alone (PLUGINS_ACTING_ON), and the test
        uses none of the fixtures that read what those hooks keep: caplog
        the logging plugin's records, tmp_path the reports pytest 8's
        tmpdir plugin keeps (pytest 7's keeps none)."""
        item = self.item
        setupstate = getattr(item.session, "_setupstate", None)
        if not (hasattr(setupstate, "setup") and hasattr(setupstate, "teardown_exact")
                and hasattr(setupstate, "stack")):
            return False  # pytest before 7: another SetupState
        obj = getattr(item, "obj", None)
        if any(callable(getattr(obj, name, None)) for name in ("setup", "teardown")):
            return False  # nose-style, run by the nose plugin's setup hook (pytest 7)
        modules = set()
        for hook in hooks:
            for impl in hook.get_hookimpls():
                plugin = impl.plugin
                modules.add(getattr(plugin, "__name__", None) or type(plugin).__module__)
        for module in modules:
            if module.startswith("_pytest."):
                continue
            acts_on = PLUGINS_ACTING_ON.get(module)
            try:
                if acts_on is None or acts_on(item):
                    return False
            except Exception:
                return False
        uses = set(getattr(item, "fixturenames", ()))
        return not any(uses & names for module, names in HOOK_FIXTURES if module in modules)

    @contextlib.contextmanager
    def batch(self):
        """A batch of runs (common.call_batch). Direct runs share one
        capture of warnings and one resumed capture of output, as the
        phases of one pytest run share them: each cost about 5 us a run,
        a third of a short test's direct run (msgpack's
        test_strict_map_key: 30 us, 4.5 in a bare loop). A run's warnings
        are still recorded and forgotten after it (record_warnings), its
        output read as often as before (end_run)."""
        quick = self.quick
        if quick is None or not quick.direct or self.batched:
            yield
            return
        item, suite = self.item, self.suite
        ihook = item.ihook  # a hook proxy made at every use: once a batch
        if suite.catch_warnings is not None and not (
                hasattr(warnings, "_filters_mutated")
                and hasattr(ihook, "pytest_warning_recorded")):
            yield
            return
        try:
            with contextlib.ExitStack() as scope:
                if suite.catch_warnings is not None:
                    scope.enter_context(suite.catch_warnings(
                        self.config, ihook=ihook, when="runtest", item=item))
                    self.filters = list(warnings.filters)
                    self.showwarning = warnings.showwarning
                    # The list it records to (catch_warnings(record=True)
                    # records with its append): emptied after every run.
                    log = getattr(getattr(warnings, "_showwarnmsg_impl", None), "__self__", None)
                    self.warnings = log if isinstance(log, list) else None
                    self.record_warning = ihook.pytest_warning_recorded.call_historic
                if quick.capture is not None:
                    # Suspended after the batch, but read as often as ever
                    # (end_run): to read at every batch's end too made
                    # reads of every size, and malloc kept more of them as
                    # batches grew (2 KB over 20,000 runs of a test that prints).
                    quick.capture.resume_global_capture()
                    scope.callback(quick.capture.suspend_global_capture, in_=False)
                self.batched = True
                yield
        finally:
            self.batched = False
            self.warnings = None
            self.tidy()

    def record_warnings(self):
        """What pytest does with a run's warnings as its capture of them
        ends, in a batch after every run: each is given to the
        pytest_warning_recorded hooks, and forgotten with what they kept.
        Kept to the batch's end, they would be as many as its runs, and
        what malloc keeps of them would grow with the batch."""
        nodeid = self.item.nodeid
        for message in self.warnings:
            self.record_warning(kwargs=dict(warning_message=message, nodeid=nodeid,
                                            when="runtest", location=None))
        del self.warnings[:]
        self.suite.forget_reports()

    def start_run(self, quick):
        item = self.item
        if hasattr(item, "_request") and not item._request:
            item._initrequest()
        if quick.capture is not None:
            if not self.batched:
                quick.capture.resume_global_capture()
            quick.capture.activate_fixture()

    def end_run(self, quick, read):
        item = self.item
        if quick.capture is not None:
            quick.capture.deactivate_fixture()
            if not self.batched:
                quick.capture.suspend_global_capture(in_=False)
            if read:
                quick.capture.read_global_capture()  # dropped, as tidy drops a report's
        if hasattr(item, "_request"):
            item._request = False
            item.funcargs = None

    def quick_run(self):
        """One run as pytest's runtestprotocol does it, captured once for
        the whole run; its reports."""
        item = self.item
        quick = self.quick
        self.start_run(quick)
        calls = []
        try:
            for when, hook in zip(PHASES, quick.hooks):
                if when == "call" and calls[0].excinfo is not None:
                    continue  # a setup that failed or skipped: no call
                kwargs = {"nextitem": item.parent} if when == "teardown" else {}
                calls.append(quick.CallInfo.from_call(lambda: hook(item=item, **kwargs),
                                                      when=when, reraise=quick.reraise))
        finally:
            self.end_run(quick, True)
        # Made for every phase: plugins keep state from them (pytest 8's
        # tmp_path decides by its report whether to remove its directory).
        return [quick.makereport(item=item, call=call) for call in calls]

    def direct_run(self):
        """One run as pytest's own runtest hooks do it, without the hooks
        (direct_allowed): the test's fixtures set up, the test run through
        pytest_pyfunc_call, the fixtures torn down. A run that fails gets
        the report pytest makes of it; one that passes, none. The captured
        output is dropped every quick.reads runs, not after each: a short
        test's run costs about half a quick run's (cbor2's test_integer: 87 us, 190)."""
        item = self.item
        quick = self.quick
        setupstate = item.session._setupstate
        failed = []
        current, environ = self.current, os.environ
        self.start_run(quick)
        try:
            when = "setup"
            try:
                environ[CURRENT_TEST] = current[when]
                setupstate.setup(item)
                when = "call"
                environ[CURRENT_TEST] = current[when]
                quick.runtest()
                for collect in quick.collectors:
                    collect(self.config)
            except quick.reraise:
                raise
            except BaseException as exc:  # pytest's outcomes (skip, fail) are BaseException
                failed.append((when, exc))
            try:
                environ[CURRENT_TEST] = current["teardown"]
                setupstate.teardown_exact(item.parent)
                for collect in quick.collectors:
                    collect(self.config)
            except quick.reraise:
                raise
            except BaseException as exc:
                failed.append(("teardown", exc))
        finally:
            environ.pop(CURRENT_TEST, None)
            self.end_run(quick, failed or self.runs % quick.reads == 0)
        if not failed and getattr(item, "_excinfo", None):
            failed.append(("call", None))  # a unittest case's failure: its makereport reads it
        return [quick.makereport(item=item, call=quick.CallInfo.from_call(
            lambda: raise_again(exc), when=when, reraise=quick.reraise))
            for when, exc in failed]

    def tidy(self):
        """Forget what pytest kept of this run, or of this batch of runs."""
        suite = self.suite
        suite.forget_reports()
        if suite.empty_cache():
            self.writes_cache = True
        self.tidy_run()

    def tidy_run(self):
        """Forget what pytest kept of this run, in a batch too: all that
        grows run by run (kept to the batch's end, it would grow with the
        batch), and what the next run must not find (the markers this
        run added, its tmp_path directories: kept, their names would
        differ from run to run, and CPython 3.12.1 keeps every path part
        it interns, gh-113993). The cache is emptied after every run of
        a test that wrote there outside a batch, else after a batch: to
        look costs a tenth of a short test's direct run."""
        item = self.item
        del item._report_sections[:]
        del getattr(item, "user_properties", [])[:]
        del getattr(item, "own_markers", [])[self.markers:]
        self.suite.forget_callers()
        if self.batched and self.writes_cache:
            self.suite.empty_cache()
        # Every run registers again, on the fixtures and nodes that outlive
        # it, finalizers that are already there (pytest 7): keep the first.
        for finalizers, n in self.finalizers:
            del finalizers[n:]
        factory = getattr(self.config, "_tmp_path_factory", None)
        basetemp = getattr(factory, "_basetemp", None)
        if basetemp is not None:
            if self.basetemp is None:
                self.basetemp = str(basetemp)
            else:
                import shutil
                for name in os.listdir(self.basetemp):
                    if name not in self.temps:
                        shutil.rmtree(os.path.join(self.basetemp, name), ignore_errors=True)

    def __call__(self):
        self.runs += 1
        reports = self.protocol()
        if not self.batched:
            self.tidy()
        else:
            if self.warnings:
                self.record_warnings()
            self.tidy_run()
        if self.runs == 1:
            self.quick = self.quick_phases(reports)
        for report in reports:
            if report.failed:
                exc_type, message = crash_of(report)
                if self.runs > 1:
                    message = "%s, failed run %d (in %s): %s" % (
                        passed(self.runs), self.runs, report.when, message)
                elif report.when != "call":
                    message = "error in %s: %s" % (report.when, message)
                raise TestFailure(message, report_text(report)[-MAX_TEXT:], exc_type)
        for report in reports:
            if report.skipped:
                if self.runs == 1:
                    raise TestSkipped(skip_reason(report))
                raise TestFailure("%s, skipped run %d: %s" % (
                    passed(self.runs), self.runs, skip_reason(report)),
                    report_text(report), "Skipped")

    def leakgate_prepare(self):
        """The first run: skipped and failing tests stop here, and the
        directories pytest keeps across runs are made. The fixtures of the
        test before that this one does not share are torn down first, as
        pytest does between two tests."""
        session = self.item.session
        try:
            session._setupstate.teardown_exact(self.item)
        except Exception as exc:
            note("the teardown before %s failed: %s" % (self.item.nodeid, message_of(exc)))
        self()
        if self.basetemp:
            self.temps = set(os.listdir(self.basetemp))
        lists = [f for f, _ in getattr(session._setupstate, "stack", {}).values()]
        # The fixtures of the test's closure, and those it asks for by name
        # (request.getfixturevalue): all the fixture manager knows.
        info = getattr(self.item, "_fixtureinfo", None)
        manager = getattr(session, "_fixturemanager", None)
        for where in (getattr(info, "name2fixturedefs", {}),
                      getattr(manager, "_arg2fixturedefs", {})):
            for defs in where.values():
                lists.extend(getattr(d, "_finalizers", None) for d in defs)
        self.finalizers = [(f, len(f)) for f in lists if isinstance(f, list)]
        freeze_heap()


class UnittestTest(object):
    """unittest: setUpModule and setUpClass once; setUp, the test, tearDown
    and the cleanups on every call, each on a new instance as unittest does."""

    def __init__(self, dotted):
        import importlib
        import unittest
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, "")
        parts = dotted.split(".")
        module = importlib.import_module(".".join(parts[:-2]))
        cut = len(parts) - 2
        cls = getattr(module, parts[cut], None)
        if not (isinstance(cls, type) and issubclass(cls, unittest.TestCase)):
            raise LookupError("%s has no TestCase %s" % (module.__name__, parts[cut]))
        if not hasattr(cls, parts[cut + 1]):
            raise AttributeError("%s has no test %s" % (cls.__qualname__, parts[cut + 1]))
        self.unittest = unittest
        self.cls = cls
        self.method = parts[cut + 1]
        self.module = module
        self.runs = 0
        self.classname = "%s.%s" % (module.__name__, cls.__qualname__)

    def location(self):
        import inspect
        try:
            code = inspect.unwrap(getattr(self.cls, self.method)).__code__
            return os.path.abspath(code.co_filename), code.co_firstlineno
        except (AttributeError, TypeError):
            return getattr(self.module, "__file__", "") or "", 0

    def __call__(self):
        self.runs += 1
        result = self.unittest.TestResult()
        self.cls(self.method).run(result)
        problems = result.errors + result.failures + [
            (test, "unexpected success") for test in result.unexpectedSuccesses]
        if problems:
            text = problems[0][1]
            last = text.strip().splitlines()[-1] if text.strip() else "failed"
            exc_type, sep, message = last.partition(": ")
            if not sep or " " in exc_type:
                exc_type, message = "Failed", last
            if self.runs > 1:
                message = "%s, failed run %d: %s" % (passed(self.runs), self.runs, message)
            raise TestFailure(message, text[-MAX_TEXT:], exc_type)
        skipped = result.skipped or [(t, "expected failure") for t, _ in result.expectedFailures]
        if skipped:
            if self.runs == 1:
                raise TestSkipped(skipped[0][1])
            raise TestFailure("%s, skipped run %d: %s" % (
                passed(self.runs), self.runs, skipped[0][1]), "", "Skipped")

    def leakgate_prepare(self):
        # The class fixtures, as unittest's suite runs them around a class.
        if getattr(self.cls, "__unittest_skip__", False):
            raise TestSkipped(getattr(self.cls, "__unittest_skip_why__", "") or "skipped")
        setup_module = getattr(self.module, "setUpModule", None)
        if setup_module is not None:
            setup_module()
        self.cls.setUpClass()
        self()
        freeze_heap()


def freeze_heap():
    """pytest and the suite's imports, set up: out of the collector's way,
    so the full collection before every sample visits what the calls made.
    Not in the explain pass, whose chains walk the referrers of all."""
    if "_leakgate.explain" not in sys.modules and hasattr(gc, "freeze"):
        gc.collect()
        gc.freeze()


def load_test(spec):
    """(classname, name, callable) for a pytest: or unittest: target."""
    kind, _, name = spec.partition(":")
    if kind == "unittest":
        test = UnittestTest(name)
        return test.classname, test.method, test

    def nodes(config):
        """The file of the test alone, where its id names one found from
        the rootdir or the cwd; else what the suite's arguments collect
        (the test is found by its id): a module given by --pyargs names no
        file, and a package's ids are relative to the package."""
        path, sep, rest = name.partition("::")
        if path:
            for base in (str(config.rootpath), os.getcwd()):
                where = os.path.join(base, path)
                if os.path.exists(where):
                    return [where + sep + rest]
        return config.args

    return Suite(shell_words(PYTEST_ARGS), nodes).load(spec)

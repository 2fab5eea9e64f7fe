"""Unit tests of the Python agent (src/agent), in-process, without the
runner: the bundle importer, the records' framing, the runner's orders,
the probes, and tests of a pytest suite run one after another. `make check`
runs them first, with Debian's interpreter (where pytest is):
    python3 -m unittest discover -s tests/agent
"""
import gc
import os
import sys
import tempfile
import textwrap
import unittest

AGENT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "..", "..", "src", "agent"))


def install_bundle():
    """The agent's modules as the package _leakgate, through boot.py's own
    importer, as the bootstrap makes them (without running the agent)."""
    sources = {}
    for name in os.listdir(AGENT):
        if name.endswith(".py"):
            with open(os.path.join(AGENT, name), "rb") as f:
                sources[name[:-3]] = f.read()
    scope = {}
    exec(compile(sources["boot"], "<leakgate>/boot.py", "exec"), scope)
    sys.meta_path.insert(0, scope["BundleImporter"](sources))


install_bundle()
from _leakgate import agent, common  # noqa: E402


class RecordPipe(object):
    """fd 3, the record pipe, as a pipe this test reads."""

    def __enter__(self):
        import fcntl
        read_end, write_end = os.pipe()
        # Clear of fd 3, which the write end takes.
        self.read_end = fcntl.fcntl(read_end, fcntl.F_DUPFD_CLOEXEC, 100)
        os.close(read_end)
        try:
            self.saved = fcntl.fcntl(common.PROTO_FD, fcntl.F_DUPFD_CLOEXEC, 100)
        except OSError:
            self.saved = None
        os.dup2(write_end, common.PROTO_FD)
        os.close(write_end)
        common._pipe.clear()
        return self

    def close_writers(self):
        """fd 3 and the agent's copy of it (common._records_fd)."""
        copy = common._pipe.get("fd")
        common._pipe.clear()
        for fd in {common.PROTO_FD, copy} - {None}:
            try:
                os.close(fd)
            except OSError:
                pass

    def records(self):
        self.close_writers()
        chunks = []
        while True:
            data = os.read(self.read_end, 65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)

    def __exit__(self, *exc):
        self.close_writers()
        if self.saved is not None:
            os.dup2(self.saved, common.PROTO_FD)
            os.close(self.saved)
        os.close(self.read_end)


class BundleTest(unittest.TestCase):
    def test_modules_come_from_the_bundle(self):
        self.assertEqual(common.__spec__.origin, "<leakgate>/common.py")
        self.assertTrue(common.own_code(common.__spec__.origin))
        with self.assertRaises(ImportError):
            __import__("_leakgate.no_such_module")


class FramingTest(unittest.TestCase):
    def test_escapes_and_framing(self):
        with RecordPipe() as pipe:
            common.send("note", [("text", "a\tb\nc\\d\re")])
            common.send("end", [("reason", "exception"), ("message", "nul\x00 \udcff")])
            wire = pipe.records()
        lines = wire.split(b"\n")
        self.assertEqual(lines[0], b"note\ttext=a\\tb\\nc\\\\d\\re")
        # What UTF-8 cannot carry goes as Python's escapes: no NUL on the wire.
        self.assertNotIn(b"\x00", wire)
        wire.decode("utf-8")
        self.assertEqual(lines[1], b"end\treason=exception\tmessage=nul\\\\x00 \\\\udcff")
        self.assertEqual(lines[2], b"")

    def test_orders_unescape_what_records_escape(self):
        for text in ["plain", "tab\there", "new\nline", "back\\slash\\t", "\\\\", "", "é ✓"]:
            self.assertEqual(agent.unescape(common.escape(text)), text)


class OrdersTest(unittest.TestCase):
    def setUp(self):
        self.read_end, self.write_end = os.pipe()
        self.orders = agent.Orders(self.read_end)

    def tearDown(self):
        os.close(self.read_end)
        if self.write_end is not None:
            os.close(self.write_end)

    def write(self, data):
        os.write(self.write_end, data)

    def test_run_go_stop_and_the_end(self):
        self.write(b"run\ttarget=pytest:t.py::test[a\\tb]\tcalls=100\tduration=2.000\t"
                   b"max_calls=400\ngo\n")
        kind, fields = self.orders.next()
        self.assertEqual(kind, "run")
        self.assertEqual(fields["target"], "pytest:t.py::test[a\tb]")
        self.assertEqual(fields["max_calls"], "400")
        self.assertFalse(self.orders.settled())
        # An order torn across two reads.
        self.write(b"st")
        self.write(b"op\n")
        self.assertTrue(self.orders.settled())
        os.close(self.write_end)
        self.write_end = None
        self.assertIsNone(self.orders.next())
        # With no orders left, a test ends: the runner is gone.
        self.assertTrue(self.orders.settled())


class BatchTest(unittest.TestCase):
    """A suite's test (a serving child, on the runner's orders) is sampled
    in batches of 1/256 of --duration, a workload of its own in 1/32."""

    class Orders(object):
        def __init__(self, samples):
            self.samples = samples

        def settled(self):
            self.samples -= 1
            return self.samples <= 0

    class Clock(object):
        """time as run() reads it: each call of the workload takes 100 us."""

        def __init__(self):
            self.ns = 0

        def perf_counter_ns(self):
            return self.ns

        process_time_ns = perf_counter_ns

    def calibrated_batch(self, orders):
        clock = self.Clock()

        def work():
            clock.ns += 100000
        saved, agent.time = agent.time, clock
        try:
            with RecordPipe() as pipe:
                agent.run(agent.Probes(), work, 10 ** 7, int(2.56e9), 5000, orders)
                records = pipe.records().decode().splitlines()
        finally:
            agent.time = saved
        batches = [int(dict(f.split("=", 1) for f in r.split("\t")[1:])["batch"])
                   for r in records if r.startswith("calibrated\t")]
        self.assertEqual(len(batches), 1, records)
        return batches[0]

    def test_served_batches_are_smaller(self):
        # 2.56 s / 256 = 10 ms: 128 calls; 2.56 s / 32 = 80 ms: 1,024.
        self.assertEqual(self.calibrated_batch(self.Orders(20)), 128)
        self.assertEqual(self.calibrated_batch(None), 1024)

    class CostlyProbes(object):
        """Samples that cost 0.1 ms, then from the 11th read on 1 ms more
        each (what the collector visits grows), over a heap that grows by
        per_call bytes a call."""
        names = ["pymalloc_bytes", "malloc_bytes"]

        def __init__(self, clock, per_call):
            self.clock = clock
            self.per_call = per_call
            self.calls = 0
            self.reads = 0

        def read(self):
            self.reads += 1
            self.clock.ns += 100000 + max(0, self.reads - 10) * 1000000
            return [self.calls * self.per_call, 0]

    def sampled_batches(self, per_call):
        """The batches of a served run of 20 samples, calls of 100 us."""
        clock = self.Clock()
        probes = self.CostlyProbes(clock, per_call)

        def work():
            clock.ns += 100000
            probes.calls += 1
        saved, agent.time = agent.time, clock
        try:
            with RecordPipe() as pipe:
                agent.run(probes, work, 10 ** 7, int(2.56e9), 10 ** 6, self.Orders(20))
                records = pipe.records().decode().splitlines()
        finally:
            agent.time = saved
        calls = [int(dict(f.split("=", 1) for f in r.split("\t")[1:])["calls"])
                 for r in records if r.startswith("sample\t")]
        return [b - a for a, b in zip(calls, calls[1:])]

    def test_batches_grow_with_what_samples_cost(self):
        # Calibrated at 128 calls (12.8 ms); the last sample but one (the
        # 20th read) costs 10.1 ms, so the batch after it holds 20 x 10.1
        # ms of calls.
        batches = self.sampled_batches(0)
        self.assertEqual(batches[:8], [1, 2, 4, 8, 16, 32, 64, 128])
        self.assertEqual(batches[-1], 20 * 10100000 // 100000)

    def test_batches_stay_when_the_heap_grows_fast(self):
        # 100 KB a call: a batch grown for the samples' cost would add
        # 4 MiB in 41 calls, fewer than the 128 calibrated.
        batches = self.sampled_batches(100000)
        self.assertEqual(set(batches[8:]), {128})


class FootprintTest(unittest.TestCase):
    def test_the_agent_holds_as_many_objects_from_batch_to_batch(self):
        # A workload that keeps nothing: once the batches are steady, the
        # counts the samples read do not move, so neither may the agent's
        # own objects (a local first made in a steady batch was a block
        # more, and flat ends came two samples later).
        with RecordPipe() as pipe:
            agent.run(agent.Probes(), int, 100000, int(2e9), 30000)
            records = pipe.records().decode().splitlines()
        samples = [dict(f.split("=", 1) for f in r.split("\t")[1:])
                   for r in records if r.startswith("sample\t")]
        # The last batch, cut short by max_calls, is left out: its size
        # is an int of its own.
        steady = [(int(s["blocks"]), int(s["gc_objects"])) for s in samples[:-1]
                  if int(s["calls"]) >= 8000]
        self.assertGreaterEqual(len(steady), 5)
        self.assertEqual(len(set(steady)), 1, steady)


class ProbesTest(unittest.TestCase):
    def test_exact_counters(self):
        with RecordPipe():
            probes = agent.Probes()
            first = dict(zip(probes.names, probes.read()))
            kept = [object() for _ in range(1000)]
            second = dict(zip(probes.names, probes.read()))
        for name in ("blocks", "gc_collected", "gc_garbage"):
            self.assertIn(name, probes.names)
            self.assertIsInstance(first[name], int)
        self.assertGreaterEqual(second["blocks"] - first["blocks"], 1000)
        del kept


class Listener(object):
    """What the made-up heap below keeps."""


class ChainSearchTest(unittest.TestCase):
    """The retainer chain on a made-up heap: a registry in a module global,
    holding listeners by event name, as an event bus that never forgets."""

    def setUp(self):
        import types
        self.module = types.ModuleType("lg_fake_bus")
        self.module.HANDLERS = {"audit": [Listener(), Listener()]}
        sys.modules["lg_fake_bus"] = self.module

    def tearDown(self):
        del sys.modules["lg_fake_bus"]

    def test_chain_to_a_module_global(self):
        from _leakgate import explain_census, explain_chain
        search = explain_chain.ChainSearch([], explain_census.untracked_of)
        chain, root = search.search(self.module.HANDLERS["audit"][1])
        self.assertEqual(chain, "lg_fake_bus.HANDLERS['audit'][1] → test_agent.Listener")
        self.assertEqual(root, "lg_fake_bus.HANDLERS")
        self.assertFalse(search.by_c)

    def test_no_referrer_is_c(self):
        from _leakgate import explain_census, explain_chain
        search = explain_chain.ChainSearch([], explain_census.untracked_of)
        chain, why = search.search(Listener())
        self.assertIsNone(chain)
        self.assertIn("C code holds it", why)
        self.assertTrue(search.by_c)


@unittest.skipIf(__import__("importlib").util.find_spec("pytest") is None,
                 "pytest is not installed for this interpreter")
class SuiteTest(unittest.TestCase):
    """Tests of two files and a doctest, one after another in one session,
    as a serving child runs them."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        files = {
            "pytest.ini": "[pytest]\n",
            "test_a.py": """
                import pytest
                EVENTS = []

                @pytest.fixture(scope="module")
                def resource():
                    EVENTS.append("setup")
                    yield 1
                    EVENTS.append("teardown")

                def test_uses(resource):
                    assert resource == 1
            """,
            "test_b.py": """
                import test_a

                def test_after():
                    # test_a's module fixture was torn down before this test.
                    assert test_a.EVENTS == ["setup", "teardown"]
            """,
            "test_c.py": """
                import logging
                import pytest
                RUNS = []

                def test_output(capsys, caplog):
                    print("out")
                    logging.getLogger("c").warning("logged")
                    assert capsys.readouterr().out == "out\\n"
                    assert [r.getMessage() for r in caplog.records] == ["logged"]

                def test_third_run_fails():
                    RUNS.append(1)
                    print("run", len(RUNS))
                    assert len(RUNS) < 3

                @pytest.mark.xfail(reason="passes anyway")
                def test_xpass():
                    pass
            """,
            "test_d.py": """
                import os
                import unittest
                import pytest
                EVENTS = []
                RUNS = []

                @pytest.fixture
                def each():
                    EVENTS.append("up")
                    EVENTS.append(os.environ.get("PYTEST_CURRENT_TEST"))
                    yield
                    EVENTS.append("down")

                def test_each(each, capsys):
                    print("out")
                    assert capsys.readouterr().out == "out\\n"
                    assert os.environ["PYTEST_CURRENT_TEST"] == "test_d.py::test_each (call)"

                def test_skips_on_run_2():
                    RUNS.append(1)
                    if len(RUNS) == 2:
                        pytest.skip("enough")

                @pytest.fixture
                def breaks():
                    RUNS.append(1)
                    if len(RUNS) > 3:
                        raise OSError("no more")

                def test_setup_breaks(breaks):
                    pass

                class Unraisable(object):
                    def __del__(self):
                        raise ValueError("in __del__")

                def test_unraisable():
                    Unraisable()

                def test_prints():
                    print("a line the capture keeps in memory")

                def test_tmp(tmp_path):
                    (tmp_path / "made").write_text("run")

                class Case(unittest.TestCase):
                    runs = 0

                    def test_third_run_fails(self):
                        Case.runs += 1
                        self.assertLess(Case.runs, 3)
            """,
            "pytest_timeout.py": """
                # A stand-in for pytest-timeout: its hooks act on a test
                # with a timeout only.
                import pytest
                CALLS = []

                def pytest_addoption(parser):
                    parser.addini("timeout", "seconds")
                    parser.addoption("--timeout", dest="timeout", default=None)

                def pytest_configure(config):
                    config.addinivalue_line("markers", "timeout(seconds): a timeout")

                @pytest.hookimpl(hookwrapper=True)
                def pytest_runtest_call(item):
                    CALLS.append(item.name)
                    yield
            """,
            "test_e.py": """
                import pytest

                def test_plain():
                    pass

                @pytest.mark.timeout(5)
                def test_timed():
                    pass
            """,
            "hooked/conftest.py": """
                CALLS = []

                def pytest_runtest_call(item):
                    CALLS.append(item.name)
            """,
            "hooked/test_h.py": """
                def test_hooked():
                    pass
            """,
            "mod.py": '''
                SEED = 2

                def double(x):
                    """
                    >>> double(SEED)
                    4
                    """
                    return 2 * x
            ''',
        }
        os.mkdir(os.path.join(self.dir, "hooked"))
        for name, text in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(textwrap.dedent(text))
        self.cwd = os.getcwd()
        os.chdir(self.dir)
        sys.path.insert(0, self.dir)

    def tearDown(self):
        os.chdir(self.cwd)
        sys.path.remove(self.dir)
        for name in ("test_a", "test_b", "test_c", "test_d", "test_e", "test_h", "conftest",
                     "pytest_timeout", "mod"):
            sys.modules.pop(name, None)
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_tests_one_after_another(self):
        from _leakgate import pytest_target
        with RecordPipe():
            suite = pytest_target.Suite(["--doctest-modules", "-p", "no:cacheprovider",
                                         "test_a.py", "test_b.py", "mod.py"])
            try:
                for node in ("test_a.py::test_uses", "test_b.py::test_after",
                             "mod.py::mod.double"):
                    _, _, test = suite.load("pytest:" + node)
                    test.leakgate_prepare()
                    for _ in range(3):  # a doctest's second run finds SEED
                        test()
                with self.assertRaises(LookupError):
                    suite.load("pytest:test_a.py::test_missing")
            finally:
                suite.close()
                gc.unfreeze()
        self.assertFalse(os.path.exists(suite.cache_dir))

    def test_runs_after_the_first(self):
        """A test that passed its first run plainly runs without the capture
        plugin's wrappers (quick_run): its fixtures, capsys and caplog work
        as before, and a run that fails reports as the whole protocol
        would. An xpass keeps the whole protocol."""
        from _leakgate import pytest_target
        with RecordPipe():
            suite = pytest_target.Suite(["-p", "no:cacheprovider", "test_c.py"])
            try:
                _, _, output = suite.load("pytest:test_c.py::test_output")
                output.leakgate_prepare()
                self.assertIsNotNone(output.quick)
                self.assertFalse(output.quick.direct)  # caplog reads the logging hooks' records
                for _ in range(3):
                    output()
                _, _, third = suite.load("pytest:test_c.py::test_third_run_fails")
                third.leakgate_prepare()
                self.assertTrue(third.quick.direct)
                third()
                with self.assertRaises(pytest_target.TestFailure) as failed:
                    third()
                self.assertIn("passed 2 runs, failed run 3 (in call)", str(failed.exception))
                self.assertIn("assert 3 < 3", failed.exception.leakgate_text)
                _, _, xpass = suite.load("pytest:test_c.py::test_xpass")
                xpass.leakgate_prepare()
                self.assertIsNone(xpass.quick)
            finally:
                suite.close()
                gc.unfreeze()

    def test_direct_runs(self):
        """A test only pytest's own plugins hook runs without the phases'
        hooks (direct_run): its function fixtures are set up and torn down
        every run, capsys works, PYTEST_CURRENT_TEST is set, and a skip, a
        setup that breaks and a unittest case that fails on a later run
        report as the whole protocol would. A test a conftest.py hooks
        keeps the hooks."""
        from _leakgate import pytest_target
        with RecordPipe():
            suite = pytest_target.Suite(["-p", "no:cacheprovider", "test_d.py", "hooked"])
            try:
                def prepared(node):
                    test = suite.load("pytest:" + node)[2]
                    test.leakgate_prepare()
                    return test

                def failure(test):
                    with self.assertRaises(pytest_target.TestFailure) as failed:
                        test()
                    return (str(failed.exception), failed.exception.leakgate_type,
                            failed.exception.leakgate_text)

                each = prepared("test_d.py::test_each")
                self.assertTrue(each.quick.direct)
                for _ in range(2):
                    each()
                events = sys.modules["test_d"].EVENTS
                self.assertEqual(events, ["up", "test_d.py::test_each (setup)", "down"] * 3)
                self.assertNotIn("PYTEST_CURRENT_TEST", os.environ)
                message, _, _ = failure(prepared("test_d.py::test_skips_on_run_2"))
                self.assertEqual(message, "passed 1 run, skipped run 2: enough")
                setup = prepared("test_d.py::test_setup_breaks")
                self.assertTrue(setup.quick.direct)
                message, exc_type, text = failure(setup)
                self.assertEqual(message, "passed 1 run, failed run 2 (in setup): no more")
                self.assertEqual(exc_type, "OSError")
                self.assertIn("def breaks", text)
                case = prepared("test_d.py::Case::test_third_run_fails")
                self.assertTrue(case.quick.direct)
                case()
                message, _, text = failure(case)
                self.assertIn("passed 2 runs, failed run 3 (in call)", message)
                self.assertIn("3 not less than 3", text)
                tmp = prepared("test_d.py::test_tmp")
                # pytest 8's tmp_path reads the reports its plugin keeps; 7's none.
                keeps = [i for i in suite.config.hook.pytest_runtest_makereport.get_hookimpls()
                         if getattr(i.plugin, "__name__", "") == "_pytest.tmpdir"]
                self.assertEqual(tmp.quick.direct, not keeps)
                for _ in range(3):
                    tmp()
                self.assertEqual(set(os.listdir(tmp.basetemp)), tmp.temps)
                hooked = prepared("hooked/test_h.py::test_hooked")
                self.assertFalse(hooked.quick.direct)
                hooked()
                self.assertEqual(sys.modules["conftest"].CALLS, ["test_hooked"] * 2)
            finally:
                suite.close()
                gc.unfreeze()

    def test_plugins_that_act_on_some_tests(self):
        """A plugin known to hook the phases for some tests only (here a
        stand-in for pytest-timeout) leaves the others direct runs; the
        tests it acts on keep its hooks."""
        from _leakgate import pytest_target
        with RecordPipe():
            suite = pytest_target.Suite(["-p", "no:cacheprovider", "-p", "no:timeout",
                                         "-p", "pytest_timeout", "test_e.py"])
            try:
                tests = {}
                for name in ("test_plain", "test_timed"):
                    tests[name] = suite.load("pytest:test_e.py::" + name)[2]
                    tests[name].leakgate_prepare()
                    tests[name]()
                self.assertTrue(tests["test_plain"].quick.direct)
                self.assertFalse(tests["test_timed"].quick.direct)
                self.assertEqual(sys.modules["pytest_timeout"].CALLS,
                                 ["test_plain", "test_timed", "test_timed"])
            finally:
                suite.close()
                gc.unfreeze()

    def test_output_captured_in_memory_is_read_every_run(self):
        """With --capture=sys the captured output is the heap's: a direct
        run reads it every time, so none is left between runs."""
        from _leakgate import pytest_target
        with RecordPipe():
            suite = pytest_target.Suite(["-p", "no:cacheprovider", "--capture=sys",
                                         "test_d.py::test_prints"])
            try:
                test = suite.load("pytest:test_d.py::test_prints")[2]
                test.leakgate_prepare()
                self.assertTrue(test.quick.direct)
                self.assertEqual(test.quick.reads, 1)
                test()
                capturing = suite.config.pluginmanager.get_plugin("capturemanager")
                self.assertEqual(capturing._global_capturing.out.tmpfile.getvalue(), "")
            finally:
                suite.close()
                gc.unfreeze()

    def test_unraisable_exceptions_do_not_pile_up(self):
        """pytest 8.4 keeps unraisable exceptions in a queue of the session
        that its phase hooks empty: direct runs empty it too."""
        from _leakgate import pytest_target
        with RecordPipe():
            suite = pytest_target.Suite(["-p", "no:cacheprovider", "test_d.py::test_unraisable"])
            try:
                test = suite.load("pytest:test_d.py::test_unraisable")[2]
                test.leakgate_prepare()
                self.assertTrue(test.quick.direct)
                for _ in range(3):
                    test()
                try:
                    from _pytest.unraisableexception import unraisable_exceptions
                except ImportError:
                    return  # before pytest 8.4: a hook of each phase catches them
                self.assertEqual(len(suite.config.stash[unraisable_exceptions]), 0)
            finally:
                suite.close()
                gc.unfreeze()


if __name__ == "__main__":
    unittest.main()

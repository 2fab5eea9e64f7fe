"""Unit tests of the explain pass's phases (src/agent/explain_*.py), each on
its own, in-process, over made-up workloads that leak a known thing at a
known line: the type census, the cycles batch, the tracemalloc phase and
its sample, the retainer chain, the native dump's records, the resources.
"""
import gc
import os
import unittest

from test_agent import RecordPipe

from _leakgate import (explain_base, explain_census, explain_chain, explain_cycles,
                       explain_native, explain_resources, explain_trace)

SECOND = 10 ** 9


def parse(wire):
    """[(kind, {field: value})] of the records on the wire."""
    records = []
    for line in wire.decode("utf-8").split("\n"):
        if line:
            kind, *fields = line.split("\t")
            records.append((kind, dict(f.split("=", 1) for f in fields)))
    return records


def of_kind(records, kind):
    return [fields for k, fields in records if k == kind]


class Held(object):
    """What the workloads below keep (slots: 3.11's tracemalloc cannot
    locate an object with a managed __dict__ by itself)."""
    __slots__ = ()


KEPT = []


def keep_one():
    KEPT.append(Held())  # line: keep


def line_of(marker):
    with open(__file__) as f:
        for number, text in enumerate(f, 1):
            if text.rstrip().endswith("# line: " + marker):
                return number
    raise LookupError(marker)


class Phase(unittest.TestCase):
    """A phase's inputs, as explain.py's Explainer makes them."""

    function = staticmethod(keep_one)

    def setUp(self):
        del KEPT[:]
        self.own = set()
        self.driver = explain_base.Driver(self.function, 100000)
        self.places = explain_base.Places(self.function)

    def tearDown(self):
        del KEPT[:]
        gc.collect()


def keep_many():
    KEPT.append([Held() for _ in range(1000)])


class DriverTest(Phase):
    function = staticmethod(keep_many)

    def test_a_stretch_keeps_few_blocks(self):
        # A leak of 1,001 blocks a call: a stretch of calls ends once they
        # kept STRETCH_BLOCKS, long before its 5,000 calls or its second.
        made = self.driver.run_for(5000, SECOND)
        self.assertGreater(made, 0)
        self.assertLessEqual(made, 2 * explain_base.STRETCH_BLOCKS // 1000)
        self.assertEqual(self.driver.calls, made)

    def test_a_light_leak_runs_its_calls(self):
        self.driver = explain_base.Driver(keep_one, 100000)
        self.assertEqual(self.driver.run_for(5000, 10 * SECOND), 5000)


class PlacesTest(unittest.TestCase):
    def test_a_test_installed_with_its_package_is_the_users(self):
        # `--pyargs simplejson` runs tests that a package installed: a
        # test's location (pytest_target.PytestTest) is the user's code,
        # the rest of site-packages is not.
        installed = "/usr/lib/python3/dist-packages/pkg/tests/test_x.py"

        class Test(object):
            def location(self):
                return installed, 12

            def __call__(self):
                pass
        places = explain_base.Places(Test())
        self.assertTrue(places.is_user(installed))
        self.assertFalse(places.is_user("/usr/lib/python3/dist-packages/pkg/encoder.py"))
        self.assertTrue(explain_base.Places(keep_one).is_user(__file__))


class CensusTest(Phase):
    def test_the_type_that_grows(self):
        census = explain_census.Census(self.driver, self.own)
        with RecordPipe() as pipe:
            census.run(600, 2 * SECOND)
            records = parse(pipe.records())
        self.assertIn(Held, census.growing_types)
        self.assertGreaterEqual(len(census.points), 2)
        held = [r for r in of_kind(records, "type") if r["name"] == "test_explain.Held"]
        self.assertEqual(len(held), 1)
        counts = [int(n) for n in held[0]["count"].split(",")]
        calls = [int(n) for n in held[0]["calls"].split(",")]
        # One object a call: the count grows with the calls.
        self.assertEqual(counts[-1] - counts[0], calls[-1] - calls[0])
        self.assertEqual(held[0]["untracked"], "0")


def make_cycle():
    node = {}  # line: cycle
    node["self"] = node


class CyclesTest(Phase):
    function = staticmethod(make_cycle)

    def test_the_types_in_cycles(self):
        with RecordPipe() as pipe:
            explain_cycles.cycle_phase(self.driver, self.places, 50, SECOND)
            records = parse(pipe.records())
        cycles = {r["type"]: r for r in of_kind(records, "cycle")}
        self.assertIn("dict", cycles)
        self.assertGreaterEqual(int(cycles["dict"]["objects"]), 50)
        self.assertEqual(cycles["dict"]["calls"], "50")
        # Not traced (tracemalloc off): not located.
        self.assertNotIn("line", cycles["dict"])


class TraceTest(Phase):
    def test_the_site_and_the_sample(self):
        census = explain_census.Census(self.driver, self.own)
        traced = explain_trace.Traced(self.driver, self.places, self.own)
        with RecordPipe() as pipe:
            census.run(600, 2 * SECOND)
            sample = traced.run(census, (20, SECOND), (500, 2 * SECOND))
            chain = explain_chain.Chain(self.driver, self.places, self.own)
            chain.find(sample, census, traced.top_line)
            records = parse(pipe.records())
        self.assertIs(type(sample), Held)
        self.assertIn(sample, KEPT)
        line = str(line_of("keep"))
        sites = of_kind(records, "site")
        self.assertTrue(sites)
        self.assertEqual((sites[0]["file"], sites[0]["line"]), (__file__, line))
        self.assertEqual(traced.top_line, (__file__, int(line)))
        self.assertEqual(len(of_kind(records, "traced")), 1)
        chains = of_kind(records, "chain")
        self.assertEqual(len(chains), 1)
        self.assertEqual(chains[0]["found"], "1")
        self.assertEqual(chains[0]["root"], "test_explain.KEPT")
        self.assertTrue(chains[0]["text"].startswith("test_explain.KEPT["))

    def test_no_sample_when_nothing_grows(self):
        census = explain_census.Census(self.driver, self.own)
        chain = explain_chain.Chain(self.driver, self.places, self.own)
        with RecordPipe() as pipe:
            chain.find(None, census, None)
            records = parse(pipe.records())
        self.assertEqual(of_kind(records, "chain"),
                         [{"found": "0", "note": "no sample object: no Python type grows"}])


class NativeTest(Phase):
    def test_the_dump_as_records(self):
        names = [None, ("/src/app.py", 7)]
        dump = ("S 100 2 1\nF malloc\nF grow\nF _PyEval_EvalFrameDefault\nF main\n"
                "S 900 9 0\nF calloc\nD 3\n")
        with RecordPipe() as pipe:
            explain_native.send_native(dump, 40, names, self.places)
            records = parse(pipe.records())
        native = of_kind(records, "native")
        # The largest first; frames below the eval loop are Python's.
        self.assertEqual([r["bytes"] for r in native], ["900", "100"])
        self.assertEqual(native[0]["frames"], "calloc")
        self.assertNotIn("file", native[0])
        self.assertEqual(native[1]["frames"], "malloc\\ngrow")
        self.assertEqual((native[1]["file"], native[1]["line"]), ("/src/app.py", "7"))
        self.assertEqual(native[1]["calls"], "40")
        self.assertIn("3 allocations not recorded", of_kind(records, "note")[0]["text"])


FILES = []


def open_one():
    FILES.append(open(os.devnull))  # line: open


class ResourcesTest(Phase):
    function = staticmethod(open_one)

    def tearDown(self):
        for f in FILES:
            f.close()
        del FILES[:]
        super().tearDown()

    def test_the_fds_and_where_they_open(self):
        resources = explain_resources.Resources(self.places, self.own)
        with RecordPipe() as pipe:
            before = resources.now()
            resources.audit_phase(self.driver, 30, SECOND)
            resources.send(before, 30, {})
            records = parse(pipe.records())
        fds = [r for r in of_kind(records, "resource") if r["kind"] == "fd"]
        self.assertEqual(len(fds), 1)
        self.assertEqual(fds[0]["what"], os.devnull)
        self.assertEqual(fds[0]["count"], "30")
        self.assertEqual((fds[0]["file"], fds[0]["line"]), (__file__, str(line_of("open"))))


if __name__ == "__main__":
    unittest.main()

"""Clean tests: fixtures of every scope and pytest's own fixtures."""
import io
import logging
import warnings

import pytest

pytestmark = pytest.mark.leakcheck

MODULE_SETUPS = []


@pytest.fixture(scope="module")
def module_data():
    MODULE_SETUPS.append(1)
    return list(range(100))


@pytest.fixture
def fresh_list():
    items = []
    yield items
    items.clear()


def test_trivial():
    assert 1 + 1 == 2


def test_fixture_scopes(session_resource, module_data, fresh_list):
    # The module fixture runs once however often this test runs.
    assert len(MODULE_SETUPS) == 1
    session_resource["calls"] += 1
    fresh_list.extend(module_data)
    assert len(fresh_list) == 100


def test_tmp_path(tmp_path):
    (tmp_path / "data.txt").write_text("x" * 1000)
    assert (tmp_path / "data.txt").read_text() == "x" * 1000


def test_capsys(capsys):
    print("hello " * 50)
    out, _ = capsys.readouterr()
    assert out.startswith("hello")


def test_caplog(caplog):
    logging.getLogger("pysuite").warning("a warning record %s", "x" * 100)
    assert len(caplog.records) == 1


def test_monkeypatch(monkeypatch):
    monkeypatch.setenv("PYSUITE_VALUE", "1")
    monkeypatch.setattr(logging, "pysuite_attr", 1, raising=False)
    assert logging.pysuite_attr == 1


def test_output_and_warnings():
    print("printed " * 20)
    warnings.warn("a deprecation", DeprecationWarning)
    logging.getLogger("pysuite").error("logged %s", "y" * 100)


@pytest.mark.parametrize("text", ["utf-8", "a b", "\u00e9t\u00e9"])
def test_param(text):
    assert text.encode("utf-8").decode("utf-8") == text


def test_unicodé_name():
    # A node id with UTF-8 in it (pytest escapes it only in parameters).
    assert "é".upper() == "É"


@pytest.fixture
def derived(module_data, session_resource):
    return len(module_data) + session_resource["calls"] * 0


def test_fixture_by_name(request):
    # A fixture asked for by name, outside the test's closure, registers
    # its teardown again on the wider fixtures it uses on every run; a
    # marker the test adds to itself is of one run.
    request.applymarker(pytest.mark.leakcheck)
    assert request.getfixturevalue("derived") == 100


CACHE_RUNS = []


def test_cache(cache):
    # pytest's cache, in a directory of leakgate's, not the suite's; what a
    # run keeps there is gone before the next run, but the directory stays:
    # one made anew every run gets a new name (pytest 8), and CPython
    # 3.12.1 keeps every path name it interns.
    import os
    if CACHE_RUNS:
        assert os.path.isdir(str(cache._cachedir))
    else:
        CACHE_RUNS.append(True)
    here = os.path.dirname(os.path.abspath(__file__))
    assert not str(cache.mkdir("pysuite")).startswith(here)
    assert cache.get("pysuite/value", None) is None
    cache.set("pysuite/value", list(range(100)))
    assert cache.get("pysuite/value", None) == list(range(100))


STREAM = io.BytesIO()


def test_names_made_at_run_time():
    # An attribute looked up by a name made at every run, as a C
    # extension's PyObject_GetAttrString makes "read" or
    # monkeypatch.setattr("sys.stdout") makes "stdout": CPython's type
    # cache keeps each such name in one of its 4,096 entries for tens of
    # thousands of runs, unless it is cleared before a count.
    assert getattr(STREAM, "".join(("re", "ad")))() == b""


class TestGrouped:
    def test_method(self):
        assert [i * i for i in range(10)][3] == 9


@pytest.mark.skip(reason="not on this platform")
def test_skipped():
    raise AssertionError("never runs")


@pytest.mark.xfail(reason="known bug 42")
def test_xfail():
    assert 0


class RunWarning(Warning):
    """Shown once per place by default: not an error by pytest.ini."""


RUNS = [0]


def test_warning_registry_per_run():
    # pytest catches every run's warnings afresh, so a warning shown once
    # per place is shown again in the next run, and the registry of those
    # shown (one entry per text) holds this run's only, however many runs
    # share one capture of warnings.
    RUNS[0] += 1
    warnings.warn("run %d" % RUNS[0], RunWarning)
    assert len(globals().get("__warningregistry__", {})) <= 2


def test_warning_filters_per_run():
    # pytest restores the warning filters and showwarning after every run:
    # what a run set is gone in the next, however many runs share one
    # capture.
    assert not [f for f in warnings.filters
                if f[1] is not None and f[1].pattern.startswith("leakgate run ")]
    assert not getattr(warnings.showwarning, "by_this_test", False)
    warnings.filterwarnings("ignore", message="leakgate run %d" % RUNS[0])

    def showwarning(*args, **kwargs):
        pass
    showwarning.by_this_test = True
    warnings.showwarning = showwarning

"""Leaky and broken tests."""
import warnings

import pytest

pytestmark = pytest.mark.leakcheck

_HISTORY = []
_SEEN = set()


def test_leaks_into_module_list():
    _HISTORY.append("x" * (200 + len(_HISTORY) % 2))


@pytest.fixture
def cache():
    return _HISTORY


def test_leaks_through_fixture(cache):
    cache.append(bytearray(300))


def test_fails():
    assert 2 + 2 == 5, "arithmetic is broken"


def test_fails_on_second_run():
    # State left behind by the first run makes the second fail.
    assert "done" not in _SEEN, "state left behind by an earlier run"
    _SEEN.add("done")


_WARN_RUNS = [0]


def test_warns_late():
    # pytest.ini makes a UserWarning an error: in the runs that share a
    # batch too, not in the first run only.
    _WARN_RUNS[0] += 1
    if _WARN_RUNS[0] == 200:
        warnings.warn("a late warning", UserWarning)

"""Tests of one file run one after another in one interpreter: leakgate
collects the suite once per child, as pytest does once per run. The second
test finds what the first left, as in a plain pytest run."""
import os

import pytest

pytestmark = pytest.mark.leakcheck

RAN_IN = []


def test_first():
    if not RAN_IN:
        RAN_IN.append(os.getpid())


def test_second():
    # From its first run on, in the process that ran the first.
    assert RAN_IN == [os.getpid()]

"""Eats memory at once: 400 MB on the 30th call, then waits (the runner kills it).

One jump is not growth per call, so with --memory-limit below 400 MB this is an
error (memory-limit), not a leak.
"""
import time

_calls = 0
_hog = None


def run():
    global _calls, _hog
    _calls += 1
    if _calls == 30:
        _hog = b"x" * (400 << 20)
        time.sleep(30)

"""Error: calls os.abort() on the 20th call (the child dies of SIGABRT)."""

import os

_counter = [0]


def run():
    _counter[0] += 1
    if _counter[0] == 20:
        os.abort()

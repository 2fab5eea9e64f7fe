"""Error: calls sys.exit(3) on the 10th call (the child exits early)."""

import sys

_counter = [0]


def run():
    _counter[0] += 1
    if _counter[0] == 10:
        sys.exit(3)

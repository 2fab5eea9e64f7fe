"""Clean: allocates a random-size (1..20000 bytes) temporary each call and drops it."""

import random

_rng = random.Random(1234)


def run():
    n = _rng.randint(1, 20000)
    if n & 1:
        data = bytes(n)
    else:
        data = [0] * (n // 8 + 1)
    return len(data)

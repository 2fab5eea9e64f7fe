"""Leak: unbounded module-global memo dict keyed by an ever-increasing counter."""

_cache = {}
_counter = [0]


def run():
    n = _counter[0] = _counter[0] + 1
    _cache[n] = ("%08d" % n) * 25  # explain: site (a new 200-char string; a literal would be shared)

"""Clean: functools.lru_cache(maxsize=256) over 200 cycling keys stays bounded."""

import functools

_counter = [0]


@functools.lru_cache(maxsize=256)
def _describe(key):
    return (key, "item-%d" % key, key * key)


def run():
    _counter[0] += 1
    return _describe(_counter[0] % 200)

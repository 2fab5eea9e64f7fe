"""Clean: a bounded cache that is still filling when 90,000 calls have been made.

Keys cycle through 90,000 values and the cache holds 100,000, so the heap grows
for the first 90,000 calls and then stays flat. A run that stopped at 100,000
calls would see growth up to its last quarter; the agent must look further.
"""
import functools

_calls = 0


@functools.lru_cache(maxsize=100000)
def _render(key):
    return "item-%06d" % key


def run():
    global _calls
    _calls += 1
    _render(_calls % 90000)

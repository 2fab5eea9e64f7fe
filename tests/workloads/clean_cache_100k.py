"""Clean: a cache of 100,000 entries, one new key per call, the oldest evicted once
full. It fills at call 100,000, exactly --calls: the run must look past it."""

CAP = 100000
_cache = {}
_counter = [0]


def run():
    _counter[0] += 1
    _cache[_counter[0]] = "entry %d" % _counter[0]
    if len(_cache) > CAP:
        del _cache[next(iter(_cache))]

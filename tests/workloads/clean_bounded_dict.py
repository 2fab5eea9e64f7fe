"""Clean: a global dict capped at 2000 entries evicts its oldest key, so it stays bounded."""

CAP = 2000
_data = {}
_counter = [0]


def run():
    _counter[0] += 1
    _data[_counter[0]] = ("value", _counter[0])
    if len(_data) > CAP:
        del _data[next(iter(_data))]

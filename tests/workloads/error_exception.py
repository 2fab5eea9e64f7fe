"""Error: raises ValueError on the 50th call (the runner must report the exception)."""

_counter = [0]


def run():
    _counter[0] += 1
    if _counter[0] == 50:
        raise ValueError("bad input")

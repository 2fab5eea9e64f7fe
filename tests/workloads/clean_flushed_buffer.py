"""Clean: a global buffer grows by a ~100-byte string per call and is cleared every 97 calls."""

buffer = []
_counter = [0]


def run():
    _counter[0] += 1
    buffer.append("line %08d " % _counter[0] + "." * 86)
    if _counter[0] % 97 == 0:
        buffer.clear()

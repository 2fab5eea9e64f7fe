"""Clean: prints to stdout and stderr every call, sometimes invalid UTF-8; retains nothing."""

import sys

_counter = [0]


def run():
    _counter[0] += 1
    n = _counter[0]
    print("stdout line %d" % n)
    print("stderr line %d" % n, file=sys.stderr)
    if n % 100 == 0:
        sys.stdout.buffer.write(b"\xff\xfe bad utf8 \x80\n")
        sys.stderr.buffer.write(b"\xff\xfe bad utf8 \x80\n")

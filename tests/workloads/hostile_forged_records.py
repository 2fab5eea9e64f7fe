"""Hostile: the workload shares the agent's process, so it can write to the
record pipe (fd 3) itself. Each function forges records one way; the runner
must reject them as a protocol error, never crash or hang."""

import os

FD = 3
_calls = [0]
# Every metric an agent may announce: a sample must carry each.
METRICS = b"\t".join(b"%s=1" % name for name in (
    b"blocks", b"pymalloc_bytes", b"malloc_bytes", b"gc_objects", b"fds",
    b"threads", b"gc_collected", b"gc_garbage", b"refs"))


def _write(data):
    while data:
        data = data[os.write(FD, data):]


def out_of_order():
    """A sample whose calls go back to 1 once the agent's are higher."""
    _calls[0] += 1
    if _calls[0] == 500:
        _write(b"sample\tcalls=1\telapsed_ns=1\n")


def second_hello():
    """A second hello while the agent runs."""
    _calls[0] += 1
    if _calls[0] == 100:
        _write(b"hello\tproto=1\tmetrics=\n")


def junk():
    """Bytes that are no record at all, then a line past the limit."""
    _calls[0] += 1
    if _calls[0] == 100:
        _write(b"\x00\xff\tjunk=\\q\n" + b"x" * 70000)


def flood():
    """A flood of well-formed, increasing samples, far past any real run."""
    _calls[0] += 1
    if _calls[0] == 1:
        base = 1 << 40
        for i in range(5000):
            _write(b"sample\tcalls=%d\telapsed_ns=1\t%s\n" % (base + i, METRICS))

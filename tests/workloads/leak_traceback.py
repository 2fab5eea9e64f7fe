"""Leak: caught exceptions are kept in a global list; their tracebacks pin frames and locals."""

errors = []


def _fail():
    payload = list(range(20))
    raise RuntimeError("failed with %d items" % len(payload))


def run():
    try:
        _fail()
    except RuntimeError as exc:
        errors.append(exc)

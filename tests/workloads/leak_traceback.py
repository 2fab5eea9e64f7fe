"""Leak: caught exceptions are kept in a global list; their tracebacks pin frames and locals."""

errors = []


def _fail():
    payload = list(range(20))  # explain: site
    raise RuntimeError("failed with %d items" % len(payload))  # explain: site


def run():
    try:
        _fail()  # explain: site (its frame, before 3.11)
    except RuntimeError as exc:
        errors.append(exc)

"""Leak: a dict of plain values appended to a module-level list every call.
The dict holds only atomics, so the cycle collector does not track it."""

_seen = []


def run():
    _seen.append({"a": 1, "b": "x"})  # explain: site

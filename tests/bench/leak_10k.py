"""Leak: keeps 10 KB of bytes per call."""
_kept = []


def run():
    _kept.append(bytes(10000))

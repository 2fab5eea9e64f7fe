"""Module-target demo: run() is clean (a dropped dict); leak() keeps a 256-byte object per call."""

kept = []


def run():
    d = {"a": 1, "b": [2, 3], "c": "four"}
    return len(d)


def leak():
    kept.append(bytes(256))  # a new object each call

"""Leak: a small one (a record per call kept in a module-global list) in a
heap of a million live objects built at import (an in-memory table of 500k
rows, each with a list), which every walk of the heap must get through."""


class Row(object):
    __slots__ = ("key", "values")

    def __init__(self, key):
        self.key = key
        self.values = [key]


class Record(object):
    def __init__(self, n):
        self.n = n


_table = {key: Row(key) for key in range(500000)}
_history = []


def run():
    _history.append(Record(len(_history)))  # explain: site

"""Leak: a module-level cache keyed by a class made per call (as
pyrsistent 0.18.1's _field_common._seq_field_types): the class lives for
good, held by the cache; its own references (its base, its metaclass) are
not what keeps it."""

import enum

_field_types = {}


def checked(item_type):
    key = (item_type,)
    if key not in _field_types:
        _field_types[key] = type("Checked", (object,), {"item": item_type})  # explain: site
    return _field_types[key]


def run():
    class Foo(enum.Enum):  # explain: site
        a = 1
    checked(Foo)

"""Leak in C: a reference that C code takes and never gives back (here
Py_IncRef through ctypes), so the list lives on with no Python referrer."""

import ctypes

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def run():
    _incref([0] * 8)  # explain: site

"""Leaks references, not memory: what a C extension's missing Py_DECREF does.

Each call takes a new reference to a long-lived object and never releases it.
No byte is lost, so only a debug build's sys.gettotalrefcount() sees it
(leakgate's `refs` metric, with --python python3-dbg).
"""
import ctypes

_held = object()
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def run():
    _incref(_held)

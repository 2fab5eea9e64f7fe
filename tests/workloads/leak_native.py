"""Native leak: malloc(512) through ctypes, never freed; no Python object is retained."""

import ctypes
import ctypes.util

try:
    libc = ctypes.CDLL(None)
    libc.malloc
except (OSError, AttributeError):
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
_malloc = libc.malloc
_malloc.restype = ctypes.c_void_p
_malloc.argtypes = [ctypes.c_size_t]


def run():
    _malloc(512)  # explain: site

"""Leak in C: multidict 6.0.4's CIMultiDict.update from a mapping of more
than 256 items never frees (upstream issue #1134). Skips without multidict."""

try:
    from multidict import CIMultiDict
except ImportError:
    CIMultiDict = None

_items = {"k%d" % i: "v" for i in range(300)}


def run():
    d = CIMultiDict()
    d.update(_items)  # explain: site

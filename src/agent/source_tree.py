"""leakgate: whether a suite's tests import the code under test from the
source tree while an installed copy exists (a src/ layout put first on
sys.path by `pythonpath = src` or a conftest.py). The tree lacks what the
build made (compiled extensions, generated files), so what is measured is
not what was installed: said once, as a note of the collection."""

import os
import sys


def shadowed(root):
    """(name, tree file, installed origin) of each top-level module imported
    from under root whose name site-packages also holds. Cheap: a few stat
    calls per imported top-level module, once per suite."""
    from importlib.machinery import PathFinder
    root = os.path.realpath(root) + os.sep
    sites = [p for p in sys.path
             if os.path.basename(p) in ("site-packages", "dist-packages")
             and not os.path.realpath(p).startswith(root)]
    found = []
    for name, module in sorted(sys.modules.items()):
        where = getattr(module, "__file__", None)
        if "." in name or not where or not sites:
            continue
        where = os.path.realpath(where)
        if not where.startswith(root):
            continue
        try:
            spec = PathFinder.find_spec(name, sites)
        except (ImportError, ValueError):
            continue
        origin = spec and (spec.origin or
                           (spec.submodule_search_locations or [None])[0])
        if origin and origin != "namespace" and \
                not os.path.realpath(origin).startswith(root):
            found.append((name, os.path.relpath(where, root), origin))
    return found


def notes(root):
    return ["the tests import %s from the source tree (%s), not the installed "
            "copy (%s): what is measured lacks what the build made (compiled "
            "extensions, generated files); install it and drop the tree from "
            "sys.path (pythonpath, conftest.py), or run from another directory"
            % (name, where, origin) for name, where, origin in shadowed(root)]

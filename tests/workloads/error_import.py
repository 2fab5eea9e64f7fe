"""Error: importing this module raises ModuleNotFoundError (the runner must report it)."""

import leakgate_no_such_module  # noqa: F401


def run():
    pass

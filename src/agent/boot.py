"""leakgate agent bootstrap.

The runner starts the user's interpreter as `python -c BOOTSTRAP ARGS...`
(include/leakgate/proto.h) with every module of src/agent/ readable on fd 4
as `name NUL source NUL ...`, this module first. The bootstrap, a one-liner
`ps` shows whole, compiles this module from there and calls boot(bundle): the
modules become the package _leakgate, importable by name and compiled only
when imported, and _leakgate.agent runs. Nothing is written to disk.
"""
import sys

PACKAGE = "_leakgate"


class BundleImporter(object):
    """Finds _leakgate and _leakgate.NAME in the bundle (a meta path finder
    and its loader)."""

    def __init__(self, sources):
        self.sources = sources  # name -> source bytes

    def find_spec(self, name, path=None, target=None):
        if name != PACKAGE and not name.startswith(PACKAGE + "."):
            return None
        module = name[len(PACKAGE) + 1:]
        if name != PACKAGE and module not in self.sources:
            return None
        from importlib.machinery import ModuleSpec
        spec = ModuleSpec(name, self, origin=origin(module or "__init__"),
                          is_package=name == PACKAGE)
        spec.has_location = False
        return spec

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module):
        name = module.__name__[len(PACKAGE) + 1:]
        if name:
            code = compile(self.sources[name], origin(name), "exec")
            exec(code, module.__dict__)


def origin(name):
    """The file name the agent's frames show: crash reports skip them."""
    return "<leakgate>/%s.py" % name


def boot(bundle):
    parts = bundle.split(b"\0")
    sources = dict((parts[i].decode("ascii"), parts[i + 1])
                   for i in range(0, len(parts) - 1, 2))
    sys.meta_path.insert(0, BundleImporter(sources))
    # The agent's own imports must not be shadowed by files in the cwd.
    saved_path = sys.path[:]
    sys.path[:] = [p for p in sys.path if p]
    try:
        from _leakgate import agent
    finally:
        sys.path[:] = saved_path
    agent.entry(sys.argv[1:])

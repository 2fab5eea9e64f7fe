"""leakgate explain pass: why a workload leaks.

Run as `python -c BOOTSTRAP --explain TARGET calls=N duration=S native=0|1`
(agent.py imports it then). It runs in a fresh child,
after the detection pass judged the workload, and may be slow: the detection
pass never runs any of it.

After a warm-up, in phases over the same calls:
  census       live objects by type (gc.get_objects() and the untracked
               objects they hold) at several points: `type` records, fitted
               in C;
  tracemalloc  first a batch with gc.DEBUG_SAVEALL: the types in reference
               cycles (`cycle`); then memory alive by allocating traceback at
               several points (`site`, `traced`); then a sample of the leaked
               objects and the chain of references that keeps it (`chain`);
  native       with the allocator shim (LD_PRELOAD, src/shim/lgshim.c)
               armed: native blocks still alive after a batch, by stack;
  audited      a batch under an audit hook: where files and sockets open;
and the fds, threads and uncollectable objects that appeared: `resource`.
A phase that fails is noted and skipped; the others still report.
This module runs the phases; each is a module of its own: explain_census,
explain_cycles, explain_trace, explain_chain, explain_native and
explain_resources, over what explain_base holds for them all.
"""

import gc
import os

from . import (explain_base, explain_census, explain_chain, explain_cycles, explain_native,
               explain_resources, explain_trace)
from .common import begin, message_of, note, own_imports, send, traceback_of, type_name

inspect, = own_imports(["inspect"])

# Shares of the time and the calls: warm-up, census, cycles, tracemalloc,
# native, audited (where fds are opened).
SHARES = (0.10, 0.30, 0.05, 0.40, 0.10, 0.05)
# Most calls per phase, whatever the shares: a fast workload would otherwise
# fill the heap with millions of objects that every census, snapshot and
# referrer walk must visit. Enough for a leak of one object per few hundred
# calls to show at every point.
CALLS_CAP = (10000, 6000, 2000, 3000, 2000, 2000)


def explain_main(argv):
    spec = argv[0]
    options = dict(arg.split("=", 1) for arg in argv[1:] if "=" in arg)
    max_calls = max(1, int(options.get("calls", "1000")))
    duration_ns = int(float(options.get("duration", "1")) * 1e9)
    native = options.get("native") == "1"
    shim = own_shim() if native else None
    function = begin(spec, [], [("mode", "explain")])
    if function is None:
        return
    if native and shim is None:
        note("allocator shim not loaded (LD_PRELOAD overridden?): no native stacks")
    explainer = Explainer(function, max_calls, duration_ns, shim)
    try:
        explainer.run()
    except Exception as exc:  # a bug of ours: say so rather than end in silence
        note(traceback_of(exc))
        send("end", [("reason", "agent-error"), ("calls", explainer.driver.calls),
                     ("exc_type", type_name(exc)), ("message", message_of(exc))])


def own_shim():
    """The allocator shim, when it is loaded; kept from the workload's children."""
    preload = os.environ.get("LD_PRELOAD", "")
    if "lgshim" in preload:
        rest = [p for p in preload.split(":") if p and "lgshim" not in p]
        if rest:
            os.environ["LD_PRELOAD"] = ":".join(rest)
        else:
            del os.environ["LD_PRELOAD"]
    try:
        ctypes, = own_imports(["ctypes"])
        lib = ctypes.CDLL(None)
        lib.lgshim_arm, lib.lgshim_disarm, lib.lgshim_reset  # noqa: B018
        lib.lgshim_dump.restype = ctypes.c_long
        lib.lgshim_dump.argtypes = [ctypes.c_int]
        return lib
    except (ImportError, AttributeError, OSError):
        return None


class Explainer(object):

    def __init__(self, function, max_calls, duration_ns, shim):
        self.places = explain_base.Places(inspect.unwrap(function))
        self.driver = explain_base.Driver(function, max_calls)
        self.shim = shim
        self.calls_share = [max(1, min(cap, int(max_calls * s)))
                            for s, cap in zip(SHARES, CALLS_CAP)]
        self.ns_share = [int(duration_ns * s) for s in SHARES]
        # Containers of the agent's own that the census and the referrer
        # walk must not count or follow (ids: holding them would count too).
        # Each phase adds its own.
        self.own = set()
        self.own.add(id(self.own))
        self.census = explain_census.Census(self.driver, self.own)
        self.traced = explain_trace.Traced(self.driver, self.places, self.own)
        self.chain = explain_chain.Chain(self.driver, self.places, self.own)
        self.resources = explain_resources.Resources(self.places, self.own)
        for obj in (self, self.__dict__, self.driver, self.driver.__dict__, self.places,
                    self.places.__dict__, self.places.cache):
            self.own.add(id(obj))
        for namespace in (globals(), vars(explain_base), vars(explain_census),
                          vars(explain_chain), vars(explain_cycles), vars(explain_native),
                          vars(explain_resources), vars(explain_trace)):
            self.own.add(id(namespace))

    def run(self):
        driver = self.driver
        driver.run_for(self.calls_share[0], self.ns_share[0])
        gc.collect()
        before = self.resources.now()
        start_calls = driver.calls
        self.guarded("type census", self.census_phase)
        self.guarded("tracemalloc phase", self.trace_phase)
        if self.shim is not None:
            self.guarded("native phase", self.native_phase)
        self.guarded("audited batch", self.audit_phase)
        gc.collect()
        self.resources.send(before, driver.calls - start_calls, self.traced.thread_sites)
        if driver.failure is not None:
            exc_type, message = driver.failure
            send("end", [("reason", "exception"), ("calls", driver.calls),
                         ("exc_type", exc_type), ("message", message)])
        else:
            send("end", [("reason", "completed"), ("calls", driver.calls)])

    def guarded(self, what, phase):
        try:
            phase()
        except Exception as exc:
            note("%s failed, skipped: %s: %s" % (what, type_name(exc), message_of(exc)))

    def census_phase(self):
        self.census.run(self.calls_share[1], self.ns_share[1])

    def trace_phase(self):
        """The tracemalloc phase, the cycles batch in it, then the chain."""
        sample = self.traced.run(self.census, (self.calls_share[2], self.ns_share[2]),
                                 (self.calls_share[3], self.ns_share[3]))
        # The walk allocates much: not while every allocation is traced.
        self.chain.find(sample, self.census, self.traced.top_line)

    def native_phase(self):
        explain_native.native_phase(self.shim, self.driver, self.places, self.own,
                                    self.calls_share[4], self.ns_share[4])

    def audit_phase(self):
        self.resources.audit_phase(self.driver, self.calls_share[5], self.ns_share[5])

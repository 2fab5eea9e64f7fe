"""leakgate diagnostic pass: why a workload leaks.

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
"""

import gc
import os
import sys
import time
from itertools import compress, filterfalse, repeat

from .common import (PROTO_FD, begin, call_batch, message_of, note, own_code, own_imports,
                     send, traceback_of, type_name)

collections, inspect, linecache, re, threading, tracemalloc, types = own_imports(
    ["collections", "inspect", "linecache", "re", "threading", "tracemalloc", "types"])
operator, = own_imports(["operator"])

CENSUS_POINTS = 6         # intervals of the type census
TRACE_POINTS = 5          # intervals of the tracemalloc phase
TRACE_FRAMES = 16         # frames tracemalloc keeps per allocation
SEND_TYPES = 25           # types sent for the runner to fit and rank
SEND_SITES = 10
SEND_NATIVE = 8
SEND_RESOURCES = 5
SEND_FRAMES = 8           # frames of a traceback sent
NATIVE_FRAMES = 10        # native frames sent, allocator first
REFERENT_BUDGET = 4000000  # referents visited per census for untracked objects
LEVEL_CHUNK = 4096        # objects whose referents are taken in one call
UNTRACKED_CONTAINERS = frozenset((dict, tuple))
CHAIN_SECONDS = 2.0
CHAIN_NODES = 200000     # objects the walk keeps (it holds them, ids stay unique)
SAMPLE_TRIES = 100        # objects of a type tried as the chain's sample
NARROW_LEVEL = 16        # up to this many, a level's holders by gc.get_referrers
CODE_CHARS = 160
C_CALL_CALLS = 200        # calls under a profile hook to name the C function
C_CALL_NS = 100000000
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


def type_label(t):
    module = getattr(t, "__module__", None)
    name = getattr(t, "__qualname__", None) or getattr(t, "__name__", "?")
    if module in (None, "builtins"):
        return name
    return "%s.%s" % (module, name)


def callable_label(fn):
    self = getattr(fn, "__self__", None)
    func = getattr(fn, "__func__", None)
    if self is not None and func is not None:
        return "%s.%s" % (type_label(type(self)), getattr(func, "__name__", "?"))
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    module = getattr(fn, "__module__", None)
    if name is None:
        return type_label(type(fn))
    return name if module in (None, "builtins") else "%s.%s" % (module, name)


def ints(values):
    return ",".join("%d" % v for v in values)


class Places(object):
    """Which files are the user's: not the agent, not the standard library,
    not installed packages (the workload's own file always is)."""

    def __init__(self, function):
        self.stdlib = os.path.dirname(os.__file__) + os.sep
        code = getattr(function, "__code__", None)
        self.workload = code.co_filename if code is not None else None
        self.cache = {}

    def is_user(self, filename):
        known = self.cache.get(filename)
        if known is not None:
            return known
        if filename == self.workload:
            user = True
        elif filename.startswith("<"):
            user = False
        else:
            parts = filename.replace("\\", "/").split("/")
            user = not (filename.startswith(self.stdlib) or "site-packages" in parts
                        or "dist-packages" in parts)
        if len(self.cache) < 10000:
            self.cache[filename] = user
        return user

    @staticmethod
    def code(filename, line):
        return linecache.getline(filename, line).strip()[:CODE_CHARS]

    @staticmethod
    def path(filename):
        return filename if filename.startswith("<") else os.path.abspath(filename)

    def frame_fields(self, filename, line):
        return [("file", self.path(filename)), ("line", line),
                ("code", self.code(filename, line))]

    def user_frame(self, frame):
        """(file, line) of the innermost user frame of a live stack, or None."""
        depth = 0
        while frame is not None and depth < 64:
            if self.is_user(frame.f_code.co_filename):
                return frame.f_code.co_filename, frame.f_lineno
            frame = frame.f_back
            depth += 1
        return None

    def user_trace_frame(self, traceback):
        """The innermost user frame of a tracemalloc traceback, or None."""
        for frame in reversed(list(traceback)):  # oldest first since 3.7
            if self.is_user(frame.filename):
                return frame.filename, frame.lineno
        return None


class Driver(object):
    """Calls the workload in chunks; stops for good at its first exception."""

    def __init__(self, function, max_calls):
        self.function = function
        self.max_calls = max_calls
        self.calls = 0
        self.failure = None

    def run_for(self, max_calls, max_ns):
        clock = time.perf_counter_ns
        start = clock()
        done = 0
        # From one call up: a phase may have made each call much slower
        # (tracemalloc, a trace function), and a chunk is not interrupted.
        chunk = 1
        while self.failure is None and done < max_calls and self.calls < self.max_calls:
            n = min(chunk, max_calls - done, self.max_calls - self.calls)
            began = clock()
            made, failure = call_batch(self.function, n)
            self.calls += made
            done += made
            if failure is not None:
                self.failure = (type_name(failure), message_of(failure))
                failure = None
                break
            if clock() - began < 2000000 and chunk < 65536:
                chunk *= 2
            if clock() - start >= max_ns:
                break
        return done


class Explainer(object):

    def __init__(self, function, max_calls, duration_ns, shim):
        self.places = Places(inspect.unwrap(function))
        self.driver = Driver(function, max_calls)
        self.shim = shim
        self.calls_share = [max(1, min(cap, int(max_calls * s)))
                            for s, cap in zip(SHARES, CALLS_CAP)]
        self.ns_share = [int(duration_ns * s) for s in SHARES]
        # Containers of the agent's own that the census and the referrer
        # walk must not count or follow (ids: holding them would count too).
        self.own = set()
        self.own.add(id(self.own))
        # [(calls, {type: count}, {type: bytes}, {type: untracked count})]
        self.census_points = []
        self.untracked = set()    # types found as referents only
        # Types whose growth is mostly of objects gc does not track (dicts
        # of plain values): their sample is found from tracked holders.
        self.untracked_growing = set()
        self.top_line = None      # (file, line) allocating the top site
        self.opens = {}           # (what, user frame) -> count, by the audit hook
        self.auditing = False
        self.in_hook = False
        for obj in (self, self.__dict__, self.driver, self.driver.__dict__, self.places,
                    self.places.__dict__, self.places.cache, self.census_points,
                    self.untracked, self.untracked_growing, self.opens, globals()):
            self.own.add(id(obj))

    # -- the run ---------------------------------------------------------------

    def run(self):
        driver = self.driver
        driver.run_for(self.calls_share[0], self.ns_share[0])
        gc.collect()
        before = self.resources_now()
        start_calls = driver.calls
        self.guarded("type census", self.census_phase)
        self.guarded("tracemalloc phase", self.trace_phase)
        if self.shim is not None:
            self.guarded("native phase", self.native_phase)
        self.guarded("audited batch", self.audit_phase)
        gc.collect()
        self.send_resources(before, driver.calls - start_calls)
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

    def intervals(self, phase, points):
        calls = max(1, self.calls_share[phase] // points)
        return calls, self.ns_share[phase] // points

    # -- census of live objects by type ------------------------------------------

    def untracked_reach(self, objects):
        """The objects gc does not track (str, int, bytes, dicts and tuples
        of such) that objects refer to, directly or through untracked
        containers (which cannot form cycles), each once: {id: object}.
        A level at a time, each in a few C calls (get_referents of the whole
        level, filters, a dict of ids), never a Python step per referent;
        within REFERENT_BUDGET referents."""
        found = {}
        referents, tracked = gc.get_referents, gc.is_tracked
        budget = REFERENT_BUDGET
        level = objects
        while level:
            refs = []
            for at in range(0, len(level), LEVEL_CHUNK):
                if budget <= 0:
                    self.truncated = True
                    break
                chunk = referents(*level[at:at + LEVEL_CHUNK])
                budget -= len(chunk)
                refs += filterfalse(tracked, chunk)
                del chunk
            new = dict(zip(map(id, refs), refs))
            del refs
            if found:
                for known in found.keys() & new.keys():
                    del new[known]
            found.update(new)
            level = list(compress(new.values(),
                                  map(UNTRACKED_CONTAINERS.__contains__,
                                      map(type, new.values()))))
            del new
        return found

    @staticmethod
    def untracked_of(objects, types):
        """The untracked objects of types that objects refer to (as
        untracked_reach), an object held twice comes twice, but nothing is
        allocated per object: for when tracemalloc traces every allocation,
        and for a chain's untracked holders (no {id: object} of them all)."""
        found, level = [], objects
        budget = REFERENT_BUDGET
        is_wanted = frozenset(types).__contains__
        is_container = UNTRACKED_CONTAINERS.__contains__
        while level and budget > 0:
            containers = []
            for at in range(0, len(level), LEVEL_CHUNK):
                refs = gc.get_referents(*level[at:at + LEVEL_CHUNK])
                budget -= len(refs)
                found += compress(refs, map(is_wanted, map(type, refs)))
                containers += compress(refs, map(is_container, map(type, refs)))
                del refs
            level = list(filterfalse(gc.is_tracked, containers))
            del containers
        return list(filterfalse(gc.is_tracked, found))

    def take_census(self):
        counts, sizes, loose = self.census()
        point = (self.driver.calls, counts, sizes, loose)
        for obj in (point, counts, sizes, loose):
            self.own.add(id(obj))
        self.census_points.append(point)

    def census(self, warm_up=False):
        """({type: count}, {type: bytes}, {type: count of the untracked})
        of the live objects, the agent's own left out. warm_up: of no
        object, so that what the first run of this code leaves behind
        (isinstance's ABC caches: sets, weakrefs) exists before the first
        census and does not read as growth."""
        own = self.own
        gc.collect()
        objects = [] if warm_up else gc.get_objects()
        objects = list(compress(objects, map(operator.not_,
                                             map(own.__contains__, map(id, objects)))))
        own.add(id(objects))
        try:
            found = list(self.untracked_reach(objects).values())
            counts = collections.Counter(map(type, objects))
            tracked_types = set(counts)
            loose = collections.Counter(map(type, found))
            counts.update(loose)
            self.untracked.update(t for t in counts if t not in tracked_types)
            sizes = {}
            getsizeof = sys.getsizeof
            for group in (objects, found):
                for t, size in zip(map(type, group), map(getsizeof, group, repeat(0))):
                    sizes[t] = sizes.get(t, 0) + size
            del found
        finally:
            own.discard(id(objects))
            del objects
        return dict(counts), sizes, dict(loose)

    def census_phase(self):
        self.census(warm_up=True)
        started = time.perf_counter()
        self.take_census()
        cost = time.perf_counter() - started
        # Each census visits the whole heap: on a large one fewer points,
        # never fewer than the two ends.
        budget = self.ns_share[1] / 1e9
        intervals = max(1, min(CENSUS_POINTS, int(budget / max(cost, 1e-6)) - 1))
        calls, ns = self.intervals(1, intervals)
        for _ in range(intervals):
            if not self.driver.run_for(calls, ns):
                break
            self.take_census()
        points = self.census_points
        if getattr(self, "truncated", False):
            note("type census: objects gc does not track counted only in part (large heap)")
        if len(points) < 2:
            return
        first, last = points[0], points[-1]
        growth = []
        for t in set(first[1]) | set(last[1]):
            grew = last[1].get(t, 0) - first[1].get(t, 0)
            bytes_grew = last[2].get(t, 0) - first[2].get(t, 0)
            if grew > 0 and 2 * (last[3].get(t, 0) - first[3].get(t, 0)) >= grew:
                self.untracked_growing.add(t)
            if grew > 0 or bytes_grew > 0:
                growth.append((bytes_grew, grew, t))
        growth.sort(key=lambda g: (g[0], g[1]), reverse=True)
        # The chain's sample: one of the top five, or a class of Python code
        # that grows too (a Thread is small beside its locks and cells).
        top = [t for _, grew, t in growth if grew > 0][:5]
        most = max([grew for _, grew, _ in growth] + [0])
        self.growing_types = top + [t for _, grew, t in growth if t not in top
                                    and grew * 10 >= most > 0 and python_class(t)]
        for _, _, t in growth[:SEND_TYPES]:
            send("type", [("name", type_label(t)),
                          ("untracked", int(t in self.untracked
                                            or t in self.untracked_growing)),
                          ("calls", ints(p[0] for p in points)),
                          ("count", ints(p[1].get(t, 0) for p in points)),
                          ("bytes", ints(p[2].get(t, 0) for p in points))])

    # -- reference cycles -------------------------------------------------------

    def cycle_phase(self):
        """A batch with gc.DEBUG_SAVEALL: what the collector finds is kept in
        gc.garbage, to be counted by type (and located: tracemalloc runs)."""
        gc.collect()
        saved = len(gc.garbage)
        flags = gc.get_debug()
        gc.set_debug(flags | gc.DEBUG_SAVEALL)
        found, where = {}, {}
        try:
            made = self.driver.run_for(self.calls_share[2], self.ns_share[2])
            gc.collect()
            for obj in gc.garbage[saved:]:
                t = type(obj)
                found[t] = found.get(t, 0) + 1
                if t not in where:
                    site = self.object_site(obj)
                    if site is not None:
                        where[t] = site
            obj = None
        finally:
            gc.set_debug(flags)
            del gc.garbage[saved:]
        gc.collect()
        if not made:
            return
        for t, n in sorted(found.items(), key=lambda kv: kv[1], reverse=True)[:SEND_RESOURCES]:
            fields = [("type", type_label(t)), ("objects", n), ("calls", made)]
            if t in where:
                fields += self.places.frame_fields(*where[t])
            send("cycle", fields)

    # -- tracemalloc: where the memory that stays was allocated ----------------

    def traced_groups(self):
        """{traceback: (bytes, blocks)} of the memory traced now, tracebacks
        as ((file, line), ...) most recent first, only those through the
        user's code (the rest is the agent's and the libraries' own)."""
        raw_traces = getattr(tracemalloc, "_get_traces", None)
        groups = {}
        if raw_traces is None:  # grouped by tracemalloc itself: slower
            for stat in tracemalloc.take_snapshot().statistics("traceback"):
                frames = tuple((f.filename, f.lineno) for f in reversed(list(stat.traceback)))
                groups[frames] = (stat.size, stat.count)
        else:
            # Every allocation in this loop is traced too, slowly: so no
            # new ints per trace (no id(), no running sums), only appends.
            sizes = {}
            for trace in raw_traces():
                row = sizes.get(trace[2])
                if row is None:
                    sizes[trace[2]] = [trace[1]]
                else:
                    row.append(trace[1])
            for frames, row in sizes.items():
                groups[frames] = (sum(row), len(row))
            del sizes
        is_user = self.places.is_user
        for frames in list(groups):
            if not frames or own_code(frames[0][0]) or \
                    not any(is_user(f[0]) for f in frames):
                del groups[frames]
        return groups

    def trace_phase(self):
        calls, ns = self.intervals(3, TRACE_POINTS)
        sites = {}    # traceback -> ([bytes per point], [blocks per point])
        totals, at, sample = [], [], None
        sites_id = id(sites)
        self.own.add(sites_id)
        tracemalloc.start(TRACE_FRAMES)
        try:
            self.cycle_phase()  # traced: the cycles' allocation sites
            # The heap from before stays as it is: frozen, every collection
            # below skips it, and what is left in gc.get_objects() is new.
            gc.collect()
            gc.freeze()
            for k in range(TRACE_POINTS + 1):
                if k and not self.driver.run_for(calls, ns):
                    break
                gc.collect()
                groups = self.traced_groups()
                total = 0
                for frames, (size, count) in groups.items():
                    total += size
                    row = sites.get(frames)
                    if row is None:
                        row = sites[frames] = ([0] * (TRACE_POINTS + 1),
                                               [0] * (TRACE_POINTS + 1))
                    row[0][k] = size
                    row[1][k] = count
                del groups
                totals.append(total)
                at.append(self.driver.calls)
            n = len(at)
            if n >= 2:
                send("traced", [("calls", ints(at)), ("bytes", ints(totals))])
                self.send_sites(sites, at)
            del sites
            sample = self.pick_sample()
            self.thread_sites = self.trace_threads()
        finally:
            gc.unfreeze()
            tracemalloc.stop()
            self.own.discard(sites_id)
        # The walk allocates much: not while every allocation is traced.
        self.find_chain(sample)

    def send_sites(self, sites, at):
        n = len(at)
        ranked = sorted(sites.items(), key=lambda kv: kv[1][0][n - 1] - kv[1][0][0],
                        reverse=True)
        places = self.places
        for traceback, (sizes, counts) in ranked[:SEND_SITES]:
            if sizes[n - 1] - sizes[0] <= 0:
                break
            if self.top_line is None:
                # Where the memory that grows most was allocated: the line
                # that called into C, when C code keeps it.
                self.top_line = traceback[0]
            fields = [("calls", ints(at)), ("bytes", ints(sizes[:n])),
                      ("blocks", ints(counts[:n]))]
            for filename, line in traceback:
                if places.is_user(filename):
                    fields += places.frame_fields(filename, line)
                    break
            frames = []
            for filename, line in traceback:
                if own_code(filename):
                    continue
                frames.append("%s\t%d\t%s" % (places.path(filename), line,
                                              places.code(filename, line)))
                if len(frames) == SEND_FRAMES:
                    break
            fields.append(("frames", "\n".join(frames)))
            send("site", fields)

    # -- the retainer chain -----------------------------------------------------

    def pick_sample(self):
        """An object of a growing type allocated during the traced phase by the
        user's code (tracemalloc knows where), preferring classes of Python
        code (a Logger rather than the dict it holds), then the top type.
        Called with the heap from before the phase frozen: gc.get_objects()
        is what the phase made."""
        growing = getattr(self, "growing_types", [])
        wanted = {}
        for rank, t in enumerate(sorted(growing, key=lambda t: not python_class(t))):
            wanted.setdefault(t, rank)
        if not wanted:
            return None
        best, best_rank = None, len(wanted)
        own = self.own
        tries = [SAMPLE_TRIES] * len(wanted)
        objects = gc.get_objects()
        own.add(id(objects))
        try:
            # Newest first: the sample should be one of the leaked ones. When
            # the newest few of a type cannot be located, older ones cannot.
            for obj in reversed(objects):
                rank = wanted.get(type(obj))
                if rank is None or rank >= best_rank or not tries[rank] or id(obj) in own:
                    continue
                tries[rank] -= 1
                if self.object_site(obj) is not None:
                    best, best_rank = obj, rank
                    if rank == 0:
                        break
            obj = None
            loose = self.untracked | self.untracked_growing
            if not any(t in loose for t, rank in wanted.items() if rank < best_rank):
                return best
            # Untracked objects (str, bytes ...) are held by old containers
            # as well as new ones: from the whole heap.
            gc.unfreeze()
            own.discard(id(objects))
            objects = gc.get_objects()
            own.add(id(objects))
            found = self.untracked_of(objects, [t for t in wanted if t in loose])
            for obj in reversed(found):
                rank = wanted.get(type(obj))
                if rank is None or rank >= best_rank:
                    continue
                tb = tracemalloc.get_object_traceback(obj)
                if tb is not None and self.places.user_trace_frame(tb) is not None:
                    best, best_rank = obj, rank
                    if rank == 0:
                        break
            obj = found = None
        finally:
            own.discard(id(objects))
            del objects
        return best

    def find_chain(self, sample):
        if sample is None:
            # Memory grows that no object gc or its holders can reach
            # accounts for: C code keeps it (blocks, or references of its own).
            grows = bool(getattr(self, "growing_types", None))
            fields = [("found", 0), ("note", "no sample object: none of the growing types "
                                     "allocated by the workload's code" if grows else
                                     "no sample object: no Python type grows")]
            # (Not when the census saw the untracked objects only in part.)
            if not grows and self.top_line is not None and \
                    not getattr(self, "truncated", False):
                fields += self.c_call_fields()
            send("chain", fields)
            return
        label = type_label(type(sample))
        search = ChainSearch(self.own, self.untracked_of)
        try:
            found = search.search(sample)
        except Exception as exc:  # a hostile __eq__, __dict__ ... must not end the pass
            found = None, "referrer walk failed: %s" % message_of(exc)
        del sample
        text, detail = found
        if text is None:
            fields = [("found", 0), ("sample", label), ("note", detail)]
            if search.by_c:
                fields += self.c_call_fields()
            send("chain", fields)
        else:
            send("chain", [("found", 1), ("sample", label), ("text", text),
                           ("root", detail)])

    def c_call_fields(self):
        """held=c, and the C function that the line allocating most
        (self.top_line) calls, from a short batch under a profile hook:
        ccall=its name, clib=its extension's file, file/line/code."""
        fields = [("held", "c")]
        where = self.top_line
        if where is None:
            return fields
        seen = {}
        mine = id(seen)
        self.own.add(mine)

        def profile(frame, event, arg):
            if event == "c_call" and (frame.f_code.co_filename, frame.f_lineno) == where:
                module = c_module(arg)
                key = (module, c_label(arg, module))
                seen[key] = seen.get(key, 0) + 1

        sys.setprofile(profile)
        try:
            self.driver.run_for(C_CALL_CALLS, C_CALL_NS)
        finally:
            sys.setprofile(None)
            self.own.discard(mine)
        fields += self.places.frame_fields(*where)
        # The one called most; of an extension rather than a builtin.
        ranked = sorted(seen.items(), key=lambda kv: (kv[0][0] not in (None, "builtins"),
                                                      kv[1], kv[0][1]), reverse=True)
        if ranked:
            (module, label), _ = ranked[0]
            fields.append(("ccall", label))
            path = getattr(sys.modules.get(module or ""), "__file__", None)
            if path:
                fields.append(("clib", os.path.basename(path)))
        return fields

    # -- native blocks ------------------------------------------------------------

    def native_phase(self):
        ctypes, = own_imports(["ctypes"])
        lib = self.shim
        site = ctypes.c_int.in_dll(lib, "lgshim_site")
        ids, names = {}, [None]
        places = self.places
        mine = (id(ids), id(names))
        self.own.update(mine)

        def line(frame, event, arg):
            if event == "line":
                key = (frame.f_code.co_filename, frame.f_lineno)
                i = ids.get(key)
                if i is None:
                    i = ids[key] = len(names)
                    names.append(key)
                site.value = i
            return line

        def call(frame, event, arg):
            return line if places.is_user(frame.f_code.co_filename) else None

        gc.collect()
        lib.lgshim_reset()
        sys.settrace(call)
        lib.lgshim_arm()
        try:
            made = self.driver.run_for(self.calls_share[4], self.ns_share[4])
        finally:
            lib.lgshim_disarm()
            sys.settrace(None)
        gc.collect()
        try:
            fd = os.memfd_create("leakgate-shim")
        except (AttributeError, OSError):
            tempfile, = own_imports(["tempfile"])
            fd = os.dup(tempfile.TemporaryFile().fileno())
        try:
            lib.lgshim_dump(fd)
            size = os.lseek(fd, 0, os.SEEK_CUR)
            os.lseek(fd, 0, os.SEEK_SET)
            text = os.read(fd, size).decode("utf-8", "replace")
        finally:
            os.close(fd)
            lib.lgshim_reset()
        if made:
            self.send_native(text, made, names)
        self.own.difference_update(mine)

    def send_native(self, text, calls, names):
        groups, frames = [], None
        for row in text.split("\n"):
            if row.startswith("S "):
                nbytes, blocks, site = row[2:].split(" ")
                frames = []
                groups.append((int(nbytes), int(blocks), int(site), frames))
            elif row.startswith("F ") and frames is not None:
                frames.append(row[2:])
            elif row.startswith("D ") and int(row[2:]) > 0:
                note("allocator shim: %s allocations not recorded (tables full)" % row[2:])
        groups.sort(key=lambda g: g[0], reverse=True)
        for nbytes, blocks, site, stack in groups[:SEND_NATIVE]:
            kept = []
            for frame in stack:
                # Below the interpreter's eval loop the stack is Python's.
                if frame.startswith("_PyEval_EvalFrame"):
                    break
                kept.append(frame)
                if len(kept) == NATIVE_FRAMES:
                    break
            fields = [("bytes", nbytes), ("blocks", blocks), ("calls", calls),
                      ("frames", "\n".join(kept))]
            if 0 < site < len(names):
                fields += self.places.frame_fields(*names[site])
            send("native", fields)

    # -- resources: fds, threads, uncollectable objects ------------------------

    def audit_phase(self):
        """A batch with an audit hook that notes where files and sockets are
        opened. Last: a hook cannot be removed, and it slows every audited
        call (id() is one) for good."""
        sys.addaudithook(self.audit)
        self.auditing = True
        try:
            self.driver.run_for(self.calls_share[5], self.ns_share[5])
        finally:
            self.auditing = False

    def audit(self, event, args):
        if not self.auditing or self.in_hook or event not in ("open", "socket.__new__"):
            return
        self.in_hook = True
        try:
            if event == "open":
                what = args[0]
                if isinstance(what, bytes):
                    what = os.fsdecode(what)
                if not isinstance(what, str):
                    return
            else:
                what = "socket"
            where = self.places.user_frame(sys._getframe(1))
            key = (what, where)
            if key in self.opens or len(self.opens) < 1000:
                self.opens[key] = self.opens.get(key, 0) + 1
        finally:
            self.in_hook = False

    def resources_now(self):
        fds = {}
        try:
            for name in os.listdir("/proc/self/fd"):
                try:
                    fds[int(name)] = os.readlink("/proc/self/fd/" + name)
                except (OSError, ValueError):
                    pass
        except OSError:
            fds = None
        threads = set(id(t) for t in threading.enumerate())
        return fds, threads, len(gc.garbage)

    def trace_threads(self):
        """Where the threads started since warm-up were created (while traced)."""
        found = {}
        for t in threading.enumerate():
            label = thread_label(t)
            if label not in found:
                where = self.object_site(t)
                if where is not None:
                    found[label] = where
        return found

    def object_site(self, obj):
        """The user's line that allocated obj (while traced), or None. 3.11's
        tracemalloc misses objects with a managed __dict__: then what their
        attributes hold tells, made by the same call, seen from outside the
        class's __init__."""
        tb = tracemalloc.get_object_traceback(obj)
        if tb is not None:
            return self.places.user_trace_frame(tb)
        try:
            values = list(object.__getattribute__(obj, "__dict__").values())[:16]
        except (AttributeError, TypeError):
            return None
        init = None
        for value in values:
            tb = tracemalloc.get_object_traceback(value)
            if tb is None:
                continue
            if init is None:
                init = code_span(getattr(type(obj), "__init__", None)) or ()
            for frame in reversed(list(tb)):
                if init and frame.filename == init[0] and init[1] <= frame.lineno <= init[2]:
                    continue
                if self.places.is_user(frame.filename):
                    return frame.filename, frame.lineno
        return None

    def send_resources(self, before, calls):
        fds_before, threads_before, garbage_before = before
        after = self.resources_now()
        if fds_before is not None and after[0] is not None:
            self.send_fds(fds_before, after[0], calls)
        self.send_threads(threads_before, calls)
        found = {}
        for obj in gc.garbage[garbage_before:]:
            found[type_label(type(obj))] = found.get(type_label(type(obj)), 0) + 1
        for what, n in sorted(found.items(), key=lambda kv: kv[1], reverse=True)[:SEND_RESOURCES]:
            send("resource", [("kind", "garbage"), ("what", what), ("count", n),
                              ("calls", calls)])

    def send_fds(self, before, after, calls):
        socket, = own_imports(["socket"])
        kinds = {}
        for fd, target in after.items():
            if before.get(fd) == target or fd == PROTO_FD:
                continue
            what = target
            if target.startswith("socket:"):
                what = "socket"
                try:
                    s = socket.socket(fileno=fd)
                    try:
                        what = "socket (%s, %s)" % (s.family.name, s.type.name)
                    finally:
                        s.detach()
                except (OSError, ValueError, AttributeError):
                    pass
            elif target.startswith("pipe:"):
                what = "pipe"
            kinds[what] = kinds.get(what, 0) + 1
        opened = {}
        for (path, where), n in self.opens.items():
            if where is None:
                continue
            key = "socket" if path == "socket" else os.path.realpath(path)
            best = opened.get(key)
            if best is None or n > best[1]:
                opened[key] = (where, n)
        for what, n in sorted(kinds.items(), key=lambda kv: kv[1], reverse=True)[:SEND_RESOURCES]:
            fields = [("kind", "fd"), ("what", what), ("count", n), ("calls", calls)]
            where = opened.get("socket" if what.startswith("socket") else what)
            if where is not None:
                fields += self.places.frame_fields(*where[0])
            send("resource", fields)

    def send_threads(self, before, calls):
        kinds = {}
        for t in threading.enumerate():
            if id(t) not in before:
                label = thread_label(t)
                kinds[label] = kinds.get(label, 0) + 1
        sites = getattr(self, "thread_sites", {})
        for label, n in sorted(kinds.items(), key=lambda kv: kv[1], reverse=True)[:SEND_RESOURCES]:
            fields = [("kind", "thread"), ("what", label), ("count", n), ("calls", calls)]
            if label in sites:
                fields += self.places.frame_fields(*sites[label])
            send("resource", fields)


def c_module(fn):
    """The module of a C function or method ("multidict._multidict")."""
    self = getattr(fn, "__self__", None)
    if self is not None and not isinstance(self, types.ModuleType):
        return getattr(type(self), "__module__", None)
    return getattr(fn, "__module__", None) or getattr(self, "__name__", None)


def c_label(fn, module):
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "?")
    return name if module in (None, "builtins") else "%s.%s" % (module, name)


def python_class(t):
    """Whether t is a class of Python code (a Logger, a Thread), not a
    builtin or C type: a heap type with a function of its own."""
    try:
        return bool(t.__flags__ & (1 << 9)) and any(
            isinstance(v, types.FunctionType) for v in vars(t).values())
    except Exception:  # a metaclass's own __flags__ or __dict__
        return False


def code_span(function):
    """(file, first line, last line) of a Python function, else None."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    dis, = own_imports(["dis"])
    lines = [line for _, line in dis.findlinestarts(code) if line]
    return code.co_filename, code.co_firstlineno, max(lines or [code.co_firstlineno])


def thread_label(t):
    target = getattr(t, "_target", None)
    name = re.sub(r"[0-9]+", "N", t.name)
    if target is None:
        what = "%s, run %s.run" % (name, type_label(type(t)))
    else:
        what = "%s, target %s" % (name, callable_label(target))
    return what + (", daemon" if t.daemon else "")


class ChainSearch(object):
    """Breadth-first from a sample object back to a root the developer
    recognises: a module global, a class attribute, the frame of a running
    thread. A whole level of the search at a time, so a chain of depth d
    costs d passes over the heap however wide its levels are (a logger per
    request: every logger points at logging's Manager, one step up its
    chain): a small level by gc.get_referrers (one scan in C), a wide one by
    one pass of gc.get_referents over a snapshot of the heap, in chunks whose
    referents are matched against the level's ids in C, and the untracked
    dicts and tuples too when the level holds untracked objects. Bounded in
    time and objects."""

    def __init__(self, own, untracked_of):
        self.own = own
        self.untracked_of = untracked_of
        self.by_c = False        # the sample has no referrer at all
        self.objects = None      # gc.get_objects(), for the wide levels
        self.containers = None   # untracked dicts and tuples, when needed

    def search(self, target):
        modules = {}
        for name, module in list(sys.modules.items()):
            d = getattr(module, "__dict__", None)
            if name != "__main__" and isinstance(d, dict):
                modules[id(d)] = name
        running = self.running_frames()
        deadline = time.perf_counter() + CHAIN_SECONDS
        parent = {id(target): None}   # id -> id of the object it holds
        keep = {id(target): target}
        level = [target]
        ignore = set(self.own)
        for obj in (parent, keep, modules, running, ignore, self.__dict__):
            ignore.add(id(obj))
        self.ignore = ignore
        try:
            while level:
                for obj in level:
                    root = self.root_of(obj, modules, running)
                    if root is not None:
                        path, oid = [], id(obj)
                        while oid is not None:
                            path.append(keep[oid])
                            oid = parent[oid]
                        return self.render(path, root)
                if time.perf_counter() > deadline or len(keep) >= CHAIN_NODES:
                    return None, "no root within %g s / %d objects" % (CHAIN_SECONDS,
                                                                      len(keep))
                upper = []
                ignore.add(id(upper))
                ignore.add(id(level))
                for holder, held in self.holders(level):
                    if len(keep) >= CHAIN_NODES:
                        break
                    hid = id(holder)
                    if hid in parent or hid in ignore or self.is_agent(holder):
                        continue
                    parent[hid] = held
                    keep[hid] = holder
                    upper.append(holder)
                ignore.discard(id(level))
                if not upper and len(keep) == 1:
                    self.by_c = True
                    return None, "no Python object refers to it: C code holds it"
                level = upper
        finally:
            self.objects = self.containers = None
        return None, "no root found: held from C or by the interpreter itself"

    def holders(self, level):
        """(holder, id of the object of level it holds), for every object
        that refers to one of level: one pass over the heap."""
        wanted = set(map(id, level))
        ignore = self.ignore
        ignore.add(id(wanted))
        referents = gc.get_referents
        try:
            if len(level) <= NARROW_LEVEL and all(map(gc.is_tracked, level)):
                # Untracked containers hold untracked objects only.
                refs = gc.get_referrers(*level)
                pools = ((refs,),)
            else:
                if self.objects is None:
                    self.objects = gc.get_objects()
                    ignore.add(id(self.objects))
                pools = [self.chunks(self.objects)]
                if not all(map(gc.is_tracked, level)):
                    if self.containers is None:
                        self.containers = self.untracked_of(self.objects,
                                                            UNTRACKED_CONTAINERS)
                        ignore.add(id(self.containers))
                    pools.append(self.chunks(self.containers))
            for pool in pools:
                for chunk in pool:
                    if wanted.isdisjoint(map(id, referents(*chunk))):
                        continue
                    for holder in chunk:
                        if id(holder) in ignore:
                            continue
                        for ref in referents(holder):
                            if id(ref) in wanted:
                                yield holder, id(ref)
                                break
        finally:
            ignore.discard(id(wanted))

    def chunks(self, objects):
        for at in range(0, len(objects), LEVEL_CHUNK):
            chunk = objects[at:at + LEVEL_CHUNK]
            self.ignore.add(id(chunk))
            yield chunk
            self.ignore.discard(id(chunk))
            del chunk

    def running_frames(self):
        frames = {}
        me = threading.get_ident()
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            thread = threading._active.get(ident)
            name = thread.name if thread is not None else "thread %d" % ident
            while frame is not None:
                frames[id(frame)] = name
                frame = frame.f_back
        return frames

    @staticmethod
    def is_agent(obj):
        if isinstance(obj, types.FrameType):
            return own_code(obj.f_code.co_filename)
        if isinstance(obj, types.FunctionType):
            return own_code(obj.__code__.co_filename)
        return False

    def root_of(self, obj, modules, running):
        if type(obj) is dict and id(obj) in modules:
            return modules[id(obj)]
        if isinstance(obj, type) and obj.__flags__ & (1 << 9) and importable(obj):
            # A class of Python code reached by its name; one made per call
            # (a <locals> class, type(...)) is held by something older.
            return type_label(obj)
        if isinstance(obj, types.FrameType) and id(obj) in running:
            return "thread '%s' frame %s (%s:%d)" % (
                running[id(obj)], obj.f_code.co_name,
                os.path.basename(obj.f_code.co_filename), obj.f_lineno)
        return None

    def render(self, path, root):
        """path: [root object, ..., target]. "mod.name[3].attr → Type"."""
        text = root
        attrs = isinstance(path[0], (dict, type))  # a namespace: keys are names
        for holder, held in zip(path, path[1:]):
            step, attrs_next = self.edge(holder, held, attrs)
            text += step
            attrs = attrs_next
            if held is not path[-1]:
                text += self.annotation(held)
            if len(text) > 1500:
                text += " …"
                break
        target = path[-1]
        if isinstance(target, type):
            what = "class %s (%s)" % (type_label(target), type_label(type(target)))
        else:
            what = type_label(type(target))
        return "%s → %s" % (text, what), root_path(root, text)

    @staticmethod
    def annotation(obj):
        if isinstance(obj, types.MethodType):
            return " (bound method %s)" % callable_label(obj)
        if isinstance(obj, types.FrameType):
            return " (frame of %s, %s:%d)" % (obj.f_code.co_name,
                                             os.path.basename(obj.f_code.co_filename),
                                             obj.f_lineno)
        if isinstance(obj, types.FunctionType):
            return " (function %s)" % callable_label(obj)
        return ""

    @staticmethod
    def edge(holder, held, attrs):
        """The step from holder to held, and whether held's keys are names."""
        if isinstance(holder, dict):
            for key, value in holder.items():
                if value is held:
                    if attrs and isinstance(key, str) and key.isidentifier():
                        return "." + key, False
                    return "[%s]" % short_repr(key), False
                if key is held:   # a cache keyed by the leaked object
                    return "<key %s>" % short_repr(key), False
            return "<key>", False
        if isinstance(holder, type):
            return "", True   # a class and its namespace
        if isinstance(holder, (list, tuple, collections.deque)):
            for i, value in enumerate(holder):
                if value is held:
                    return "[%d]" % i, False
            return "[?]", False
        if isinstance(holder, (set, frozenset)):
            return ".<member>", False
        if isinstance(holder, types.FrameType):
            if held is holder.f_globals:
                return ".f_globals", True
            if held is holder.f_back:
                return ".f_back", False
            for name, value in dict(holder.f_locals).items():
                if value is held:
                    return ".f_locals[%r]" % name, False
            return ".<frame>", False
        for name in ("__self__", "__func__", "__traceback__", "__context__", "__cause__",
                     "args", "tb_frame", "tb_next", "cell_contents", "__closure__",
                     "__defaults__", "__kwdefaults__", "__globals__", "gi_frame", "cr_frame"):
            if isinstance(holder, (types.MethodType, types.FunctionType, BaseException,
                                   types.TracebackType, types.CellType,
                                   types.GeneratorType, types.CoroutineType)):
                try:
                    if getattr(holder, name) is held:
                        return "." + name, name == "__globals__"
                except AttributeError:
                    pass
        try:
            namespace = object.__getattribute__(holder, "__dict__")
        except (AttributeError, TypeError):
            namespace = None
        if namespace is held:
            return "", True   # an instance and its __dict__
        if isinstance(namespace, dict):
            for name, value in namespace.items():
                if value is held:
                    return "." + name if isinstance(name, str) else "[%s]" % short_repr(name), False
        for cls in type(holder).__mro__:
            for name, slot in vars(cls).items():
                if isinstance(slot, types.MemberDescriptorType):
                    try:
                        if slot.__get__(holder) is held:
                            return "." + name, False
                    except AttributeError:
                        pass
        return ".?", False


def importable(cls):
    """Whether cls is what its module and qualified name lead to (read
    from the namespaces, no __getattr__ run)."""
    module = sys.modules.get(getattr(cls, "__module__", None) or "")
    obj = getattr(module, "__dict__", None)
    try:
        for part in cls.__qualname__.split("."):
            obj = obj.get(part) if isinstance(obj, dict) else vars(obj).get(part)
            if obj is None:
                return False
    except (TypeError, AttributeError):
        return False
    return obj is cls


def short_repr(value):
    try:
        text = repr(value)
    except Exception:
        text = "<%s>" % type_label(type(value))
    return text if len(text) <= 40 else text[:37] + "..."


def root_path(root, text):
    """The named container that holds on: "leak_global_cache._cache" of
    "leak_global_cache._cache[1234] → str", the root and its leading names."""
    return root + re.match(r"(?:\.[A-Za-z_][A-Za-z0-9_]*)*", text[len(root):]).group(0)

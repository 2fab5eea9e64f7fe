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

from .common import (PROTO_FD, begin, call_batch, message_of, note, own_code, own_imports,
                     send, traceback_of, type_name)

collections, inspect, linecache, re, threading, tracemalloc, types = own_imports(
    ["collections", "inspect", "linecache", "re", "threading", "tracemalloc", "types"])

CENSUS_POINTS = 6         # intervals of the type census
TRACE_POINTS = 5          # intervals of the tracemalloc phase
TRACE_FRAMES = 16         # frames tracemalloc keeps per allocation
SEND_TYPES = 25           # types sent for the runner to fit and rank
SEND_SITES = 10
SEND_NATIVE = 8
SEND_RESOURCES = 5
SEND_FRAMES = 8           # frames of a traceback sent
NATIVE_FRAMES = 10        # native frames sent, allocator first
REFERENT_BUDGET = 2000000  # referents visited per census for untracked objects
CHAIN_SECONDS = 2.0
CHAIN_NODES = 20000
CODE_CHARS = 160
# Shares of the time and the calls: warm-up, census, cycles, tracemalloc,
# native, audited (where fds are opened).
SHARES = (0.10, 0.30, 0.05, 0.40, 0.10, 0.05)
# Most calls per phase, whatever the shares: a fast workload would otherwise
# fill the heap with millions of objects that every census, snapshot and
# referrer walk must visit. Enough for a leak of one object per few hundred
# calls to show at every point.
CALLS_CAP = (10000, 12000, 2000, 6000, 2000, 2000)


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
        self.chunk = 1
        self.failure = None

    def run_for(self, max_calls, max_ns):
        clock = time.perf_counter_ns
        start = clock()
        done = 0
        while self.failure is None and done < max_calls and self.calls < self.max_calls:
            n = min(self.chunk, max_calls - done, self.max_calls - self.calls)
            began = clock()
            made, failure = call_batch(self.function, n)
            self.calls += made
            done += made
            if failure is not None:
                self.failure = (type_name(failure), message_of(failure))
                failure = None
                break
            if clock() - began < 2000000 and self.chunk < 65536:
                self.chunk *= 2
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
        self.census_points = []   # [(calls, {type: count}, {type: bytes})]
        self.untracked = set()    # types found as referents only
        self.opens = {}           # (what, user frame) -> count, by the audit hook
        self.auditing = False
        self.in_hook = False
        for obj in (self, self.__dict__, self.driver, self.driver.__dict__, self.places,
                    self.places.__dict__, self.places.cache, self.census_points,
                    self.untracked, self.opens, globals()):
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

    def each_untracked(self, objects, once=True):
        """The objects gc does not track (str, int, bytes, dicts and tuples of
        such) that the tracked ones refer to, directly or through untracked
        containers (which cannot form cycles), within REFERENT_BUDGET
        referents. once=False: newest first (from the end of lists and
        dicts), an object held twice comes twice, the agent's own containers
        are walked too, but nothing is allocated per object (for when
        tracemalloc traces every allocation)."""
        seen, stack = set(), []
        own = self.own if once else ()
        self.own.add(id(seen))
        self.own.add(id(stack))
        referents, tracked = gc.get_referents, gc.is_tracked
        budget = REFERENT_BUDGET
        try:
            for obj in objects if once else reversed(objects):
                if own and id(obj) in own:
                    continue
                stack.append(obj)
                while stack:
                    refs = referents(stack.pop())
                    budget -= len(refs)
                    for ref in refs if once else reversed(refs):
                        if tracked(ref):
                            continue
                        if once:
                            if id(ref) in seen:
                                continue
                            seen.add(id(ref))
                        yield ref
                        if type(ref) in (dict, tuple):
                            stack.append(ref)
                    del refs
                if budget <= 0:
                    self.truncated = True
                    return
        finally:
            del stack[:]
            self.own.discard(id(seen))
            self.own.discard(id(stack))

    def census(self):
        counts, sizes = {}, {}
        own = self.own
        own.add(id(counts))
        own.add(id(sizes))
        gc.collect()
        objects = gc.get_objects()
        own.add(id(objects))
        getsizeof = sys.getsizeof
        for obj in objects:
            if id(obj) in own:
                continue
            t = type(obj)
            counts[t] = counts.get(t, 0) + 1
            sizes[t] = sizes.get(t, 0) + getsizeof(obj, 0)
        untracked = self.untracked
        for obj in self.each_untracked(objects):
            t = type(obj)
            if t not in counts:
                untracked.add(t)
            counts[t] = counts.get(t, 0) + 1
            sizes[t] = sizes.get(t, 0) + getsizeof(obj, 0)
        own.discard(id(objects))
        del objects
        return counts, sizes

    def census_phase(self):
        calls, ns = self.intervals(1, CENSUS_POINTS)
        for k in range(CENSUS_POINTS + 1):
            if k and not self.driver.run_for(calls, ns):
                break
            counts, sizes = self.census()
            point = (self.driver.calls, counts, sizes)
            self.own.add(id(point))
            self.census_points.append(point)
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
            if grew > 0 or bytes_grew > 0:
                growth.append((bytes_grew, grew, t))
        growth.sort(key=lambda g: (g[0], g[1]), reverse=True)
        self.growing_types = [t for _, grew, t in growth if grew > 0][:5]
        for _, _, t in growth[:SEND_TYPES]:
            send("type", [("name", type_label(t)),
                          ("untracked", int(t in self.untracked)),
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
        user's code (tracemalloc knows where), preferring the top type."""
        wanted = {}
        for rank, t in enumerate(getattr(self, "growing_types", [])):
            wanted.setdefault(t, rank)
        if not wanted:
            return None
        best, best_rank = None, len(wanted)
        places, own = self.places, self.own
        traceback_of_object = tracemalloc.get_object_traceback
        objects = gc.get_objects()
        own.add(id(objects))
        untracked = [t for t in wanted if t in self.untracked]
        try:
            obj = None
            # Newest first: the sample should be one of the leaked ones.
            for pool in (reversed(objects), self.each_untracked(objects, once=False)
                         if untracked else ()):
                for obj in pool:
                    rank = wanted.get(type(obj))
                    if rank is None or rank >= best_rank:
                        continue
                    if gc.is_tracked(obj) and id(obj) in own:
                        continue
                    tb = traceback_of_object(obj)
                    if tb is None or places.user_trace_frame(tb) is None:
                        continue
                    best, best_rank = obj, rank
                    if rank == 0:
                        break
                obj = None
                if best_rank == 0:
                    break
        finally:
            own.discard(id(objects))
            del objects
        return best

    def find_chain(self, sample):
        if sample is None:
            send("chain", [("found", 0), ("note", "no sample object: no Python type grows")])
            return
        label = type_label(type(sample))
        try:
            found = ChainSearch(self.own, self.each_untracked).search(sample)
        except Exception as exc:  # a hostile __eq__, __dict__ ... must not end the pass
            found = None, "referrer walk failed: %s" % message_of(exc)
        del sample
        text, detail = found
        if text is None:
            send("chain", [("found", 0), ("sample", label), ("note", detail)])
        else:
            send("chain", [("found", 1), ("sample", label), ("text", text),
                           ("root", detail)])

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
            where = self.object_site(t)
            if where is not None:
                found[thread_label(t)] = where
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
        init = code_span(getattr(type(obj), "__init__", None))
        for value in values:
            tb = tracemalloc.get_object_traceback(value)
            if tb is None:
                continue
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
    """Breadth-first over gc.get_referrers from a sample object back to a root
    the developer recognises: a module global, a class attribute, the frame
    of a running thread. Bounded in time and objects."""

    def __init__(self, own, each_untracked):
        self.own = own
        self.each_untracked = each_untracked
        self.holders = {}

    def untracked_holders(self):
        """gc.get_referrers sees tracked objects only; an untracked dict or
        tuple (of strings, say) that holds the sample is found here:
        {id(object): [untracked containers referring to it]}."""
        holders = self.holders
        objects = gc.get_objects()
        self.own.add(id(objects))
        try:
            for obj in self.each_untracked(objects):
                if type(obj) in (dict, tuple):
                    for ref in gc.get_referents(obj):
                        holders.setdefault(id(ref), []).append(obj)
        finally:
            self.own.discard(id(objects))
        return holders

    def search(self, target):
        modules = {}
        for name, module in list(sys.modules.items()):
            d = getattr(module, "__dict__", None)
            if name != "__main__" and isinstance(d, dict):
                modules[id(d)] = name
        running = self.running_frames()
        holders = self.untracked_holders()
        deadline = time.perf_counter() + CHAIN_SECONDS
        parent = {id(target): None}
        keep = {id(target): target}
        queue = collections.deque([id(target)])
        ignore = set(self.own)
        for obj in (parent, keep, queue, modules, running, ignore, self.__dict__, holders):
            ignore.add(id(obj))
        for held in holders.values():
            ignore.add(id(held))
        visited = 0
        while queue:
            if time.perf_counter() > deadline or visited >= CHAIN_NODES:
                return None, "no root within %g s / %d objects" % (CHAIN_SECONDS, visited)
            oid = queue.popleft()
            obj = keep[oid]
            visited += 1
            root = self.root_of(obj, modules, running)
            if root is not None:
                path = []
                while oid is not None:
                    path.append(keep[oid])
                    oid = parent[oid]
                return self.render(path, root)
            refs = gc.get_referrers(obj) + holders.get(oid, [])
            for ref in refs:
                rid = id(ref)
                if rid in parent or rid in ignore or self.is_agent(ref):
                    continue
                parent[rid] = oid
                keep[rid] = ref
                queue.append(rid)
            del refs, obj
        return None, "no root found: held from C or by the interpreter itself"

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
        if isinstance(obj, type) and obj.__flags__ & (1 << 9):  # a class of Python code
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
        return "%s → %s" % (text, type_label(type(target))), root_path(root, text)

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

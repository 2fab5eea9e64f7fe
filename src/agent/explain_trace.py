"""The explain pass's tracemalloc phase: the cycles batch traced (where
the cycles are allocated), then the memory alive by allocating traceback at
several points (`site`, `traced` records), then a sample of the leaked
objects for the retainer chain, and where the new threads were created."""

import gc

from .common import collect, own_code, own_imports, send
from .explain_base import ints, per_interval, python_class, thread_label
from .explain_census import untracked_of
from .explain_cycles import cycle_phase

threading, tracemalloc = own_imports(["threading", "tracemalloc"])

TRACE_POINTS = 5          # intervals of the tracemalloc phase
TRACE_FRAMES = 16         # frames tracemalloc keeps per allocation
SEND_SITES = 10
SEND_FRAMES = 8           # frames of a traceback sent
SAMPLE_TRIES = 100        # objects of a type tried as the chain's sample


class Traced(object):
    """The phase and what it found, read after it: the line allocating the
    top site (the retainer chain's), where threads were created (the
    resources')."""

    def __init__(self, driver, places, own):
        self.driver = driver
        self.places = places
        self.own = own
        self.top_line = None      # (file, line) allocating the top site
        self.thread_sites = {}    # thread label -> (file, line)
        own.add(id(self))
        own.add(id(self.__dict__))

    def groups(self):
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

    def run(self, census, cycles, trace):
        """The phase: cycles and trace, (calls, ns) shares of the cycles
        batch and of the traced points; census, the type census's findings.
        Returns the chain's sample, or None."""
        calls, ns = per_interval(trace[0], trace[1], TRACE_POINTS)
        sites = {}    # traceback -> ([bytes per point], [blocks per point])
        totals, at, sample = [], [], None
        sites_id = id(sites)
        self.own.add(sites_id)
        tracemalloc.start(TRACE_FRAMES)
        try:
            # Traced: the cycles' allocation sites.
            cycle_phase(self.driver, self.places, *cycles)
            # The heap from before stays as it is: frozen, every collection
            # below skips it, and what is left in gc.get_objects() is new.
            collect()
            gc.freeze()
            for k in range(TRACE_POINTS + 1):
                if k and not self.driver.run_for(calls, ns):
                    break
                collect()
                groups = self.groups()
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
            sample = self.pick_sample(census)
            self.thread_sites = self.threads()
        finally:
            gc.unfreeze()
            tracemalloc.stop()
            self.own.discard(sites_id)
        return sample

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

    def pick_sample(self, census):
        """An object of a growing type allocated during the traced phase by the
        user's code (tracemalloc knows where), preferring classes of Python
        code (a Logger rather than the dict it holds), then the top type.
        Called with the heap from before the phase frozen: gc.get_objects()
        is what the phase made."""
        growing = census.growing_types
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
                if self.places.object_site(obj) is not None:
                    best, best_rank = obj, rank
                    if rank == 0:
                        break
            obj = None
            loose = census.untracked | census.untracked_growing
            if not any(t in loose for t, rank in wanted.items() if rank < best_rank):
                return best
            # Untracked objects (str, bytes ...) are held by old containers
            # as well as new ones: from the whole heap.
            gc.unfreeze()
            own.discard(id(objects))
            objects = gc.get_objects()
            own.add(id(objects))
            found = untracked_of(objects, [t for t in wanted if t in loose])
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

    def threads(self):
        """Where the threads started since warm-up were created (while traced)."""
        found = {}
        for t in threading.enumerate():
            label = thread_label(t)
            if label not in found:
                where = self.places.object_site(t)
                if where is not None:
                    found[label] = where
        return found

"""The explain pass's type census: live objects by type (gc.get_objects()
and the untracked objects they hold) at several points, the types that grow
sent as `type` records, fitted in C."""

import gc
import sys
import time
from itertools import compress, filterfalse, repeat

from .common import collect, note, own_imports, send
from .explain_base import ints, per_interval, python_class, type_label

collections, operator = own_imports(["collections", "operator"])

CENSUS_POINTS = 6         # intervals of the type census
SEND_TYPES = 25           # types sent for the runner to fit and rank
REFERENT_BUDGET = 4000000  # referents visited per census for untracked objects
LEVEL_CHUNK = 4096        # objects whose referents are taken in one call
UNTRACKED_CONTAINERS = frozenset((dict, tuple))


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


class Census(object):
    """The census and what it found, read by the tracemalloc phase and the
    retainer chain: the types that grow, those gc does not track."""

    def __init__(self, driver, own):
        self.driver = driver
        self.own = own            # ids the census leaves out, its own added
        # [(calls, {type: count}, {type: bytes}, {type: untracked count})]
        self.points = []
        self.untracked = set()    # types found as referents only
        # Types whose growth is mostly of objects gc does not track (dicts
        # of plain values): their sample is found from tracked holders.
        self.untracked_growing = set()
        self.growing_types = []   # the top growing types, candidates for a sample
        self.truncated = False    # untracked objects counted only in part
        for obj in (self, self.__dict__, self.points, self.untracked,
                    self.untracked_growing):
            own.add(id(obj))

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

    def take_census(self):
        counts, sizes, loose = self.census()
        point = (self.driver.calls, counts, sizes, loose)
        for obj in (point, counts, sizes, loose):
            self.own.add(id(obj))
        self.points.append(point)

    def census(self, warm_up=False):
        """({type: count}, {type: bytes}, {type: count of the untracked})
        of the live objects, the agent's own left out. warm_up: of no
        object, so that what the first run of this code leaves behind
        (isinstance's ABC caches: sets, weakrefs) exists before the first
        census and does not read as growth."""
        own = self.own
        collect()
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

    def run(self, calls, ns):
        """The phase, with calls and ns (nanoseconds) its share."""
        self.census(warm_up=True)
        started = time.perf_counter()
        self.take_census()
        cost = time.perf_counter() - started
        # Each census visits the whole heap: on a large one fewer points,
        # never fewer than the two ends.
        budget = ns / 1e9
        intervals = max(1, min(CENSUS_POINTS, int(budget / max(cost, 1e-6)) - 1))
        calls, ns = per_interval(calls, ns, intervals)
        for _ in range(intervals):
            if not self.driver.run_for(calls, ns):
                break
            self.take_census()
        points = self.points
        if self.truncated:
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

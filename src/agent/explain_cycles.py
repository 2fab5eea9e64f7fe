"""The explain pass's reference cycles: the types the collector finds in
cycles during a batch, `cycle` records (located when tracemalloc runs)."""

import gc

from .common import send
from .explain_base import SEND_RESOURCES, type_label


def cycle_phase(driver, places, calls, ns):
    """A batch with gc.DEBUG_SAVEALL: what the collector finds is kept in
    gc.garbage, to be counted by type (and located: tracemalloc runs)."""
    gc.collect()
    saved = len(gc.garbage)
    flags = gc.get_debug()
    gc.set_debug(flags | gc.DEBUG_SAVEALL)
    found, where = {}, {}
    try:
        made = driver.run_for(calls, ns)
        gc.collect()
        for obj in gc.garbage[saved:]:
            t = type(obj)
            found[t] = found.get(t, 0) + 1
            if t not in where:
                site = places.object_site(obj)
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
            fields += places.frame_fields(*where[t])
        send("cycle", fields)

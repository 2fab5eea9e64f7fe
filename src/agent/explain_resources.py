"""The explain pass's resources: a batch under an audit hook that notes
where files and sockets open, then the fds, threads and uncollectable
objects that appeared since the warm-up (`resource` records)."""

import gc
import os
import sys

from .common import PROTO_FD, own_imports, send
from .explain_base import SEND_RESOURCES, thread_label, type_label

threading, = own_imports(["threading"])


class Resources(object):
    """The audited batch and the `resource` records."""

    def __init__(self, places, own):
        self.places = places
        self.opens = {}           # (what, user frame) -> count, by the audit hook
        self.auditing = False
        self.in_hook = False
        for obj in (self, self.__dict__, self.opens):
            own.add(id(obj))

    def audit_phase(self, driver, calls, ns):
        """A batch with an audit hook that notes where files and sockets are
        opened. Last: a hook cannot be removed, and it slows every audited
        call (id() is one) for good."""
        sys.addaudithook(self.audit)
        self.auditing = True
        try:
            driver.run_for(calls, ns)
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

    def now(self):
        """The fds, threads and uncollectable objects now, for send."""
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

    def send(self, before, calls, thread_sites):
        """What appeared since before (now()) in calls; thread_sites, where
        threads were created (the tracemalloc phase's)."""
        fds_before, threads_before, garbage_before = before
        after = self.now()
        if fds_before is not None and after[0] is not None:
            self.send_fds(fds_before, after[0], calls)
        self.send_threads(threads_before, calls, thread_sites)
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

    def send_threads(self, before, calls, sites):
        kinds = {}
        for t in threading.enumerate():
            if id(t) not in before:
                label = thread_label(t)
                kinds[label] = kinds.get(label, 0) + 1
        for label, n in sorted(kinds.items(), key=lambda kv: kv[1], reverse=True)[:SEND_RESOURCES]:
            fields = [("kind", "thread"), ("what", label), ("count", n), ("calls", calls)]
            if label in sites:
                fields += self.places.frame_fields(*sites[label])
            send("resource", fields)

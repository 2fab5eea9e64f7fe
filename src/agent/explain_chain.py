"""The explain pass's retainer chain: from a sample of the leaked objects
back to a root the developer recognises (`chain` records), and when C code
holds it, the C function the allocating line calls."""

import gc
import os
import sys
import time

from .common import message_of, own_code, own_imports, send
from .explain_base import callable_label, short_repr, type_label
from .explain_census import LEVEL_CHUNK, UNTRACKED_CONTAINERS, untracked_of

collections, re, threading, types = own_imports(["collections", "re", "threading", "types"])

CHAIN_SECONDS = 2.0
CHAIN_NODES = 200000     # objects the walk keeps (it holds them, ids stay unique)
NARROW_LEVEL = 16        # up to this many, a level's holders by gc.get_referrers
C_CALL_CALLS = 200        # calls under a profile hook to name the C function
C_CALL_NS = 100000000


class Chain(object):
    """Sends the phase's one `chain` record."""

    def __init__(self, driver, places, own):
        self.driver = driver
        self.places = places
        self.own = own
        own.add(id(self))
        own.add(id(self.__dict__))

    def find(self, sample, census, top_line):
        """The chain of sample (None: there is none); census, the type
        census's findings; top_line, where the top site allocates."""
        if sample is None:
            # Memory grows that no object gc or its holders can reach
            # accounts for: C code keeps it (blocks, or references of its own).
            grows = bool(census.growing_types)
            fields = [("found", 0), ("note", "no sample object: none of the growing types "
                                     "allocated by the workload's code" if grows else
                                     "no sample object: no Python type grows")]
            # (Not when the census saw the untracked objects only in part.)
            if not grows and top_line is not None and not census.truncated:
                fields += self.c_call_fields(top_line)
            send("chain", fields)
            return
        label = type_label(type(sample))
        search = ChainSearch(self.own, untracked_of)
        try:
            found = search.search(sample)
        except Exception as exc:  # a hostile __eq__, __dict__ ... must not end the pass
            found = None, "referrer walk failed: %s" % message_of(exc)
        del sample
        text, detail = found
        if text is None:
            fields = [("found", 0), ("sample", label), ("note", detail)]
            if search.by_c:
                fields += self.c_call_fields(top_line)
            send("chain", fields)
        else:
            send("chain", [("found", 1), ("sample", label), ("text", text),
                           ("root", detail)])

    def c_call_fields(self, top_line):
        """held=c, and the C function that the line allocating most
        (top_line) calls, from a short batch under a profile hook:
        ccall=its name, clib=its extension's file, file/line/code."""
        fields = [("held", "c")]
        where = top_line
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


def c_module(fn):
    """The module of a C function or method ("multidict._multidict")."""
    self = getattr(fn, "__self__", None)
    if self is not None and not isinstance(self, types.ModuleType):
        return getattr(type(self), "__module__", None)
    return getattr(fn, "__module__", None) or getattr(self, "__name__", None)


def c_label(fn, module):
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "?")
    return name if module in (None, "builtins") else "%s.%s" % (module, name)


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


def root_path(root, text):
    """The named container that holds on: "leak_global_cache._cache" of
    "leak_global_cache._cache[1234] → str", the root and its leading names."""
    return root + re.match(r"(?:\.[A-Za-z_][A-Za-z0-9_]*)*", text[len(root):]).group(0)

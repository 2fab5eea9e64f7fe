"""The explain pass's native phase: with the allocator shim (LD_PRELOAD,
src/shim/lgshim.c) armed, the native blocks still alive after a batch, by
stack (`native` records)."""

import gc
import os
import sys

from .common import note, own_imports, send

SEND_NATIVE = 8
NATIVE_FRAMES = 10        # native frames sent, allocator first


def native_phase(lib, driver, places, own, calls, ns):
    """The phase: lib, the loaded shim (ctypes); calls and ns, its share;
    own, the ids the other phases leave out, this phase's added meanwhile."""
    ctypes, = own_imports(["ctypes"])
    site = ctypes.c_int.in_dll(lib, "lgshim_site")
    ids, names = {}, [None]
    mine = (id(ids), id(names))
    own.update(mine)

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
        made = driver.run_for(calls, ns)
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
        send_native(text, made, names, places)
    own.difference_update(mine)


def send_native(text, calls, names, places):
    """The records of the shim's dump, text; names: the user's lines by
    the shim's site number."""
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
            fields += places.frame_fields(*names[site])
        send("native", fields)

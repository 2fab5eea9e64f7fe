"""Hostile: the first call starts a thousand children that sleep, holding
the workload's pipes (posix_spawn: a fork without copying the interpreter,
so the test stays quick); they share its process group, so ending it ends
them all. Their pids go to $LG_HOSTILE_PIDFILE, for the test to check."""

import os

_children = []


def run():
    if _children:
        return
    for _ in range(1000):
        _children.append(os.posix_spawn("/bin/sleep", ["sleep", "60"], os.environ))
    path = os.environ.get("LG_HOSTILE_PIDFILE")
    if path:
        with open(path + ".tmp", "w") as f:
            f.write("\n".join(map(str, _children)) + "\n")
        os.rename(path + ".tmp", path)

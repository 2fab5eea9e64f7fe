"""Hostile: a grandchild in a session of its own (out of the runner's reach)
keeps running with stdout, stderr and the record pipe open; the workload
itself is clean (run), or hangs (hang). The grandchild writes its pid to
$LG_HOSTILE_PIDFILE, so that the test can end it."""

import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        path = os.environ.get("LG_HOSTILE_PIDFILE")
        if path:
            with open(path + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename(path + ".tmp", path)
        time.sleep(60)
    os._exit(0)
os.wait()


def run():
    return sum(range(10))


def hang():
    time.sleep(3600)

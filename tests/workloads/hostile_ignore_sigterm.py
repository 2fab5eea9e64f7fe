"""Hostile: ignores SIGTERM and hangs; only SIGKILL (of its group) ends it."""

import signal
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)


def run():
    time.sleep(3600)

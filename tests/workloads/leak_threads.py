"""Leak: every call starts a daemon thread that blocks forever on an Event never set."""

import threading

_never = threading.Event()


def run():
    threading.Thread(target=_never.wait, daemon=True).start()  # explain: site

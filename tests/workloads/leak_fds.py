"""Leak: opens /dev/null every call and never closes it (file descriptors only)."""

import os


def run():
    os.open("/dev/null", os.O_RDONLY)  # explain: site

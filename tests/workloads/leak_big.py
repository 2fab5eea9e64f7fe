"""Leaks 64 KiB per call: with --memory-limit it hits the cap, and is still a leak."""
_kept = []


def run():
    _kept.append(b"x" * (64 << 10))

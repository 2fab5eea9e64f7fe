"""Leak: every 25th call keeps a 4096-byte bytes object in a global list (~160 B/call)."""

kept = []
_counter = [0]


def run():
    _counter[0] += 1
    if _counter[0] % 25 == 0:
        kept.append(bytes(4096))  # explain: site

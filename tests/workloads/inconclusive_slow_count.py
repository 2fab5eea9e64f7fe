"""Not enough evidence either way: one small object kept every call, a count
that grows as a leak's would, but each call takes 5 ms of CPU, so the time
allowed holds a few hundred calls, and a count needs 2,000 to tell a leak
from a cache that fills ever more slowly. Its bytes (an object and a list
slot, about 24 a call) are below --threshold 64."""
import time

_kept = []


def run():
    end = time.process_time() + 0.005
    while time.process_time() < end:
        pass
    _kept.append(object())

"""Error: every call sleeps an hour (the runner's timeout must kill it)."""

import time


def run():
    time.sleep(3600)

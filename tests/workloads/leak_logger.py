"""Leak: a logger per request; logging keeps every logger it ever made in
logging.Logger.manager.loggerDict, so each new name stays for good."""

import logging

_requests = [0]


def run():
    _requests[0] += 1
    log = logging.getLogger("request.%d" % _requests[0])  # explain: site
    log.debug("handled")  # explain: site (the new logger's level cache, kept with it)

"""Clean: standard library spot checks. Each function uses a module the way
ordinary code does, with the module's own bounded caches; none keeps
anything per call."""
import collections
import datetime
import decimal
import email
import hashlib
import json
import logging
import re
import urllib.parse
import xml.etree.ElementTree as ElementTree

_counter = [0]


def _next():
    _counter[0] += 1
    return _counter[0]


def re_patterns():
    """Varied patterns: re's own cache (bounded) fills, then evicts."""
    n = _next()
    return re.match("item-%d-[a-z]+" % (n % 1000), "item-%d-abc" % (n % 1000))


def json_roundtrip():
    n = _next()
    return json.loads(json.dumps({"id": n, "tags": ["a", "b"], "price": 1.5}))


def strptime():
    n = _next()
    return datetime.datetime.strptime("2024-%02d-%02d 10:%02d" % (n % 12 + 1, n % 28 + 1, n % 60),
                                      "%Y-%m-%d %H:%M")


def urlsplit():
    n = _next()
    return urllib.parse.urlsplit("https://host%d.example.com:8080/p/%d?q=%d#f" % (n % 500, n, n))


_recent = collections.deque(maxlen=1000)


def deque_maxlen():
    _recent.append("event %d" % _next())


_log = logging.getLogger("leakgate.spot")
_log.addHandler(logging.NullHandler())
_log.propagate = False


def logging_one_logger():
    _log.info("request %d done", _next())


def hashlib_digest():
    return hashlib.sha256(b"payload %d" % _next()).hexdigest()


def decimal_math():
    n = _next()
    with decimal.localcontext() as ctx:
        ctx.prec = 20
        return decimal.Decimal(n) / decimal.Decimal(7) + decimal.Decimal("0.1")


_XML = "<order id='%d'><line sku='a' qty='2'/><line sku='b' qty='1'/></order>"


def elementtree():
    root = ElementTree.fromstring(_XML % _next())
    return [line.get("sku") for line in root.iter("line")]


_MAIL = ("From: a@example.com\nTo: b@example.com\nSubject: order %d\n"
         "Content-Type: text/plain\n\nbody %d\n")


def email_parse():
    n = _next()
    return email.message_from_string(_MAIL % (n, n))["Subject"]

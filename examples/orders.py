"""Order parsing example: parse_order is clean; parse_and_audit keeps every order in AUDIT_LOG (a known leak)."""

import functools
import json

ORDER_JSON = (
    '{"id": "A-1042", "customer": {"name": " Ada Lovelace ", "email": "ADA@Example.com"},'
    ' "currency": "eur", "lines": ['
    '{"sku": "bk-001", "qty": 2, "price": "12.50"},'
    '{"sku": "pn-007", "qty": 1, "price": "3.20"}]}'
)

AUDIT_LOG = []


@functools.lru_cache(maxsize=128)
def currency_info(code):
    """Look up a currency's symbol and minor units (cached, bounded)."""
    table = {"EUR": ("\u20ac", 2), "USD": ("$", 2), "JPY": ("\u00a5", 0)}
    return table.get(code, ("?", 2))


def _normalize(raw):
    code = raw["currency"].upper()
    symbol, digits = currency_info(code)
    scale = 10 ** digits
    lines = [
        {"sku": ln["sku"].upper(), "qty": int(ln["qty"]),
         "cents": int(round(float(ln["price"]) * scale))}
        for ln in raw["lines"]
    ]
    return {
        "id": raw["id"],
        "customer": raw["customer"]["name"].strip(),
        "email": raw["customer"]["email"].lower(),
        "currency": code,
        "symbol": symbol,
        "lines": lines,
        "total_cents": sum(ln["qty"] * ln["cents"] for ln in lines),
    }


def parse_order():
    """Parse and normalize one order; nothing is kept."""
    return _normalize(json.loads(ORDER_JSON))


def parse_and_audit():
    """Parse one order and append it to AUDIT_LOG, which is never trimmed."""
    order = _normalize(json.loads(ORDER_JSON))
    AUDIT_LOG.append(order)
    return order

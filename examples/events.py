"""Tiny event bus example: subscribe_properly is clean; subscribe_and_forget never unsubscribes (a known leak)."""


class EventBus(object):
    def __init__(self):
        self._handlers = {}

    def subscribe(self, topic, handler):
        self._handlers.setdefault(topic, []).append(handler)

    def unsubscribe(self, topic, handler):
        self._handlers[topic].remove(handler)

    def publish(self, topic, payload):
        for handler in list(self._handlers.get(topic, ())):
            handler(payload)


BUS = EventBus()


def _on_order(payload):
    return payload["id"]


def subscribe_properly():
    """Subscribe a handler, publish once, then unsubscribe it."""
    BUS.subscribe("order", _on_order)
    BUS.publish("order", {"id": 1})
    BUS.unsubscribe("order", _on_order)


def subscribe_and_forget():
    """Subscribe a new closure each call and never remove it."""
    seen = []

    def handler(payload):
        seen.append(payload["id"])

    BUS.subscribe("audit", handler)

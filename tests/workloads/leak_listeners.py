"""Leak: each call registers a new Handler's bound method on a global emitter and never removes it."""


class EventEmitter(object):
    def __init__(self):
        self.listeners = []

    def on(self, fn):
        self.listeners.append(fn)


class Handler(object):
    def __init__(self):
        self.seen = 0  # explain: site (the instance __dict__, before 3.11)

    def handle(self, event):
        self.seen += 1


emitter = EventEmitter()


def run():
    emitter.on(Handler().handle)  # explain: site

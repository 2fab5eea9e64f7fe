"""Clean: each call drops a small reference cycle that the cycle collector frees."""


class Node(object):
    def __init__(self):
        self.payload = list(range(10))
        self.self = self


def run():
    a = Node()
    b = Node()
    a.peer = b
    b.peer = a

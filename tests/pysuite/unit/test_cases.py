"""unittest cases: setUp/tearDown every call, setUpClass once."""
import unittest

_KEPT = []


class CleanCase(unittest.TestCase):
    class_setups = 0

    @classmethod
    def setUpClass(cls):
        CleanCase.class_setups += 1
        cls.shared = list(range(50))

    def setUp(self):
        self.items = list(self.shared)

    def tearDown(self):
        self.items = None

    def test_clean(self):
        self.assertEqual(CleanCase.class_setups, 1)
        self.assertEqual(len(self.items), 50)


class LeakyCase(unittest.TestCase):
    def test_leaks(self):
        _KEPT.append("y" * (250 + len(_KEPT) % 2))

    @unittest.skip("not today")
    def test_skipped(self):
        pass

    def test_fails(self):
        self.assertEqual(1, 2)

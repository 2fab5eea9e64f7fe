"""A test file that cannot be imported: a workload error, not the end of the run."""
import leakgate_no_such_module  # noqa: F401


def test_never_collected():
    pass

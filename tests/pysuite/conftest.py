import pytest

SESSION_EVENTS = []


@pytest.fixture(scope="session")
def session_resource():
    # Set up once per child: a wider scope is not re-run per call.
    SESSION_EVENTS.append("setup")
    yield {"calls": 0}
    SESSION_EVENTS.append("teardown")

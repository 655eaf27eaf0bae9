import pytest

from tests.production.capture import stderr_log


@pytest.fixture
def log_output():
    with stderr_log() as buffer:
        yield buffer

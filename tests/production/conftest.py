import io
import logging

import pytest


@pytest.fixture
def log_output():
    """What the configured stderr handler (settings.LOGGING) writes, as a string buffer."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "stderr")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)

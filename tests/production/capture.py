"""Reading what the stderr log handler writes."""

import contextlib
import io
import logging


@contextlib.contextmanager
def stderr_log():
    """What the configured stderr handler (settings.LOGGING) writes, as a string buffer. Look it
    up when needed: a Celery worker starting in the test runs django.setup() again, which
    replaces the handlers."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "stderr")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)

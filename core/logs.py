"""What every log line carries: the request id, user id and path of the web request, or the
Celery task id (and the id of the web request that queued the task); and never a whole ID
number. `settings.LOGGING` attaches `ContextFilter` and `MaskingFormatter` to the stderr
handler; `core.middleware.RequestIdMiddleware` and the Celery signals below bind the context."""

import contextvars
import logging
import re
import uuid
from dataclasses import dataclass, replace

from django.utils.functional import empty

# 18-digit resident ID numbers (GB 11643): digits 7-14 (the birth date) are masked, as in lists.
_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
# An id a proxy may pass in X-Request-ID: short and plain, so that it cannot forge log lines.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

NONE = "-"
# Message headers by which a task learns the web request that queued it.
TASK_HEADERS = ("log_request_id", "log_user_id", "log_path")


@dataclass(frozen=True)
class LogContext:
    request_id: str
    path: str = NONE
    request: object = None
    task_id: str = NONE
    user_id: str = NONE  # for a task: the user of the request that queued it


_context: contextvars.ContextVar[LogContext | None] = contextvars.ContextVar("log_context", default=None)


def mask_id_numbers(text: str) -> str:
    return _ID_NUMBER.sub(r"\1********\2", text)


def new_request_id(incoming: str | None = None) -> str:
    """The proxy's id when it sent a plain one (its access log then matches ours), else a new one."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def bind(context: LogContext) -> contextvars.Token:
    return _context.set(context)


def unbind(token: contextvars.Token) -> None:
    _context.reset(token)


def current() -> LogContext | None:
    return _context.get()


def _user_id(request) -> str:
    """The user's id if authentication already resolved it; a log call never queries the database."""
    user = getattr(request, "user", None)
    if user is None:
        return NONE
    wrapped = getattr(user, "_wrapped", user)  # request.user is lazy (SimpleLazyObject)
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return NONE
    return str(wrapped.pk)


class MaskIdNumbers(logging.Filter):
    """Masks ID numbers in the record's message and traceback (also gunicorn's access log)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_id_numbers(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_id_numbers(record.stack_info)
        return True


class ContextFilter(MaskIdNumbers):
    """Adds request_id, user_id, path and task_id to the record, and masks its ID numbers."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get()
        request = getattr(record, "request", None) or (context.request if context else None)
        record.request_id = context.request_id if context else NONE
        record.task_id = context.task_id if context else NONE
        record.path = mask_id_numbers(getattr(request, "path", None) or (context.path if context else NONE))
        record.user_id = _user_id(request) if request is not None else (context.user_id if context else NONE)
        return super().filter(record)


class MaskingFormatter(logging.Formatter):
    """Masks ID numbers in the whole line, whatever field they came in by."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_id_numbers(super().format(record))


# Celery: a task logs with its own id and the request id, user id and path of the web request
# that queued it.
_task_tokens: dict[str, contextvars.Token] = {}


def _add_request_headers(headers=None, **kwargs):
    context = _context.get()
    if headers is None or context is None:
        return
    user_id = _user_id(context.request) if context.request is not None else context.user_id
    for name, value in zip(TASK_HEADERS, (context.request_id, user_id, context.path)):
        headers.setdefault(name, value)


def _queued_by(task) -> list:
    request = getattr(task, "request", None)
    headers = getattr(request, "headers", None) or {}
    return [str(getattr(request, name, None) or headers.get(name) or NONE) for name in TASK_HEADERS]


def _bind_task(task_id=None, task=None, **kwargs):
    outer = _context.get()  # an eager task runs inside the web request that sent it
    if outer is not None:
        context = replace(outer, task_id=task_id or NONE)
    else:
        request_id, user_id, path = _queued_by(task)
        context = LogContext(request_id=new_request_id(request_id), user_id=user_id, path=path, task_id=task_id or NONE)
    _task_tokens[task_id] = _context.set(context)


def _unbind_task(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _context.reset(token)
        except ValueError:  # set in another context (thread); nothing of ours to restore there
            _context.set(None)


def _keep_django_logging(**kwargs):
    """A receiver of `setup_logging` tells Celery to leave logging as settings.LOGGING set it."""


def connect_celery_signals() -> None:
    from celery import signals

    signals.setup_logging.connect(_keep_django_logging, weak=False, dispatch_uid="core.logs.setup")
    signals.before_task_publish.connect(_add_request_headers, weak=False, dispatch_uid="core.logs.publish")
    signals.task_prerun.connect(_bind_task, weak=False, dispatch_uid="core.logs.prerun")
    signals.task_postrun.connect(_unbind_task, weak=False, dispatch_uid="core.logs.postrun")

"""Work split over forked processes: a large import's check runs in several processes at
once, each on its own share of the rows (core.services.imports, the preview in parts).

A Celery prefork worker's process may not start multiprocessing children (they are daemonic),
so the children are forked here directly. A child inherits the parent's memory (the file's
rows, the importer as it was built) but not its database session: the session's socket is
the parent's, so the child opens its own and never closes the inherited one (closing it would
end the parent's session). A child ends with os._exit: nothing of the parent's (atexit hooks,
connection finalisers, buffered output) runs twice.
"""

import contextlib
import os
import pickle
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable

from django.db import connections

_INHERITED: list = []  # the parent's database sessions, kept referenced in a child so that they are never finalised there


def can_fork() -> bool:
    """Whether work may be forked here: on PostgreSQL (each child opens a session of its own and
    sees what the parent's committed), outside any transaction (a child would not see the
    parent's uncommitted rows: a test's data, for one), on a system with fork."""
    if not hasattr(os, "fork"):
        return False
    return all(c.vendor == "postgresql" and not c.in_atomic_block for c in connections.all(initialized_only=True)) and \
        connections["default"].vendor == "postgresql"


def run_forked(tasks: list[Callable[[], object]]) -> list:
    """Run tasks[0] in this process and each other task in a child forked for it, all at once;
    their results in the tasks' order (a child's result is pickled through a temporary file).
    The first failure is raised after every child has ended: a child's exception as it was
    raised when it can be pickled, otherwise a RuntimeError with the child's traceback. When
    this process's own task fails, the children are killed."""
    children = []
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for task in tasks[1:]:
            handle = tempfile.TemporaryFile()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                _child(task, handle)
            children.append((pid, handle))
        results = [tasks[0]()]
    except BaseException:
        for pid, handle in children:
            os.kill(pid, signal.SIGKILL)
        for pid, handle in children:
            os.waitpid(pid, 0)
            handle.close()
        raise
    failure = None
    for pid, handle in children:
        _pid, status = os.waitpid(pid, 0)
        handle.seek(0)
        try:
            done, value = pickle.load(handle)
        except (EOFError, pickle.UnpicklingError):
            done, value = False, RuntimeError(f"forked process {pid} ended ({_status_text(status)}) without a result")
        handle.close()
        if done:
            results.append(value)
        elif failure is None:
            failure = value
    if failure is not None:
        raise failure
    return results


def _child(task, handle) -> None:  # pragma: no cover - runs in the child
    code = 1
    try:
        _detach_connections()
        try:
            outcome = (True, task())
            code = 0
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
            outcome = (False, _portable(error))
        pickle.dump(outcome, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        for conn in connections.all(initialized_only=True):
            with contextlib.suppress(Exception):  # its result is written; a session that will not close ends with the process
                conn.close()  # the child's own sessions, ended cleanly
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _detach_connections() -> None:  # pragma: no cover - runs in the child
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _INHERITED.append(conn.connection)
            conn.connection = None  # the next query opens the child's own session


def _portable(error: BaseException) -> BaseException:
    """The exception itself (its traceback in the child as a note) when it survives pickling,
    else a RuntimeError with that traceback."""
    try:
        error.add_note("In the forked process:\n" + "".join(traceback.format_exception(error)))
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - any exception type may fail to pickle
        return RuntimeError("".join(traceback.format_exception(error)))


def _status_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"

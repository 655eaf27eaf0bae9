"""Running Celery tasks in a real worker over the Redis broker (not eager) from a test."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app


def run_in_real_worker(send, job, *, until, seconds: float = 60):
    """Start a solo worker, call `send()` (which sends tasks), and poll the job until its status
    is one of `until` or the time is up; the job is refreshed in place."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            send()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.status in until:
                    break
                time.sleep(0.2)
    finally:
        celery_app.conf.task_always_eager = previous
    return job


# ------------------------------------------------------------------------------ processes to kill
# A test starts a real process (a Celery worker, or a "web" process running the commit a view
# runs) on the test database, lets it pause inside a write, and kills it with SIGKILL: the
# process dies as a crashed server would, with no chance to clean up.

PAUSED_SECONDS = 120  # a paused process waits this long for its SIGKILL


def child_env(**settings_env) -> dict:
    """The environment of a child process: this test run's PostgreSQL database (which the
    child must see committed), the same private storage, cache and broker, plus the given
    settings (IMPORT_BATCH_SIZE=...) and pause instructions (PAUSE_...)."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "DATABASE_URL": url,
            **{key: str(value) for key, value in settings_env.items()}}


class Child:
    """A child process `python -m tests.workers <mode> <args>`, its output kept in `log`."""

    def __init__(self, mode: str, *args, env: dict, log: Path):
        self.log = log
        self.marker = Path(env["PAUSE_MARKER"])
        with open(log, "wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "tests.workers", mode, *map(str, args)],
                                            cwd=Path(__file__).resolve().parent.parent, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait_paused(self, seconds: float = 30) -> None:
        """Until the child wrote the rows before its pause (the rows are not committed)."""
        deadline = time.monotonic() + seconds
        while not self.marker.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the child did not reach its pause:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def send_over_broker(send) -> None:
    """Call `send()` (which sends tasks) with tasks going to the Redis broker, not run eagerly."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        send()
    finally:
        celery_app.conf.task_always_eager = previous


def forget_unacked(job_id) -> None:
    """Drop the broker's copy of the tasks a killed worker had taken for this job (Redis would
    deliver them again after its visibility timeout, to whatever worker then listens)."""
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for tag, raw in broker.hgetall("unacked").items():
        message = json.loads(raw)[0]  # kombu keeps [message, exchange, routing key]
        message = json.loads(message) if isinstance(message, str) else message
        if message["headers"].get("task", "").startswith("core.tasks.") and message["headers"].get("argsrepr", "").startswith(f"({job_id},"):
            broker.hdel("unacked", tag)
            broker.zrem("unacked_index", tag)


def forget_unacked_task(task: str) -> None:
    """Drop the broker's copy of a task a killed worker had taken (by the task's name)."""
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for tag, raw in broker.hgetall("unacked").items():
        message = json.loads(raw)[0]
        message = json.loads(message) if isinstance(message, str) else message
        if message["headers"].get("task", "") == task:
            broker.hdel("unacked", tag)
            broker.zrem("unacked_index", tag)


def _pause_inside_ledger() -> None:
    """In the child: the fund ledger's one writer, at its PAUSE_LEDGER_POST-th posting, posts the
    entry, says so in PAUSE_MARKER and sleeps inside the day's transaction until the test kills
    the process."""
    from funds.services import ledger

    calls, pause_at, original = itertools.count(1), int(os.environ["PAUSE_LEDGER_POST"]), ledger.post

    def post(**kwargs):
        answer = original(**kwargs)
        if next(calls) == pause_at:
            Path(os.environ["PAUSE_MARKER"]).write_text(str(os.getpid()))
            time.sleep(PAUSED_SECONDS)
        return answer

    ledger.post = post


def _pause_inside_writes() -> None:
    """In the child: the importer of PAUSE_KIND, at its PAUSE_AT_WRITE-th write (write() of one
    batch of IMPORT_BATCH_SIZE rows, or write_chunk_plan() of a piece's kept plan), writes it, says so in PAUSE_MARKER and sleeps, as a
    slow write would, inside its transaction, until the test kills the process."""
    from core.services.imports import importer_class

    importer = importer_class(os.environ["PAUSE_KIND"])
    calls, pause_at = itertools.count(1), int(os.environ["PAUSE_AT_WRITE"])

    def pausing(original):
        # write() of a checked batch and write_chunk_plan() of a piece's kept plan count alike.
        def write(self, *args):
            answer = original(self, *args)
            if next(calls) == pause_at:
                Path(os.environ["PAUSE_MARKER"]).write_text(str(os.getpid()))
                time.sleep(PAUSED_SECONDS)
            return answer
        return write

    importer.write = pausing(importer.write)
    importer.write_chunk_plan = pausing(importer.write_chunk_plan)


def main(argv: list[str]) -> None:
    import django

    django.setup()
    if "PAUSE_KIND" in os.environ:
        _pause_inside_writes()
    if "PAUSE_LEDGER_POST" in os.environ:
        _pause_inside_ledger()
    mode = argv[0]
    if mode == "worker":  # a Celery worker over the broker, one process (solo pool)
        celery_app.conf.task_always_eager = False
        celery_app.worker_main(["worker", "--pool=solo", "--concurrency=1", "--loglevel=WARNING", "--without-mingle",
                                "--without-gossip", "--without-heartbeat", f"--hostname=killed-{os.getpid()}@%h"])
    elif mode == "commit":  # a web process committing a confirmed job, as import_commit does for a small file
        from core.services import imports

        imports.import_job_commit(int(argv[1]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""A task that fails in a real worker leaves its traceback on stderr with the task id and the
request id, user id and path of the web request that queued it; the ID number in its error is
masked."""

import logging
import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from core import logs
from tests.production.capture import stderr_log
from tests.production.urls import ID_NUMBER, DeliberateFailure

pytestmark = pytest.mark.services


@celery_app.task(name="tests.production.fail_on_purpose")
def fail_on_purpose(id_number):
    raise DeliberateFailure(f"deliberate task failure for {id_number}")


def test_a_failing_task_is_logged_with_traceback_task_id_and_the_queuing_request(redis_broker):
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30), stderr_log() as output:
            # given a web request that queues a task
            token = logs.bind(logs.LogContext(request_id="web-request-0001", path="/imports/7/", user_id="42"))
            try:
                result = fail_on_purpose.delay(ID_NUMBER)
            finally:
                logs.unbind(token)
            # when the task fails in the worker
            deadline = time.monotonic() + 30
            while "raised unexpected" not in output.getvalue() and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        celery_app.conf.task_always_eager = previous
    # then its traceback is on stderr with both ids, the ID number masked
    log = output.getvalue()
    failure = next(line for line in log.splitlines() if "raised unexpected" in line)
    assert f"task={result.id}" in failure
    assert "request=web-request-0001 user=42 path=/imports/7/" in failure
    assert "Traceback (most recent call last)" in log.split(failure)[1]
    assert "DeliberateFailure: deliberate task failure for " + ID_NUMBER[:6] + "********" + ID_NUMBER[-4:] in log
    assert ID_NUMBER not in log


@celery_app.task(name="tests.production.log_a_line")
def log_a_line():
    logging.getLogger("core.tasks").warning("working on it")


def test_an_eager_task_logs_inside_the_request_that_ran_it(log_output):
    # the embedded default (no broker) runs tasks in the web process
    token = logs.bind(logs.LogContext(request_id="web-request-0002", path="/imports/", user_id="42"))
    try:
        result = log_a_line.apply()
        logging.getLogger("core.views").warning("after the task")
    finally:
        logs.unbind(token)
    log = log_output.getvalue()
    assert f"[request=web-request-0002 user=42 path=/imports/ task={result.id}] working on it" in log
    assert "[request=web-request-0002 user=42 path=/imports/ task=-] after the task" in log

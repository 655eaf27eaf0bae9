"""Request errors reach stderr with their traceback, path, user id and request id; ID numbers
never appear whole in a log line."""

import logging
import re

import pytest

from core.logs import mask_id_numbers
from tests.production.urls import ID_NUMBER

pytestmark = pytest.mark.django_db

MASKED = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]


def test_id_numbers_are_masked_in_any_text():
    assert mask_id_numbers(f"证件号{ID_NUMBER}，另一个 421202198005170011。") == (
        f"证件号{MASKED}，另一个 421202********0011。")
    assert mask_id_numbers("金额 1234567.89，电话 13800000001") == "金额 1234567.89，电话 13800000001"


def test_an_unhandled_error_is_logged_with_traceback_path_user_and_request_id(client, clerk, settings, log_output):
    # given a logged-in clerk and a page that fails
    settings.ROOT_URLCONF = "tests.production.urls"
    client.force_login(clerk)
    client.raise_request_exception = False
    # when the page fails
    response = client.get(f"/test-only/fail/{ID_NUMBER}/")
    # then the user gets a 500 with the request id to quote, and the log has the rest
    assert response.status_code == 500
    assert "系统出错" in response.content.decode()
    request_id = response["X-Request-ID"]
    assert f'<code class="request-id">{request_id}</code>' in response.content.decode()
    log = log_output.getvalue()
    assert "Traceback (most recent call last)" in log
    assert "DeliberateFailure: deliberate failure for" in log
    assert f"request={request_id}" in log
    assert f"user={clerk.pk}" in log
    assert f"path=/test-only/fail/{MASKED}/" in log
    assert MASKED in log
    assert ID_NUMBER not in log


def test_a_message_logged_outside_requests_is_masked(log_output):
    logging.getLogger("core.imports").warning("row 3: person %s not found", ID_NUMBER)
    assert f"row 3: person {MASKED} not found" in log_output.getvalue()
    assert ID_NUMBER not in log_output.getvalue()


def test_every_response_names_its_request_id(client):
    first, second = client.get("/login/"), client.get("/login/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_proxys_request_id_is_kept_when_plain_and_replaced_when_not(client):
    assert client.get("/login/", HTTP_X_REQUEST_ID="nginx-4f2a9c1e").get("X-Request-ID") == "nginx-4f2a9c1e"
    forged = client.get("/login/", HTTP_X_REQUEST_ID="x\nERROR fake line").get("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", forged)

"""Failed logins are counted by the client address the TLS proxy forwards (TRUSTED_PROXY_COUNT),
so one user's mistakes lock out only that user's computer; without a configured proxy the header
is ignored, so a forged one cannot escape the lock."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
RIGHT, WRONG = "pass-12345-word", "wrong"


def _login(client, password, **meta):
    return client.post("/login/", {"username": "clerk_xianan", "password": password}, REMOTE_ADDR=PROXY, **meta)


def test_behind_the_proxy_two_client_addresses_are_throttled_separately(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # given five failures from one office computer, all through the proxy
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, WRONG, HTTP_X_FORWARDED_FOR="192.168.5.11")
    # then that computer is locked out, even with the right password
    assert _login(client, RIGHT, HTTP_X_FORWARDED_FOR="192.168.5.11").status_code == 429
    # and another computer behind the same proxy still logs in
    assert _login(client, RIGHT, HTTP_X_FORWARDED_FOR="192.168.5.12").status_code == 302


def test_behind_the_proxy_an_address_the_client_adds_in_front_does_not_escape(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # the proxy appends the address it saw; what the client sent stays in front of it
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, WRONG, HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}, 192.168.5.11")
    assert _login(client, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.99, 192.168.5.11").status_code == 429


def test_without_a_proxy_a_forged_header_does_not_escape(client, clerk):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, WRONG, HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
    assert _login(client, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429

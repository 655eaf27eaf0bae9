"""Production smoke test: collectstatic, gunicorn with DEBUG off (deploy/gunicorn.conf.py) on a
loopback port against the test database, a login through the real form as the TLS proxy forwards
it, every page of the navigation bar, and an unhandled error that must reach the log."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from core.models import Region
from core.roles import CITY_OFFICER
from tests import factories
from tests.production.urls import ID_NUMBER

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-12345-word"
MASKED = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
STARTUP_SECONDS = 30
NAV_LINK = re.compile(r'<a class="(?:dropdown-item|nav-link|navbar-brand)" href="(/[^"#]*)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict  # the test database pytest-django made
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECURE_SSL_REDIRECT", "DJANGO_SETTINGS_MODULE")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tests.production.settings_smoke", "DEBUG": "0",
        "SECRET_KEY": "smoke-test-9f3Kq!xP2@vL7#nR5$wT8%zB4^mD6&hJ1*cG0(sF3)",
        "ALLOWED_HOSTS": "127.0.0.1", "STATIC_ROOT": str(tmp_path / "static"),
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"), "DATABASE_URL": _database_url(),
        "TRUSTED_PROXY_COUNT": "1", "WEB_CONCURRENCY": "2",
    })
    return env


class Browser:
    """Speaks to gunicorn as the TLS proxy would forward a user's browser: X-Forwarded-Proto,
    X-Forwarded-For, cookies kept by hand (they are Secure, the hop to gunicorn is plain HTTP)."""

    def __init__(self, port):
        self.port, self.origin, self.cookies = port, f"https://127.0.0.1:{port}", {}

    def request(self, method, path, body=None, proxied=True):
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if proxied:
            headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.168.5.11"})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urlencode(body)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin,
                            "Referer": self.origin + path})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return response, text


@pytest.fixture
def static_root(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("gunicorn needs a database it can share with the test: set DATABASE_URL (PostgreSQL)")
    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT,
                          env=_production_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path / "static"


@pytest.fixture
def gunicorn(tmp_path, static_root):
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "config.wsgi:application"],
            cwd=ROOT, env=_production_env(tmp_path), stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start:\n" + log_path.read_text()
                time.sleep(0.2)
        yield port, log_path
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_production_server_serves_every_page_and_logs_errors(gunicorn, presets):
    port, log_path = gunicorn
    user = factories.user("smoke_admin", CITY_OFFICER, Region.objects.get(code="421200"), staff=True)
    user.is_superuser = True  # sees every link of the navigation bar
    # hashed as production hashes (the tests' own settings use a fast hasher production refuses)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save()
    browser = Browser(port)

    # plain HTTP is sent to HTTPS; through the proxy the login page is served
    response, _ = browser.request("GET", "/login/", proxied=False)
    assert response.status == 301 and response.getheader("Location").startswith("https://")
    response, page = browser.request("GET", "/login/")
    assert response.status == 200, page
    assert "登录" in page
    assert "no-store" in response.getheader("Cache-Control")
    assert "default-src 'self'" in response.getheader("Content-Security-Policy")
    assert response.getheader("Strict-Transport-Security")

    # the hashed, compressed static files are served (collectstatic, WhiteNoise)
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        asset_response, _ = browser.request("GET", asset)
        assert asset_response.status == 200, asset
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", asset), asset

    # log in through the real form, with its CSRF token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response, page = browser.request("POST", "/login/", {
        "csrfmiddlewaretoken": token, "username": "smoke_admin", "password": PASSWORD, "next": ""})
    assert response.status == 302, page
    assert "sessionid" in browser.cookies

    # every page of the navigation bar opens
    response, home = browser.request("GET", "/")
    assert response.status == 200, home
    links = sorted({unescape(link) for link in NAV_LINK.findall(home)})
    assert len(links) >= 15, links
    failed = {}
    for link in links:
        response, page = browser.request("GET", link)
        if response.status != 200:
            failed[link] = response.status
    assert not failed, failed

    # a search by ID number leaves no ID number in the access log
    response, _ = browser.request("GET", f"/enrollment/people/?q={ID_NUMBER}")
    assert response.status == 200

    # an unhandled error: the user gets a 500 and its request id, the log the traceback
    response, page = browser.request("GET", f"/test-only/fail/{ID_NUMBER}/")
    assert response.status == 500
    assert "系统出错" in page and ID_NUMBER not in page
    request_id = response.getheader("X-Request-ID")

    time.sleep(0.5)  # let the workers flush their lines
    log = log_path.read_text()
    error = next(line for line in log.splitlines() if f"request={request_id}" in line and "ERROR django.request" in line)
    assert f"user={user.pk}" in error
    assert f"path=/test-only/fail/{MASKED}/" in error
    assert "Traceback (most recent call last)" in log.split(error)[1]
    assert "DeliberateFailure: deliberate failure for " + MASKED in log
    assert ID_NUMBER not in log
    assert log.count("ERROR django.request") == 1, log  # no other page failed

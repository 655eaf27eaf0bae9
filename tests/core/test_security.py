"""Login everywhere, throttled failed logins, expiring sessions, production settings that pass
`check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/enrollment/people/", "/imports/", "/enrollment/policy/", "/imports/template/enrollment_list.xlsx"])
def test_every_page_needs_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_is_chinese_and_open(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_login_works_for_a_clerk(client, clerk):
    response = client.post("/login/", {"username": "clerk_xianan", "password": "pass-12345-word"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_failed_logins_are_throttled(client, clerk):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "clerk_xianan", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    locked = client.post("/login/", {"username": "clerk_xianan", "password": "pass-12345-word"}, REMOTE_ADDR="10.0.0.9")
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert client.get("/").status_code == 302  # still not logged in


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def _production_env(static_root):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "ALLOWED_HOSTS": "yibao.example.gov.cn",
        "SECRET_KEY": "k8#Zq2!vR7@pL4$wN9^tY6&uB3*eX1(cM5)hJ0-gF8+dS2=aQ7", "STATIC_ROOT": str(static_root),
    })
    return env


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = _production_env(tmp_path / "static")
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_deploy_reports_static_files_not_collected(tmp_path):
    # Without the manifest every page, the login page included, would be a server error.
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy"],
                          cwd=ROOT, env=_production_env(tmp_path / "empty"), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "core.E001" in done.stderr and "collectstatic" in done.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"})
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_person_page_shows_who_changed_what(clerk_client, clerk, village):
    from enrollment.services.people import person_create, person_update
    from tests import factories

    person = person_create(user=clerk, name="赵一", id_number=factories.id_number(), village=village, phone="13800000001")
    person_update(user=clerk, person=person, phone="13800000002")
    page = clerk_client.get(f"/enrollment/people/{person.pk}/").content.decode()
    assert "变更记录" in page
    assert "13800000001 → 13800000002" in page
    assert "clerk_xianan" in page

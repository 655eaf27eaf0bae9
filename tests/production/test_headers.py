"""Pages and files with personal data are never cached; every page carries a Content-Security-Policy
whose nonce is the one the page's own inline script bears."""

import base64
import hashlib
import re
from html import unescape
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/enrollment/people/", "/imports/template/enrollment_list.xlsx", "/login/"])
def test_pages_and_downloads_are_not_stored(clerk_client, url):
    response = clerk_client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_a_person_page_is_not_stored(clerk_client, village):
    from tests import factories

    person = factories.person(village)
    response = clerk_client.get(f"/enrollment/people/{person.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    scripts = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert scripts[0] == "'self'" and "'unsafe-inline'" not in scripts  # a nonce only on pages with an inline script


def test_the_admin_export_forms_inline_handler_is_allowed(client, officer):
    # django-import-export's "select all" checkbox has an inline onchange handler
    client.force_login(officer)
    response = client.get("/admin/enrollment/person/export/")
    assert response.status_code == 200
    handlers = re.findall(r' on[a-z]+="([^"]+)"', response.content.decode())
    assert handlers
    policy = response["Content-Security-Policy"]
    for handler in handlers:
        digest = base64.b64encode(hashlib.sha256(unescape(handler).encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy, handler


def test_the_import_progress_script_bears_the_pages_nonce(clerk_client, clerk):
    # given an import being checked (the page polls its progress with an inline script)
    from core.models import ImportJob

    job = ImportJob.objects.create(
        kind="enrollment_list", file="imports/x.xlsx", original_name="名单.xlsx", sha256="0" * 64, size=1,
        user=clerk, region=clerk.region, region_path=clerk.region.path, status=ImportJob.Status.PREVIEWING,
        heartbeat_at=timezone.now() + timedelta(minutes=1),
    )
    # when the page is shown
    response = clerk_client.get(f"/imports/{job.pk}/")
    # then the browser runs the script: its nonce is the policy's
    assert response.status_code == 200
    nonce = re.search(r'<script nonce="([^"]+)">', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]

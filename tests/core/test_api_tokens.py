"""Bearer tokens let another system call the trial interface as a user: shown once, kept only
as a hash, refused when revoked or when the user is inactive."""

import io
import re

import pytest
from django.core.management import call_command

from core.models import ApiToken
from core.services.tokens import token_create, token_revoke
from tests.benefits.test_trial_interface import EXAMPLE_1

pytestmark = pytest.mark.django_db
URL = "/api/trial-settlement/"


def call(client, token):
    return client.post(URL, EXAMPLE_1, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_calls_the_trial_interface_without_a_session(client, clerk, presets):
    token, raw = token_create(user=clerk, name="某医院HIS")
    response = call(client, raw)
    assert response.status_code == 200 and response.json()["personal"] == "4060.00"
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert raw not in {token.key_hash, token.prefix} and not ApiToken.objects.filter(key_hash=raw).exists()


def test_bad_revoked_or_inactive_tokens_are_refused(client, clerk, presets):
    token, raw = token_create(user=clerk, name="测试")
    assert call(client, raw + "x").status_code == 401
    assert call(client, "not-a-token").status_code == 401
    assert client.post(URL, EXAMPLE_1, content_type="application/json", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401
    clerk.is_active = False
    clerk.save()
    assert call(client, raw).status_code == 401
    clerk.is_active = True
    clerk.save()
    assert call(client, raw).status_code == 200
    token_revoke(token)
    response = call(client, raw)
    assert response.status_code == 401 and response.json()["field"] == "auth"


def test_the_command_prints_a_working_token_once(client, clerk, presets):
    out = io.StringIO()
    call_command("create_api_token", user=clerk.username, name="HIS", stdout=out)
    raw = re.search(r"(yb_\S+)", out.getvalue()).group(1)
    assert call(client, raw).status_code == 200
    assert ApiToken.objects.get().name == "HIS"


def test_a_superuser_creates_a_token_in_the_admin_and_sees_it_once(client, clerk, officer):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", password="root-pass-2026-x")
    client.force_login(officer)
    assert client.get("/admin/core/apitoken/").status_code == 403  # officers do not hand out tokens
    client.force_login(admin_user)
    response = client.post("/admin/core/apitoken/add/", {"user": clerk.pk, "name": "HIS"}, follow=True)
    shown = re.search(r"(yb_[\w-]+)", response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.prefix == shown[:10] and token.user == clerk
    assert shown not in client.get(f"/admin/core/apitoken/{token.pk}/change/").content.decode()

"""What a user reads when a page is refused: plain Chinese, never Django's English defaults."""

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_missing_or_foreign_record_reads_in_chinese(clerk_client, jiayu_villages):
    # Given a person of another county
    foreign = factories.person(jiayu_villages[0], name="嘉鱼人")
    # When the clerk opens it by URL
    response = clerk_client.get(f"/enrollment/people/{foreign.pk}/")
    # Then the 404 says so in Chinese and names nothing of the person
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "Not Found" not in page and "嘉鱼人" not in page


def test_a_refused_admin_page_reads_in_chinese(client, clerk):
    # Given a clerk made staff, without any permission on API tokens
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    # When the clerk opens an admin page of a table they may not see
    response = client.get("/admin/core/apitoken/")
    # Then the 403 says so in Chinese
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_a_form_posted_without_its_security_token_reads_in_chinese(clerk):
    # Given a browser whose page has expired (no CSRF token)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)
    # When it posts a form
    response = browser.post("/enrollment/households/new/", {"address": "x"})
    # Then the refusal tells the clerk what to do, without Django's developer hints
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page and "DEBUG" not in page

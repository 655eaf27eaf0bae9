"""The assistance admin in plain Chinese (issue 9): the class rules' sources read as documents
for users who may only look; a superuser still edits the stored keys."""

import pytest
from django.contrib.auth import get_user_model

from assistance.models import AssistanceClassRule

pytestmark = pytest.mark.django_db


def test_class_rule_sources_read_as_documents(client, officer):
    rule = AssistanceClassRule.objects.get(identity_code="subsistence_allowance")
    client.force_login(officer)
    for url in ("/admin/assistance/assistanceclassrule/", f"/admin/assistance/assistanceclassrule/{rule.pk}/change/"):
        page = client.get(url).content.decode()
        assert "十堰救助办法 二" in page and "S001" not in page and "RULES.md" not in page, url


def test_a_superuser_edits_the_stored_source(client, presets):
    rule = AssistanceClassRule.objects.get(identity_code="subsistence_allowance")
    client.force_login(get_user_model().objects.create_superuser("root", password="pass-12345-word"))
    page = client.get(f"/admin/assistance/assistanceclassrule/{rule.pk}/change/").content.decode()
    assert 'name="source"' in page and "S001 §二" in page

"""Every model change has its migration (a choice added to a shared list changes other apps'
fields too: the 定点医疗机构 department changed the hardship identities' department field)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit as missing:
        pytest.fail(f"makemigrations found changes without a migration:\n{out.getvalue()}") if missing.code else None
    assert "No changes detected" in out.getvalue()

"""The admin's import log (导入记录): the jobs of the officer's region and of the lists they may
import, in plain Chinese: the list's title, the status, counts as 新增 1，错误 1, local times."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.models import ImportChunk, ImportJob
from core.roles import CITY_OFFICER
from tests import factories

pytestmark = pytest.mark.django_db


def job(user, region, **extra):
    values = {"kind": "enrollment_list", "file": "imports/x.xlsx", "original_name": "龙畈村名单.xlsx", "sha256": "1" * 64, "size": 20480,
              "user": user, "region": region, "status": ImportJob.Status.PREVIEWED, "total_rows": 6,
              "counts": {"new": 3, "changed": 1, "unchanged": 0, "error": 2}, "options": {}} | extra
    return ImportJob.objects.create(**values)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def county_officer(xianan):
    return factories.user("officer_xianan", CITY_OFFICER, xianan, staff=True)


def test_the_log_lists_kind_status_and_counts_in_chinese(client, county_officer, xianan):
    # Given a previewed enrollment list of the officer's county
    shown = job(county_officer, xianan)
    ImportJob.objects.filter(pk=shown.pk).update(created_at=datetime(2026, 11, 3, 1, 5, tzinfo=ZoneInfo("UTC")))
    client.force_login(county_officer)
    # When the officer opens the import log
    text = visible_text(client.get("/admin/core/importjob/").content.decode())
    # Then the list reads in Chinese: title, status, counts, local time
    assert "参保名单导入" in text and "待确认" in text
    assert "新增 3，变更 1，错误 2" in text
    assert "2026-11-03 09:05" in text
    for code in ("enrollment_list", "previewed", "{", "new"):
        assert code not in text, code


def test_the_job_page_reads_in_chinese_and_links_to_the_preview(client, county_officer, xianan):
    shown = job(county_officer, xianan, kind="identity_list", status=ImportJob.Status.COMMITTED,
                options={"register_unknown": True, "matches": {"5": 1, "3": 2}}, seconds="1.25")
    ImportChunk.objects.create(job=shown, number=1, first_row=2, last_row=7, rows=6, status=ImportChunk.Status.DONE,
                               counts={"new": 6}, file="chunks/x.json.gz", finished_at=timezone.now())
    client.force_login(county_officer)
    html = client.get(f"/admin/core/importjob/{shown.pk}/change/").content.decode()
    text = visible_text(html)
    assert "部门认定名单导入" in text and "已导入" in text
    assert "新增 3，变更 1，错误 2" in text and "新增 6" in text
    assert "登记未登记人员（须填写所属村/社区）：是" in text and "已确认候选人员：第3、5行" in text
    assert "20 KB" in text and "1.25 秒" in text
    assert f'href="/imports/{shown.pk}/"' in html
    for code in ("identity_list", "register_unknown", "matches", "{", "True", "None"):
        assert code not in text, code


def test_the_log_filters_by_the_lists_chinese_titles(client, county_officer, xianan):
    job(county_officer, xianan, original_name="名单甲.xlsx")
    job(county_officer, xianan, kind="settlements", original_name="结算乙.xlsx")
    client.force_login(county_officer)
    page = visible_text(client.get("/admin/core/importjob/?kind=settlements").content.decode())
    assert "结算乙.xlsx" in page and "名单甲.xlsx" not in page
    assert "定点机构结算数据导入" in page  # the filter's choice


def test_another_countys_jobs_and_lists_the_user_may_not_import_stay_out_of_the_log(client, county_officer, xianan, jiayu):
    jiayu_clerk = factories.user("clerk_jiayu", "经办员", jiayu)
    other = job(jiayu_clerk, jiayu, original_name="嘉鱼名单.xlsx")
    reviewer = factories.user("reviewer_xianan", "审核员", xianan, staff=True)
    job(county_officer, xianan, original_name="咸安名单.xlsx")
    client.force_login(county_officer)
    assert "嘉鱼名单.xlsx" not in client.get("/admin/core/importjob/").content.decode()
    assert client.get(f"/admin/core/importjob/{other.pk}/change/").status_code == 403
    # A reviewer imports no list: no job is theirs to read, as on the 名单导入 pages
    client.force_login(reviewer)
    assert "咸安名单.xlsx" not in client.get("/admin/core/importjob/").content.decode()

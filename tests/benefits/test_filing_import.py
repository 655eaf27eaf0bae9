"""The remote-care filing list (异地就医备案名单, benefits.importers_filings): a county clerk's file
previews, then commits through the filing service; every bad row says in Chinese what is wrong
with which column; the same file again changes nothing; a later end date ends or extends the
filing already recorded."""

from datetime import date

import pytest

from benefits.models import RemoteCareFiling
from benefits.services.filings import filing_create, filing_revoke
from core.errors import ServiceError
from core.imports import CHANGED, NEW, UNCHANGED
from core.models import ImportJob
from tests import factories
from tests.spreadsheets import Text, committed, previewed, reasons, statuses, workbook

pytestmark = pytest.mark.django_db

HEADERS = ["身份证号", "姓名", "备案类型", "就医省份", "就医城市", "备案开始日期", "备案结束日期", "转入医院", "备注"]
KIND = "remote_filings"


def filing_list(*rows) -> bytes:
    return workbook(HEADERS, rows)


def row(person, kind="临时外出就医备案", province="广东省", city="广州市", start="2026-01-01", end="2026-06-30", hospital=None, note=None,
        name=None):
    return [person.id_number, name or person.name, kind, province, city, start, end, hospital, note]


@pytest.fixture
def people(village):
    return [factories.person(village, name=name) for name in ("陈一", "陈二", "陈三")]


def preview(clerk, *rows, name="备案名单.xlsx"):
    return previewed(clerk, filing_list(*rows), kind=KIND, name=name)


def commit(clerk, *rows, name="备案名单.xlsx"):
    return committed(clerk, filing_list(*rows), kind=KIND, name=name)


def test_a_good_file_previews_then_commits_through_the_service(clerk, people):
    a, b, c = people
    rows = [row(a, hospital="中山大学附属第一医院"), row(b, kind="转诊", province="北京", city="", start=date(2026, 3, 1), end=None),
            row(c, kind="异地长期居住备案", province="海南", city="三亚", end=None, note="随子女居住")]
    # When previewed, nothing is written and each row says what it would do
    job = preview(clerk, *rows)
    assert statuses(job) == {2: NEW, 3: NEW, 4: NEW}
    summaries = {n: summary for n, _s, summary, *_ in job.preview_rows}
    assert "陈一" in summaries[2] and "临时外出就医备案 广东省广州市 2026-01-01至2026-06-30" in summaries[2]
    assert "转诊备案 北京市 2026-03-01至长期" in summaries[3] and "（全省）" not in summaries[3]  # a municipality is its own city
    assert not RemoteCareFiling.objects.exists()
    # When committed
    job = commit(clerk, *rows)
    assert job.status == ImportJob.Status.COMMITTED and job.counts["new"] == 3
    stored = {f.person.name: f for f in RemoteCareFiling.objects.select_related("person")}
    assert (stored["陈一"].kind, stored["陈一"].hospital, stored["陈一"].valid_to) == ("temporary", "中山大学附属第一医院", date(2026, 6, 30))
    assert (stored["陈二"].kind, stored["陈二"].destination_province, stored["陈二"].destination_city) == ("referral", "北京市", "")
    assert (stored["陈三"].destination_province, stored["陈三"].destination_city, stored["陈三"].note) == ("海南省", "三亚市", "随子女居住")  # 三亚 stored as 三亚市
    assert all(f.source_import_id == job.pk and f.created_by == clerk for f in stored.values())
    assert stored["陈一"].history.get().history_change_reason == "导入 备案名单.xlsx"


def test_the_same_file_again_changes_nothing(clerk, people):
    rows = [row(people[0]), row(people[1], kind="转诊备案", city="")]
    commit(clerk, *rows)
    before = list(RemoteCareFiling.objects.order_by("pk").values())
    histories = RemoteCareFiling.history.count()
    # When the very same file is imported again
    job = commit(clerk, *rows)
    # Then every row is unchanged and nothing was written
    assert statuses(job) == {2: UNCHANGED, 3: UNCHANGED} and job.counts.get("new", 0) == 0
    assert list(RemoteCareFiling.objects.order_by("pk").values()) == before
    assert RemoteCareFiling.history.count() == histories
    summaries = {n: summary for n, _s, summary, *_ in job.preview_rows}
    assert summaries[2].endswith("已备案")


def test_another_spelling_of_the_same_filing_is_the_same_filing(clerk, people):
    commit(clerk, row(people[0], province="广东省", city="广州市", start="2026-01-01"))
    job = preview(clerk, row(people[0], kind="临时外出", province="广东", city="广州", start=date(2026, 1, 1)))
    assert statuses(job) == {2: UNCHANGED}


def test_a_later_end_date_ends_or_extends_the_filing_recorded(clerk, people):
    commit(clerk, row(people[0], end="2026-06-30"))
    job = commit(clerk, row(people[0], end="2026-03-31"))
    assert statuses(job) == {2: CHANGED}
    filing = RemoteCareFiling.objects.get()
    assert filing.valid_to == date(2026, 3, 31)
    assert filing.history.latest("history_id").history_change_reason == "导入 备案名单.xlsx"
    assert statuses(commit(clerk, row(people[0], end=None))) == {2: CHANGED}
    filing.refresh_from_db()
    assert filing.valid_to is None and RemoteCareFiling.objects.count() == 1


def test_an_end_before_a_bill_settled_on_the_filing_is_refused(clerk, people):
    from tests.benefits.test_filings import settled_on

    commit(clerk, row(people[0], end="2026-06-30"))
    settled_on(RemoteCareFiling.objects.get(), people[0], date(2026, 5, 10))
    job = preview(clerk, row(people[0], end="2026-04-30"))
    assert reasons(job)[2].startswith("备案结束日期：该备案已用于 2026-05-10 入院的结算单 GZ0001，结束日期不能早于该日")


def test_a_filing_revoked_on_the_pages_is_not_brought_back_by_the_list(clerk, people):
    commit(clerk, row(people[0]))
    filing_revoke(user=clerk, filing=RemoteCareFiling.objects.get(), reason="录入错误")
    job = commit(clerk, row(people[0]))
    assert statuses(job) == {2: UNCHANGED}
    assert "该备案已撤销，未重新导入" in job.preview_rows[0][2]
    assert RemoteCareFiling.objects.get().status == "revoked"


def test_each_bad_row_says_what_is_wrong_in_chinese_and_the_commit_writes_nothing(clerk, people, jiayu_villages):
    a, b, c = people
    foreign = factories.person(jiayu_villages[0], name="嘉鱼人")
    unknown = factories.id_number(date(1970, 1, 1), "421202")
    filing_create(user=clerk, person=c, kind="referral", destination_province="上海市", valid_from=date(2026, 1, 1), valid_to=None)
    rows = [
        row(a),  # 2: good
        [unknown, "查无此人", "临时外出就医备案", "广东省", "广州市", "2026-01-01", None, None, None],  # 3
        row(foreign),  # 4: another county's person reads as unregistered
        row(b, name="陈贰"),  # 5
        row(b, kind="长住"),  # 6
        row(b, province="广东国"),  # 7
        row(b, province="湖北", city="咸宁"),  # 8: inside the pooling region
        row(b, start="2026-07-01", end="2026-06-30"),  # 9
        row(b, start="2026年13月1日"),  # 10
        row(c, kind="转诊备案", province="上海", city="", start="2026-05-01"),  # 11: overlaps a stored referral
        row(a, start="2026-03-01", end="2026-12-31"),  # 12: overlaps row 2 of this file
        [a.id_number[:17] + ("0" if a.id_number[17] != "0" else "1"), a.name, "临时外出就医备案", "广东省", "广州市", "2026-01-01",
         None, None, None],  # 13: check character
        row(b, city=Text("=HYPERLINK(\"http://x\")")),  # 14: text a spreadsheet would run
        row(b, kind="异地长期居住备案", province="浙江省", city="杭州市", start="1899-01-01"),  # 15
        row(b, province="湖北省", city="嘉鱼县"),  # 16: a county of the pooling region
        row(b, province="上海", city="浦东新区"),  # 17: a municipality is its own city
        row(b, province="湖南省", city="长沙县"),  # 18: a county is not a city
    ]
    job = preview(clerk, *rows)
    why = reasons(job)
    assert statuses(job)[2] == NEW and set(why) == set(range(3, 19))
    assert why[3] == "身份证号：该身份证号的人员未在您的辖区登记；请先登记人员"
    assert why[4] == why[3]  # the same words: a list of guessed numbers tells nothing of other counties
    assert why[5] == "姓名：姓名与登记信息（陈二）不一致，请核对"
    assert why[6].startswith("备案类型：无法识别备案类型「长住」，应为 转诊备案、临时外出就医备案、异地长期居住备案")
    assert why[7].startswith("就医省份：「广东国」不是省级行政区名称")
    assert why[8].startswith("就医城市：就医地（湖北省咸宁）在参保人所在统筹区（湖北省咸宁市）内")
    assert why[9] == "备案结束日期：备案结束日期（2026-06-30）早于备案开始日期（2026-07-01）"
    assert why[10].startswith("备案开始日期：「2026年13月1日」不是有效日期")
    assert why[11].startswith("备案开始日期：已有覆盖该地的有效转诊备案：转诊备案 上海市 2026-01-01至长期")
    assert why[12].startswith("备案开始日期：已有覆盖该地的有效临时外出就医备案：临时外出就医备案 广东省广州市 2026-01-01至2026-06-30")
    assert why[13].startswith("身份证号：") and "校验" in why[13]
    assert why[14].startswith("就医城市：") and "公式" in why[14]
    assert why[15].startswith("备案开始日期：") and "不在合理范围内" in why[15]
    assert why[16].startswith("就医城市：就医地（湖北省嘉鱼县）在参保人所在统筹区（湖北省咸宁市）内")
    assert why[17] == "就医城市：上海市是直辖市，就医城市请留空（不填区、县）"
    assert why[18].startswith("就医城市：「长沙县」是县（区）")
    # Without 跳过错误行 the commit is refused and writes nothing
    with pytest.raises(ServiceError, match="有 16 行错误"):
        commit(clerk, *rows)
    assert RemoteCareFiling.objects.count() == 1  # the stored referral only


def test_a_bare_city_is_stored_with_its_shi_and_reads_as_one_filing(clerk, people):
    commit(clerk, row(people[0], province="湖北", city="武汉"))
    stored = RemoteCareFiling.objects.get()
    assert (stored.destination_province, stored.destination_city) == ("湖北省", "武汉市")
    # The same filing spelt 武汉市 changes nothing
    job = preview(clerk, row(people[0], province="湖北省", city="武汉市"))
    assert statuses(job) == {2: UNCHANGED}


def test_a_filing_repeated_in_the_file_under_another_spelling_is_refused_as_a_repetition(clerk, people):
    job = preview(clerk, row(people[0], kind="转诊备案", province="广东省"), row(people[0], kind="转诊", province="广东"))
    why = reasons(job)
    assert set(why) == {2, 3} and "与第3行重复" in why[2] and "同一文件内不能重复" in why[2]


def test_skipping_bad_rows_writes_the_good_ones(clerk, people):
    job = committed(clerk, filing_list(row(people[0]), row(people[1], province="火星")), kind=KIND, skip_bad_rows=True)
    assert job.status == ImportJob.Status.COMMITTED and (job.counts["new"], job.counts["error"]) == (1, 1)
    assert list(RemoteCareFiling.objects.values_list("person__name", flat=True)) == ["陈一"]


def test_a_reviewer_may_not_import_filings(client, xianan):
    reviewer = factories.user("reviewer_import", "审核员", xianan)
    client.force_login(reviewer)
    assert client.get(f"/imports/new/{KIND}/").status_code == 403

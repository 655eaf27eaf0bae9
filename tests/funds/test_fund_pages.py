"""The fund pages (issue 12): balances as of a day by fund with export and print view, the
journal and an entry's lines; a county's reviewer sees its own county's lines only, another
county's entry is a 404; bad query parameters are a 400 in Chinese."""

import io
import re
from urllib.parse import unquote
from datetime import date
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from core.models import Region, SecurityEvent
from core.roles import REVIEWER
from funds.models import AccountKind, Fund, SourceKind
from funds.services import ledger
from tests import factories

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


@pytest.fixture
def posted(presets, xianan, jiayu):
    city = Region.objects.get(code="421200")
    basic = Fund.RESIDENT_BASIC
    expense = ledger.account(basic, AccountKind.BENEFIT_EXPENSE, city)
    payable = ledger.account(basic, AccountKind.FACILITY_PAYABLE, city)
    both, _ = ledger.post(city=city, posted_on=DAY, source_kind=SourceKind.SETTLEMENTS, key="both", memo="两县结算", lines=[
        ledger.Line(expense, D("1234567.89"), xianan), ledger.Line(payable, D("-1234567.89"), xianan),
        ledger.Line(expense, D("500.00"), jiayu), ledger.Line(payable, D("-500.00"), jiayu)])
    jiayu_only, _ = ledger.post(city=city, posted_on=DAY, source_kind=SourceKind.MANUAL_CLAIMS, key="jiayu", memo="嘉鱼县手工报销凭证",
                                lines=[ledger.Line(expense, D("70.00"), jiayu), ledger.Line(payable, D("-70.00"), jiayu)])
    return {"both": both, "jiayu": jiayu_only}


def test_the_officer_sees_the_city_s_balances_formatted_and_zero_per_fund(client, officer, posted):
    client.force_login(officer)
    page = client.get("/funds/balances/", {"as_of": "2026-03-02"}).content.decode()
    assert "1,235,137.89" in page and "-1,235,137.89" in page and "居民基本医疗保险基金合计" in page
    assert page.count('<td class="money">0.00</td>') == 1  # the fund's total
    before = client.get("/funds/balances/", {"as_of": "2026-03-01"}).content.decode()
    assert "截至该日没有记账记录" in before


def test_a_county_reviewer_sees_its_county_s_lines_only(client, xianan, posted):
    reviewer = factories.user("xianan_reviewer", REVIEWER, xianan)
    client.force_login(reviewer)
    page = client.get("/funds/balances/", {"as_of": "2026-03-02"}).content.decode()
    assert "1,234,567.89" in page and "1,235,137.89" not in page
    entries = client.get("/funds/entries/").content.decode()
    assert "两县结算" in entries and "嘉鱼县手工报销凭证" not in entries
    detail = client.get(f"/funds/entries/{posted['both'].pk}/").content.decode()
    assert "1,234,567.89" in detail and "500.00" not in detail and "只显示您辖区的分录" in detail
    assert client.get(f"/funds/entries/{posted['jiayu'].pk}/").status_code == 404
    assert SecurityEvent.objects.filter(object_type="funds.JournalEntry", object_id=str(posted["jiayu"].pk)).exists()


def test_the_export_and_the_print_view(client, officer, posted):
    client.force_login(officer)
    response = client.get("/funds/balances/export.xlsx", {"as_of": "2026-03-02", "fund": "resident_basic"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("基金", "账户类别", "账户所属", "余额（截至2026-03-02，借正贷负）")
    assert ("居民基本医疗保险基金", "待遇支出", "咸宁市", 1235137.89) in rows
    assert ("居民基本医疗保险基金合计", None, None, 0) in rows
    assert "咸宁市居民基本医疗保险基金账户余额20260302.xlsx" in unquote(response["Content-Disposition"])
    printed = client.get("/funds/balances/", {"as_of": "2026-03-02", "print": "1"}).content.decode()
    assert "基金账户余额表" in printed and "data-print" in printed and "signatures" in printed


def test_the_entry_page_shows_debits_and_credits_and_totals(client, officer, posted):
    client.force_login(officer)
    page = client.get(f"/funds/entries/{posted['both'].pk}/").content.decode()
    assert page.count("1,235,067.89") == 2  # debit and credit totals
    assert "待遇支出·咸宁市" in page and "应付定点医疗机构" in page and "嘉鱼县" in page


@pytest.mark.parametrize("params, said", [({"as_of": "2026-02-30"}, "截至日期"), ({"as_of": "0999-01-01"}, "截至日期"),
                                          ({"fund": "nonsense"}, "基金"), ({"county": "999999"}, "不在您的管辖范围内")])
def test_bad_balance_queries_are_a_400_in_chinese(client, officer, posted, params, said):
    client.force_login(officer)
    response = client.get("/funds/balances/", params)
    assert response.status_code == 400 and said in response.content.decode()
    assert client.get("/funds/balances/export.xlsx", params).status_code == 400


def test_bad_entry_queries_are_a_400(client, officer, posted):
    client.force_login(officer)
    assert client.get("/funds/entries/", {"date_from": "2026-03-05", "date_to": "2026-03-01"}).status_code == 400
    assert client.get("/funds/entries/", {"after": "x"}).status_code == 400
    assert client.get("/funds/entries/", {"source": "bogus"}).status_code == 400


def test_a_clerk_has_no_fund_pages(client, clerk, posted):
    client.force_login(clerk)
    assert client.get("/funds/balances/").status_code == 403
    assert client.get("/funds/entries/").status_code == 403
    assert "基金账户余额" not in client.get("/").content.decode()


def test_the_monthly_statement_by_month_with_totals_export_and_print(client, officer, presets, xianan, jiayu):
    city = Region.objects.get(code="421200")
    basic = Fund.RESIDENT_BASIC
    treasury = ledger.account(basic, AccountKind.TREASURY, city)
    income = ledger.account(basic, AccountKind.CONTRIBUTION_INCOME, city)
    expense = ledger.account(basic, AccountKind.BENEFIT_EXPENSE, city)
    for key, day, county, lines in (("i1", date(2026, 1, 5), xianan, [(treasury, "10000.00"), (income, "-10000.00")]),
                                    ("e1", date(2026, 3, 2), xianan, [(expense, "2500.50"), (treasury, "-2500.50")]),
                                    ("e2", date(2026, 3, 9), jiayu, [(expense, "99.00"), (treasury, "-99.00")]),
                                    ("old", date(2025, 12, 31), xianan, [(expense, "7.00"), (treasury, "-7.00")])):
        ledger.post(city=city, posted_on=day, source_kind=SourceKind.MANUAL, key=key, memo="测试",
                    lines=[ledger.Line(a, D(v), county) for a, v in lines])
    client.force_login(officer)
    page = client.get("/funds/statement/", {"year": "2026"}).content.decode()
    rows = re.findall(r"<tr><td>(\d+)月</td>(.*?)</tr>", page, re.S)
    march = dict(rows)["3"]
    assert "2,599.50" in march and "-2,599.50" in march and "7,400.50" in march  # expenditure, the month, the year so far
    assert "10,000.00" in dict(rows)["1"]
    assert "合计" in page and "7,400.50" in page.split("合计")[1]
    only_jiayu = client.get("/funds/statement/", {"year": "2026", "county": jiayu.pk}).content.decode()
    assert "99.00" in only_jiayu and "2,500.50" not in only_jiayu
    sheet = load_workbook(io.BytesIO(client.get("/funds/statement/export.xlsx", {"year": "2026"}).content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == ("月份", "收入", "支出", "当月结余", "本年累计结余") and table[3] == ("3月", 0, 2599.5, -2599.5, 7400.5)
    printed = client.get("/funds/statement/", {"year": "2026", "print": "1"}).content.decode()
    assert "signatures" in printed and 'href="/funds/statement/?year=2026"' in printed
    assert client.get("/funds/statement/", {"year": "1999"}).status_code == 400
    assert client.get("/funds/statement/", {"fund": "x"}).status_code == 400


def test_the_journal_exports_the_lines_the_user_may_see(client, xianan, posted, officer):
    client.force_login(officer)
    table = list(load_workbook(io.BytesIO(client.get("/funds/entries/export.xlsx").content)).active.iter_rows(values_only=True))
    assert table[0][:4] == ("凭证号", "记账日期", "来源", "摘要") and len(table) == 1 + 6
    assert (posted["both"].pk, "两县结算", "待遇支出", "嘉鱼县", 500.0, None) in [(r[0], r[3], r[5], r[7], r[9], r[10]) for r in table[1:]]
    reviewer = factories.user("xianan_reviewer2", REVIEWER, xianan)
    client.force_login(reviewer)
    mine = list(load_workbook(io.BytesIO(client.get("/funds/entries/export.xlsx").content)).active.iter_rows(values_only=True))
    assert len(mine) == 1 + 2 and all(r[7] == "咸安区" for r in mine[1:])
    assert client.get("/funds/entries/export.xlsx", {"date_from": "x"}).status_code == 400

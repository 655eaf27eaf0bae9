"""Money facilities owe the funds (issue 12, RULES.md 7: paid up per fund before the year's end):
the city bureau records the decision (a receivable and other income), the fund cashier its payment
into the city fiscal special account; a decision annulled before payment is reversed."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from core.errors import ServiceError
from core.roles import FUND_CASHIER, REVIEWER
from funds.models import AccountKind, FacilityPenalty, Fund, JournalLine
from funds.services import penalties
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 2)
Status = FacilityPenalty.Status


@pytest.fixture
def cashier(city):
    return factories.user("pen_cashier", FUND_CASHIER, city)


def _decide(officer, **overrides):
    values = {"facility_code": "h001", "fund": Fund.RESIDENT_BASIC, "kind": "breach", "amount": "12,345.60",
              "document": "咸医保处〔2026〕7号", "decided_on": date(2026, 6, 1), "reason": "分解住院", "today": TODAY}
    return penalties.penalty_decide(user=officer, **{**values, **overrides})


def _balance(kind, **filters):
    return JournalLine.objects.filter(account__kind=kind, **filters).aggregate(t=Sum("amount"))["t"] or D("0")


def test_a_decision_is_owed_by_the_year_s_end_and_its_payment_reaches_the_special_account(city, world, officer, cashier, xianan):
    penalty = _decide(officer)
    assert (penalty.facility.code, penalty.county, penalty.amount, penalty.due_on, penalty.status) == (
        "H001", xianan, D("12345.60"), date(2026, 12, 31), Status.OWED)
    lines = {(line.account.kind, line.amount, line.county.code) for line in penalty.decision_entry.lines.select_related("account", "county")}
    assert lines == {(AccountKind.FACILITY_RECEIVABLE, D("12345.60"), "421202"), (AccountKind.OTHER_INCOME, D("-12345.60"), "421202")}
    assert penalty.decision_entry.posted_on == date(2026, 6, 1) and "咸安区人民医院" in penalty.decision_entry.memo
    # the same decision for the same fund is recorded once; for another fund it is its own amount
    with pytest.raises(ServiceError, match="已登记"):
        _decide(officer)
    _decide(officer, fund=Fund.RESIDENT_CI, amount="100")
    with pytest.raises(ServiceError, match="页面已过期"):
        penalties.penalty_collect(user=cashier, penalty=penalty, paid_on=date(2026, 7, 1), receipt="R1", expected=None, today=TODAY)
    with pytest.raises(ServiceError, match="缴纳日期不能早于决定日期 2026-06-01"):
        penalties.penalty_collect(user=cashier, penalty=penalty, paid_on=date(2026, 5, 31), receipt="R1", expected="owed", today=TODAY)
    with pytest.raises(ServiceError, match="您没有登记缴款的权限"):
        penalties.penalty_collect(user=officer, penalty=penalty, paid_on=date(2026, 7, 1), receipt="R1", expected="owed", today=TODAY)
    paid = penalties.penalty_collect(user=cashier, penalty=penalty, paid_on=date(2026, 7, 1), receipt="FS-0701", expected="owed",
                                     today=TODAY)
    assert (paid.status, paid.paid_on, paid.paid_by, paid.receipt) == (Status.PAID, date(2026, 7, 1), cashier, "FS-0701")
    basic = {"fund": Fund.RESIDENT_BASIC}
    assert _balance(AccountKind.FACILITY_RECEIVABLE, **basic) == 0
    assert _balance(AccountKind.FISCAL_SPECIAL, **basic) == D("12345.60") and _balance(AccountKind.OTHER_INCOME, **basic) == D("-12345.60")
    with pytest.raises(ServiceError, match="已缴入市级财政专户，不能撤销"):
        penalties.penalty_cancel(user=officer, penalty=paid, reason="复议撤销", expected="paid", today=TODAY)
    reasons = list(paid.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons == ["登记处理决定", "登记缴款"]


def test_an_annulled_decision_is_reversed_and_nothing_is_owed(city, world, officer, cashier):
    penalty = _decide(officer)
    with pytest.raises(ServiceError, match="请填写撤销原因"):
        penalties.penalty_cancel(user=officer, penalty=penalty, reason=" ", expected="owed", today=TODAY)
    cancelled = penalties.penalty_cancel(user=officer, penalty=penalty, reason="行政复议撤销原决定", expected="owed", today=TODAY)
    assert cancelled.status == Status.CANCELLED and cancelled.decision_entry.reversed_by.posted_on == TODAY
    assert _balance(AccountKind.FACILITY_RECEIVABLE) == 0 and _balance(AccountKind.OTHER_INCOME) == 0
    with pytest.raises(ServiceError, match="已撤销"):
        penalties.penalty_collect(user=cashier, penalty=penalty, paid_on=date(2026, 7, 1), receipt="R", expected="owed", today=TODAY)


@pytest.mark.parametrize("overrides, message", [
    ({"facility_code": "NOPE"}, "咸宁市没有编码为“NOPE”的定点医疗机构"),
    ({"facility_code": ""}, "请填写定点医疗机构编码"),
    ({"amount": "0"}, "请填写金额"),
    ({"amount": "-5"}, "金额"),
    ({"amount": "1e5"}, "金额"),
    ({"amount": "99999999999999999"}, "金额"),
    ({"document": "  "}, "请填写处理决定文号"),
    ({"reason": ""}, "请填写事由"),
    ({"decided_on": date(2024, 12, 31)}, "决定日期不能早于基金账可记账的首日 2025-01-01"),
    ({"decided_on": date(2026, 12, 3)}, "决定日期"),
    ({"kind": "gift"}, "请选择类别"),
    ({"fund": "x"}, "请选择基金"),
])
def test_bad_input_is_refused_and_nothing_is_written(city, world, officer, overrides, message):
    with pytest.raises(ServiceError, match=message):
        _decide(officer, **overrides)
    assert not FacilityPenalty.objects.exists() and not JournalLine.objects.exists()


def test_another_city_s_facility_and_a_county_user_are_refused(city, world, officer, xianan, presets):
    from benefits.models import Facility
    from core.models import Region

    shiyan = Region.objects.get(code="420300")
    Facility.objects.create(code="SY01", name="十堰市人民医院", level=3, tier="secondary_plus", region=shiyan, agreement_from=date(2020, 1, 1))
    with pytest.raises(ServiceError, match="咸宁市没有编码为“SY01”"):
        _decide(officer, facility_code="SY01")
    reviewer = factories.user("pen_reviewer", REVIEWER, xianan)
    with pytest.raises(ServiceError, match="没有登记定点机构违约金"):
        _decide(reviewer)


def test_the_pages(client, city, world, officer, cashier, xianan, jiayu):
    client.force_login(officer)
    page = client.get("/funds/penalties/").content.decode()
    assert 'id="decide-form"' in page and "没有符合条件的记录" in page
    refused = client.post("/funds/penalties/", {"facility": "H001", "fund": "resident_basic", "kind": "breach", "amount": "1.5e3",
                                                 "document": "咸医保处〔2025〕3号", "decided_on": "2025-03-01", "reason": "串换项目"})
    assert refused.status_code == 200 and "金额" in refused.content.decode() and not FacilityPenalty.objects.exists()
    response = client.post("/funds/penalties/", {"facility": "Ｈ００１", "fund": "resident_basic", "kind": "breach", "amount": "1,500",
                                                  "document": "咸医保处〔2025〕3号", "decided_on": "2025-03-01", "reason": "串换项目"})
    penalty = FacilityPenalty.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/funds/penalties/{penalty.pk}/"
    # last year's: overdue
    page = client.get("/funds/penalties/").content.decode()
    assert "逾期" in page and "1,500.00" in page.split('id="penalty-totals"')[1].split("</table>")[0]
    entry_page = client.get(f"/funds/entries/{penalty.decision_entry_id}/").content.decode()
    assert f'href="/funds/penalties/{penalty.pk}/"' in entry_page and "文号、缴款凭证号 咸医保处〔2025〕3号" in entry_page
    detail = client.get(f"/funds/penalties/{penalty.pk}/").content.decode()
    assert 'id="overdue"' in detail and 'id="cancel-form"' in detail and 'id="pay-form"' not in detail  # the officer does not collect
    printed = client.get("/funds/penalties/", {"print": "1", "status": "owed"}).content.decode()
    assert "定点医疗机构违约金和违规费用缴纳情况表" in printed and "咸安区人民医院" in printed and "查询条件：状态 待缴纳。" in printed
    sheet = load_workbook(io.BytesIO(client.get("/funds/penalties/", {"export": "xlsx"}).content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "定点医疗机构" and rows[1][4] == "咸医保处〔2025〕3号" and rows[1][6] == D("1500.00")
    assert client.get("/funds/penalties/", {"year": "x"}).status_code == 400
    # the cashier collects; a form left open afterwards is refused
    client.force_login(cashier)
    detail = client.get(f"/funds/penalties/{penalty.pk}/").content.decode()
    assert 'id="pay-form"' in detail and 'id="cancel-form"' not in detail
    assert 'id="decide-form"' not in client.get("/funds/penalties/").content.decode()
    bad = client.post(f"/funds/penalties/{penalty.pk}/", {"action": "pay", "step": "owed", "paid_on": "2025-02-01", "receipt": "R9"})
    assert "缴纳日期不能早于决定日期" in bad.content.decode()
    ok = client.post(f"/funds/penalties/{penalty.pk}/", {"action": "pay", "step": "owed", "paid_on": "2025-03-05", "receipt": "R9"})
    assert ok.status_code == 302
    again = client.post(f"/funds/penalties/{penalty.pk}/", {"action": "pay", "step": "owed", "paid_on": "2025-03-05", "receipt": "R9"},
                        follow=True)
    assert "请刷新页面后再办理" in again.content.decode() and FacilityPenalty.objects.get().receipt == "R9"
    assert client.post("/funds/penalties/", {"facility": "H001"}).status_code == 403
    # a county's reviewer reads its own county's; another county's is a 404
    client.force_login(factories.user("pen_rev", REVIEWER, xianan))
    assert "咸安区人民医院" in client.get("/funds/penalties/").content.decode()
    assert client.get(f"/funds/penalties/{penalty.pk}/").status_code == 200
    client.force_login(factories.user("pen_rev2", REVIEWER, jiayu))
    assert "咸安区人民医院" not in client.get("/funds/penalties/").content.decode()
    assert client.get(f"/funds/penalties/{penalty.pk}/").status_code == 404


def test_a_decision_submitted_twice_at_once_is_refused_in_words(city, world, officer, monkeypatch):
    """Two posts of the same decision at the same moment: the second's insert meets the first's
    row (the unique constraint), and is refused as already recorded, not a 500."""
    first = _decide(officer)
    monkeypatch.setattr(penalties.FacilityPenalty.objects, "filter",
                        lambda *a, **k: FacilityPenalty.objects.none() if "document" in k else FacilityPenalty.objects.all().filter(*a, **k))
    with pytest.raises(ServiceError, match="已登记"):
        _decide(officer)
    assert FacilityPenalty.objects.count() == 1 and first.pk

"""Fund budgets (issue 12, RULES.md 7): compiled by the city bureau per item and county, reviewed by
the city government, approved by the people's congress; an adjustment is a new version by the same
procedure; execution compares the ledger with the budget in force month by month, and the year's
final account (决算) once it is over."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from core.errors import ServiceError
from core.roles import FINANCE, REVIEWER
from funds.models import AccountKind, Budget, Fund
from funds.services import budget as budgets
from funds.services import jobs
from tests import factories
from tests.funds.conftest import settle

pytestmark = pytest.mark.django_db
Status = Budget.Status
TODAY = date(2026, 12, 2)
INCOME, EXPENSE = AccountKind.CONTRIBUTION_INCOME, AccountKind.BENEFIT_EXPENSE


def _approved(officer, city, xianan, jiayu, year=2026, **amounts):
    budget = budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=year, compiled_on=date(year - 1, 11, 1), today=TODAY)
    budgets.budget_set_lines(user=officer, budget=budget, amounts=amounts or {
        (xianan.pk, INCOME): "100,000.00", (jiayu.pk, INCOME): "50000", (xianan.pk, EXPENSE): "80000", (city.pk, EXPENSE): "10000"})
    budgets.budget_review(user=officer, budget=budget, document="咸政函〔2025〕1号", on=date(2025, 12, 20))
    return budgets.budget_approve(user=officer, budget=budget, document="咸人大〔2026〕2号", on=date(2026, 1, 15))


def test_a_budget_goes_through_its_procedure_and_comes_into_force(officer, city, xianan, jiayu):
    budget = budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=2026, reason="年度预算", compiled_on=date(2025, 11, 1),
                                   today=TODAY)
    with pytest.raises(ServiceError, match="市政府审核日期不能早于编制日期 2025-11-01"):
        budgets.budget_set_lines(user=officer, budget=budget, amounts={(xianan.pk, INCOME): "1"})
        budgets.budget_review(user=officer, budget=budget, document="咸政函〔2025〕1号", on=date(2025, 10, 31))
    budgets.budget_set_lines(user=officer, budget=budget, amounts={(xianan.pk, INCOME): ""})
    assert (budget.version, budget.status, str(budget)) == (1, Status.DRAFT, "咸宁市2026年居民基本医疗保险基金预算")
    with pytest.raises(ServiceError, match="预算没有任何金额"):
        budgets.budget_review(user=officer, budget=budget, document="咸政函〔2025〕1号", on=date(2025, 12, 20))
    budgets.budget_set_lines(user=officer, budget=budget, amounts={(xianan.pk, INCOME): "100,000.00", (jiayu.pk, INCOME): "",
                                                                     (xianan.pk, EXPENSE): "80000"})
    assert {(line.county.code, line.item): line.amount for line in budget.lines.all()} == {
        ("421202", INCOME): D("100000.00"), ("421202", EXPENSE): D("80000.00")}
    with pytest.raises(ServiceError, match="须先登记市政府审核"):
        budgets.budget_approve(user=officer, budget=budget, document="x", on=date(2026, 1, 15))
    assert budgets.in_force(city, Fund.RESIDENT_BASIC, 2026) is None
    budgets.budget_review(user=officer, budget=budget, document="咸政函〔2025〕1号", on=date(2025, 12, 20))
    with pytest.raises(ServiceError, match="不能再修改"):
        budgets.budget_set_lines(user=officer, budget=budget, amounts={(xianan.pk, INCOME): "1"})
    with pytest.raises(ServiceError, match="市人大批准日期不能早于市政府审核日期 2025-12-20"):
        budgets.budget_approve(user=officer, budget=budget, document="咸人大〔2026〕2号", on=date(2025, 12, 19))
    budgets.budget_approve(user=officer, budget=budget, document="咸人大〔2026〕2号", on=date(2026, 1, 15))
    assert budgets.in_force(city, Fund.RESIDENT_BASIC, 2026) == budget
    # every change is in the history, with who and what
    reasons = list(budget.history.order_by("history_date").values_list("history_change_reason", flat=True))
    # the amounts' record, newest first: each line's change with its amount before and after
    assert [(c["what"], c["where"], c["old"], c["new"]) for c in budgets.line_changes(budget)] == [
        ("新增预算明细", "咸安区待遇支出", None, D("80000.00")), ("新增预算明细", "咸安区保险费收入", None, D("100000.00")),
        ("删除预算明细", "咸安区保险费收入", D("1.00"), None), ("新增预算明细", "咸安区保险费收入", None, D("1.00"))]
    assert reasons == ["编制预算", "修改预算金额", "修改预算金额", "修改预算金额", "登记市政府审核", "登记市人大批准"]


def test_an_adjustment_is_a_new_version_by_the_same_procedure(officer, city, xianan, jiayu):
    first = _approved(officer, city, xianan, jiayu)
    with pytest.raises(ServiceError, match="调整预算须写明调整原因"):
        budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=2026, today=TODAY)
    with pytest.raises(ServiceError, match="不能早于现行预算的批准日期 2026-01-15"):
        budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=2026, reason="追加", compiled_on=date(2026, 1, 10), today=TODAY)
    second = budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=2026, reason="住院人次增长，追加支出预算",
                                   compiled_on=date(2026, 5, 20), today=TODAY)
    assert second.version == 2 and str(second) == "咸宁市2026年居民基本医疗保险基金调整预算（第1次调整）"
    assert second.lines.count() == first.lines.count() == 4  # copied from the budget in force
    with pytest.raises(ServiceError, match="尚在审批中"):
        budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=2026, reason="再调整", today=TODAY)
    budgets.budget_set_lines(user=officer, budget=second, amounts={(xianan.pk, EXPENSE): "90000"})
    # until it is approved, the first version stays in force
    assert budgets.in_force(city, Fund.RESIDENT_BASIC, 2026) == first
    budgets.budget_review(user=officer, budget=second, document="咸政函〔2026〕9号", on=date(2026, 6, 1))
    budgets.budget_approve(user=officer, budget=second, document="咸人大〔2026〕9号", on=date(2026, 6, 20))
    assert budgets.in_force(city, Fund.RESIDENT_BASIC, 2026) == second
    assert first.lines.get(county=xianan, item=EXPENSE).amount == D("80000.00")  # the old version is kept as it was


@pytest.mark.parametrize("value, message", [("-1", "金额不能为负数"), ("abc", "不是有效金额"), ("1.001", "超过两位小数"),
                                            ("1" * 20, "超出可记录的范围")])
def test_bad_amounts_are_refused_and_nothing_is_written(officer, city, xianan, jiayu, value, message):
    budget = budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=2026, today=TODAY)
    with pytest.raises(ServiceError, match=f"咸安区保险费收入：.*{message}"):
        with __import__("django.db").db.transaction.atomic():
            budgets.budget_set_lines(user=officer, budget=budget, amounts={(jiayu.pk, INCOME): "5", (xianan.pk, INCOME): value})
    assert not budget.lines.exists()


def test_only_the_citys_bureau_compiles(officer, city, xianan, jiayu, presets):
    from core.models import Region

    for user in (factories.user("county_reviewer", REVIEWER, xianan), factories.user("finance", FINANCE, city)):
        with pytest.raises(ServiceError, match="没有编制和登记基金预算的权限"):
            budgets.budget_create(user=user, fund=Fund.RESIDENT_BASIC, year=2026, today=TODAY)
    with pytest.raises(ServiceError, match="由统筹区（市）医保局编制"):
        budgets.budget_create(user=factories.user("county_officer", "市局", xianan), fund=Fund.RESIDENT_BASIC, year=2026, today=TODAY)
    budget = _approved(officer, city, xianan, jiayu)
    shiyan = factories.user("shiyan_officer", "市局", Region.objects.get(code="420300"))
    with pytest.raises(ServiceError, match="由统筹区（市）医保局编制"):
        budgets.budget_review(user=shiyan, budget=budget, document="x", on=date(2026, 1, 1))
    with pytest.raises(ServiceError, match="预算科目或区划不属于本预算"):
        budgets.budget_set_lines(user=officer, budget=budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=2026,
                                                                             reason="调整", today=TODAY),
                                 amounts={(shiyan.region_id, INCOME): "1"})


@pytest.mark.parametrize("year, message", [(1999, "预算年度须在2000年至2027年之间"), (2028, "预算年度须在"), ("x", "请填写预算年度")])
def test_the_year_is_checked(officer, year, message):
    with pytest.raises(ServiceError, match=message):
        budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=year, today=TODAY)


def test_execution_compares_the_ledger_with_the_budget_in_force(officer, city, world, xianan, jiayu):
    _approved(officer, city, xianan, jiayu)
    a = settle(officer, world["xianan_person"], world["hospital"], "E1", date(2026, 3, 2))
    b = settle(officer, world["jiayu_person"], world["hospital"], "E2", date(2026, 5, 10))
    jobs.post_days_until(date(2026, 5, 31), jobs.DAILY_JOBS[:1])
    result = budgets.execution(city, Fund.RESIDENT_BASIC, 2026, today=date(2026, 6, 1))
    assert result.through == date(2026, 5, 31) and not result.final
    expense = next(i for i in result.items if i["item"] == "待遇支出")
    assert expense["budget"] == D("90000.00") and expense["actual"] == a.basic_fund + b.basic_fund
    assert expense["rate"] == ((a.basic_fund + b.basic_fund) / D("90000")).quantize(D("0.0001"))
    months = {m["month"]: m for m in result.months}
    assert list(months) == [1, 2, 3, 4, 5]
    assert months[3]["expenditure"] == a.basic_fund and months[5]["expenditure_to_date"] == a.basic_fund + b.basic_fund
    counties = {c["region"].code: c for c in result.counties}
    assert counties["421221"]["expenditure"]["actual"] == b.basic_fund and counties["421221"]["expenditure"]["budget"] == 0
    assert counties["421202"]["income"]["budget"] == D("100000.00")
    # one county: its own lines and budget only
    own = budgets.execution(city, Fund.RESIDENT_BASIC, 2026, county=jiayu, today=date(2026, 6, 1))
    assert own.totals["expenditure"] == b.basic_fund and own.totals["budget_income"] == D("50000.00")
    # once the year is over it is the final account
    assert budgets.execution(city, Fund.RESIDENT_BASIC, 2026, today=date(2027, 1, 5)).final


def test_the_pages(client, officer, city, xianan, jiayu):
    client.force_login(officer)
    response = client.post(reverse("funds:budgets"), {"fund": Fund.RESIDENT_BASIC, "year": 2026, "compiled_on": "2026-01-02"})
    budget = Budget.objects.get()
    assert response.url == reverse("funds:budget", args=[budget.pk])
    digest = budgets.lines_digest(budget)
    page = client.post(response.url, {"action": "lines", "digest": digest, f"amount_{xianan.pk}_{INCOME}": "12,345.60",
                                      f"amount_{jiayu.pk}_{INCOME}": "abc"}).content.decode()
    assert "嘉鱼县保险费收入：「abc」不是有效金额" in page and 'value="12,345.60"' in page and not budget.lines.exists()
    client.post(response.url, {"action": "lines", "digest": digest, f"amount_{xianan.pk}_{INCOME}": "12,345.60"})
    assert budget.lines.get().amount == D("12345.60")
    # a second tab opened before that save: refused, nothing lost
    page = client.post(response.url, {"action": "lines", "digest": digest, f"amount_{jiayu.pk}_{INCOME}": "8,888.00"}, follow=True)
    assert "预算金额已被他人修改，请刷新页面后重新填写" in page.content.decode() and budget.lines.count() == 1
    assert "咸安区保险费收入" in client.get(response.url).content.decode()  # the line's change in 金额修改记录
    page = client.post(response.url, {"action": "review", "document": "", "on": "2026-01-01"}).content.decode()
    assert "这个字段是必填项" in page
    client.post(response.url, {"action": "review", "document": "咸政函〔2025〕1号", "on": "2026-01-05"})
    # a wrong document number found before approval: withdrawn to a draft, reviewed again
    client.post(response.url, {"action": "withdraw", "reason": "文号有误"})
    assert Budget.objects.get().status == Status.DRAFT and Budget.objects.get().reviewed_document == ""
    client.post(response.url, {"action": "review", "document": "咸政函〔2026〕1号", "on": "2026-01-05"})
    client.post(response.url, {"action": "approve", "document": "咸人大〔2026〕2号", "on": "2026-01-15"})
    page = client.get(response.url).content.decode()
    assert "现行预算" in page and "12,345.60" in page and "登记市人大批准" in page and "撤回修改：文号有误" in page
    assert "医疗保障局（盖章）" in client.get(response.url + "?print=1").content.decode()
    page = client.get(reverse("funds:execution"), {"year": 2026}).content.decode()
    assert "咸宁市2026年居民基本医疗保险基金预算执行情况" in page and "咸人大〔2026〕2号" in page and "12,345.60" in page
    assert "决算" in client.get(reverse("funds:execution"), {"year": 2025}).content.decode()
    assert client.get(reverse("funds:execution"), {"year": "abc"}).status_code == 400
    next_year = date.today().year + 1
    assert f"{next_year}年尚未开始" in client.get(reverse("funds:execution"), {"year": next_year}).content.decode()
    export = client.get(reverse("funds:execution_export"), {"year": 2026})
    from urllib.parse import unquote

    assert export.status_code == 200 and "咸宁市2026年居民基本医疗保险基金预算执行.xlsx" in unquote(export["Content-Disposition"])
    from openpyxl import load_workbook

    cells = [row[0] for row in load_workbook(__import__("io").BytesIO(export.content)).active.iter_rows(values_only=True)]
    assert {"收入合计", "支出合计", "收支结余", "咸安区收入"} <= set(cells)


def test_a_county_user_sees_its_countys_execution_and_no_budget_page(client, officer, city, xianan, jiayu):
    budget = _approved(officer, city, xianan, jiayu)
    client.force_login(factories.user("jiayu_reviewer", REVIEWER, jiayu))
    page = client.get(reverse("funds:execution"), {"year": 2026}).content.decode()
    assert "嘉鱼县2026年" in page and "50,000.00" in page and "100,000.00" not in page
    assert client.get(reverse("funds:execution"), {"year": 2026, "county": xianan.pk}).status_code == 400
    assert client.get(reverse("funds:budget", args=[budget.pk])).status_code == 404
    assert client.get(reverse("funds:budgets")).status_code == 403

"""Monthly payment plans (issue 12, RULES.md 7: 按月拨付，按年结算): a county's plan is prefilled
from the ledger (its facilities' settlements of the month, its manual claims), submitted by the
county bureau, reviewed by the city bureau, re-checked by the city finance bureau, paid into the
city bureau's expenditure account and then to the facilities and the county; each step by a
different user with its role; a rejection goes back one step; the payment steps post the ledger."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.urls import reverse

from benefits.models import Settlement
from core.errors import ServiceError
from core.models import Notification
from core.roles import FINANCE, FUND_CASHIER, REVIEWER
from funds.models import AccountKind, Fund, JournalEntry, JournalLine, PaymentPlan, PaymentPlanEvent, SourceKind
from funds.services import jobs, ledger, plans
from tests import factories
from tests.funds.conftest import settle

pytestmark = pytest.mark.django_db
TODAY = date(2026, 4, 10)
Status = PaymentPlan.Status


@pytest.fixture
def team(city, xianan, officer):
    return {
        "county": factories.user("county_reviewer", REVIEWER, xianan),
        "officer": officer,
        "finance": factories.user("finance_check", FINANCE, city),
        "treasurer": factories.user("finance_pay", FINANCE, city),
        "cashier": factories.user("cashier", FUND_CASHIER, city),
    }


@pytest.fixture
def march(city, world, officer):
    """March's bills: the 咸安 hospital treats a 咸安 and a 嘉鱼 person; the city's centre (also in
    咸安区) one; a manual claim of 咸安区; and a bill of April (not in March's plan)."""
    bills = {
        "a": settle(officer, world["xianan_person"], world["hospital"], "M1", date(2026, 3, 2)),
        "b": settle(officer, world["jiayu_person"], world["hospital"], "M2", date(2026, 3, 31)),
        "c": settle(officer, world["xianan_person"], world["centre"], "M3", date(2026, 3, 15)),
        "claim": settle(officer, world["xianan_person"], world["hospital"], "M4", date(2026, 3, 20)),
        "april": settle(officer, world["xianan_person"], world["hospital"], "M5", date(2026, 4, 1)),
    }
    Settlement.objects.filter(pk=bills["claim"].pk).update(channel=Settlement.Channel.MANUAL)
    jobs.post_days_until(date(2026, 4, 1), jobs.DAILY_JOBS[:1])
    for key in bills:
        bills[key].refresh_from_db()
    return bills


def _create(team, xianan, **extra):
    return plans.plan_create(user=team["county"], county=xianan, year=2026, month=3, today=TODAY, **extra)


def _through(plan, team, *, until=Status.PAID):
    by_status = {Status.DRAFT: ("county", date(2026, 4, 2)), Status.SUBMITTED: ("officer", date(2026, 4, 3)),
                 Status.REVIEWED: ("finance", date(2026, 4, 6)), Status.RECHECKED: ("treasurer", date(2026, 4, 8)),
                 Status.FUNDED: ("cashier", date(2026, 4, 9))}
    while plan.status != until:
        who, on = by_status[plan.status]
        plan = plans.plan_advance(user=team[who], plan=plan, on=on)
    return plan


def _lines(plan):
    return {(line.kind, line.facility.code if line.facility_id else "", line.fund): (line.due, line.amount) for line in plan.lines.all()}


def test_a_plan_is_prefilled_from_the_months_ledger_per_facility_of_the_county_and_fund(city, world, march, team, xianan):
    plan = _create(team, xianan)

    a, b, c, claim = march["a"], march["b"], march["c"], march["claim"]
    assert plan.status == Status.DRAFT and plan.city == city and plan.region_path == xianan.path
    assert _lines(plan) == {
        # the hospital's two bills of March, whichever county their people belong to; April's is not in
        ("facility", "H001", Fund.RESIDENT_BASIC): (a.basic_fund + b.basic_fund,) * 2,
        ("facility", "H002", Fund.RESIDENT_BASIC): (c.basic_fund,) * 2,
        ("manual", "", Fund.RESIDENT_BASIC): (claim.basic_fund,) * 2,
    }
    assert a.basic_fund == D("6440.00")
    event = plan.events.get()
    assert (event.action, event.user, event.to_status) == ("create", team["county"], Status.DRAFT)


def test_the_other_countys_plan_has_only_its_own_facilities_and_claims(city, world, march, team, jiayu):
    jiayu_reviewer = factories.user("jiayu_reviewer", REVIEWER, jiayu)
    with pytest.raises(ServiceError, match="嘉鱼县2026年3月没有应拨付"):
        plans.plan_create(user=jiayu_reviewer, county=jiayu, year=2026, month=3, today=TODAY)  # its person's bill was at a 咸安 hospital
    with pytest.raises(ServiceError, match="不在您的管辖区划内"):
        plans.plan_create(user=jiayu_reviewer, county=world["hospital"].region, year=2026, month=3, today=TODAY)


@pytest.mark.parametrize("year, month, message", [
    (2026, 4, "2026年4月尚未结束"),  # the month of "today"
    (2026, 5, "2026年5月尚未结束"), (2027, 1, "2027年1月尚未结束"), (2028, 1, "已经结束的月份"), (1999, 12, "已经结束的月份"),
    (2026, 13, "已经结束的月份"), ("x", 3, "请选择计划月份"),
])
def test_a_plan_is_for_a_month_that_is_over(march, team, xianan, year, month, message):
    with pytest.raises(ServiceError, match=message):
        plans.plan_create(user=team["county"], county=xianan, year=year, month=month, today=TODAY)
    assert not PaymentPlan.objects.exists()


def test_a_plan_waits_for_the_months_last_day_to_be_posted(city, world, officer, team, xianan):
    settle(officer, world["xianan_person"], world["hospital"], "P1", date(2026, 3, 30))
    jobs.post_days_until(date(2026, 3, 30), jobs.DAILY_JOBS[:1])
    with pytest.raises(ServiceError, match="2026年3月末（3月31日）的结算尚未记入基金账"):
        _create(team, xianan)
    jobs.post_days_until(date(2026, 3, 31), jobs.DAILY_JOBS[:1])
    assert _create(team, xianan).lines.count() == 1


def test_one_plan_per_county_and_month(march, team, xianan):
    _create(team, xianan)
    with pytest.raises(ServiceError, match="咸安区2026年3月的拨付计划已编制"):
        _create(team, xianan)


def test_only_the_county_bureau_compiles(march, team, xianan, clerk):
    for user in (clerk, team["officer"], team["finance"], team["cashier"]):
        with pytest.raises(ServiceError, match="没有编制月度拨付计划的权限"):
            plans.plan_create(user=user, county=xianan, year=2026, month=3, today=TODAY)


def test_the_whole_procedure_posts_the_two_payments(city, world, march, team, xianan):
    plan = _create(team, xianan)
    total = sum((line.amount for line in plan.lines.all()), D("0"))

    plan = _through(plan, team, until=Status.RECHECKED)
    assert not JournalEntry.objects.filter(source_kind=SourceKind.PAYMENT_PLAN).exists()  # nothing is paid before finance pays
    plan = plans.plan_advance(user=team["treasurer"], plan=plan, on=date(2026, 4, 8))
    assert plan.status == Status.FUNDED and plan.funded_on == date(2026, 4, 8)
    city_account = ledger.account(Fund.RESIDENT_BASIC, AccountKind.CITY_EXPENDITURE, city)
    assert ledger.balance(city_account, date(2026, 4, 8)) == total
    assert ledger.balance(ledger.account(Fund.RESIDENT_BASIC, AccountKind.FISCAL_SPECIAL, city), date(2026, 4, 8)) == -total

    plan = plans.plan_advance(user=team["cashier"], plan=plan, on=date(2026, 4, 9))
    assert plan.status == Status.PAID and plan.paid_entry.posted_on == date(2026, 4, 9)
    assert ledger.balance(city_account, date(2026, 4, 9)) == 0
    # March's payables are settled; April's bill is still owed to the hospital
    hospital = ledger.account(Fund.RESIDENT_BASIC, AccountKind.FACILITY_PAYABLE, city, world["hospital"])
    assert ledger.balance(hospital, date(2026, 4, 9)) == -march["april"].basic_fund
    assert ledger.balance(ledger.account(Fund.RESIDENT_BASIC, AccountKind.FACILITY_PAYABLE, city, world["centre"]), date(2026, 4, 9)) == 0
    persons = ledger.account(Fund.RESIDENT_BASIC, AccountKind.PERSON_PAYABLE, xianan)
    assert ledger.balance(persons, date(2026, 4, 9)) == 0
    # the county's account was replenished by what it paid out in manual claims
    county_lines = JournalLine.objects.filter(entry=plan.paid_entry, account__kind=AccountKind.COUNTY_EXPENDITURE)
    assert sorted(county_lines.values_list("amount", flat=True)) == [-march["claim"].basic_fund, march["claim"].basic_fund]
    # every line of the plan's entries concerns the county
    assert set(JournalLine.objects.filter(entry__source_kind=SourceKind.PAYMENT_PLAN).values_list("county__code", flat=True)) == {"421202"}
    assert [e.action for e in plan.events.all()] == ["create", "submit", "review", "recheck", "fund", "pay"]
    assert (plan.submitted_by, plan.reviewed_by, plan.rechecked_by, plan.funded_by, plan.paid_by) == (
        team["county"], team["officer"], team["finance"], team["treasurer"], team["cashier"])


def test_every_step_needs_its_role(march, team, xianan):
    plan = _create(team, xianan)
    wrong = {Status.DRAFT: team["officer"], Status.SUBMITTED: team["finance"], Status.REVIEWED: team["officer"],
             Status.RECHECKED: team["cashier"], Status.FUNDED: team["treasurer"]}
    for status, user in wrong.items():
        assert plan.status == status
        with pytest.raises(ServiceError, match="您没有办理"):
            plans.plan_advance(user=user, plan=plan, on=date(2026, 4, 9))
        plan = _through(plan, team, until=plans.NEXT_STATUS[status])


def test_no_user_does_two_steps_of_a_plan(city, march, team, xianan):
    # An officer who also holds the finance roles still may not re-check what they reviewed
    both = team["officer"]
    both.groups.add(*team["finance"].groups.all(), *team["cashier"].groups.all())
    plan = _through(_create(team, xianan), team, until=Status.REVIEWED)
    both = type(both).objects.get(pk=both.pk)  # permissions read afresh
    with pytest.raises(ServiceError, match="您已办理本计划的“市医保局审核”"):
        plans.plan_advance(user=both, plan=plan)
    plan = _through(plan, team, until=Status.FUNDED)
    with pytest.raises(ServiceError, match="您已办理本计划的“市医保局审核”"):
        plans.plan_advance(user=both, plan=plan, on=date(2026, 4, 9))
    assert PaymentPlan.objects.get(pk=plan.pk).status == Status.FUNDED


def test_a_county_user_may_not_do_the_citys_steps_nor_another_city_the_plan(march, team, xianan, presets):
    from core.models import Region

    county_officer = factories.user("county_officer", "市局", xianan)
    other_finance = factories.user("shiyan_finance", FINANCE, Region.objects.get(code="420300"))
    plan = _through(_create(team, xianan), team, until=Status.SUBMITTED)
    with pytest.raises(ServiceError, match="“市医保局审核”由咸宁市办理"):
        plans.plan_advance(user=county_officer, plan=plan)
    plan = _through(plan, team, until=Status.REVIEWED)
    with pytest.raises(ServiceError, match="由咸宁市办理"):
        plans.plan_advance(user=other_finance, plan=plan)


@pytest.mark.parametrize("status, back, undone", [
    (Status.SUBMITTED, Status.DRAFT, "submitted_by"),
    (Status.REVIEWED, Status.SUBMITTED, "reviewed_by"),
    (Status.RECHECKED, Status.REVIEWED, "rechecked_by"),
])
def test_a_rejection_goes_back_one_step_with_its_reason(march, team, xianan, status, back, undone):
    plan = _through(_create(team, xianan), team, until=status)
    who = {Status.SUBMITTED: "officer", Status.REVIEWED: "finance", Status.RECHECKED: "treasurer"}[status]
    with pytest.raises(ServiceError, match="请填写退回原因"):
        plans.plan_reject(user=team[who], plan=plan, reason="  ")
    plan = plans.plan_reject(user=team[who], plan=plan, reason="金额与结算清单不符")
    assert plan.status == back and getattr(plan, undone) is None
    event = plan.events.last()
    assert (event.action, event.from_status, event.to_status, event.reason) == ("reject", status, back, "金额与结算清单不符")
    assert not JournalEntry.objects.filter(source_kind=SourceKind.PAYMENT_PLAN).exists()
    # the step before is done again, and the plan goes on
    plan = _through(plan, team)
    assert plan.status == Status.PAID


def test_paying_steps_are_not_rejected_and_a_paid_plan_has_no_step(march, team, xianan):
    plan = _through(_create(team, xianan), team, until=Status.FUNDED)
    with pytest.raises(ServiceError, match="“市医保局拨付”环节不能退回"):
        plans.plan_reject(user=team["cashier"], plan=plan, reason="x")
    plan = _through(plan, team)
    with pytest.raises(ServiceError, match="没有待办的环节"):
        plans.plan_advance(user=team["cashier"], plan=plan)
    assert JournalEntry.objects.filter(source_kind=SourceKind.PAYMENT_PLAN).count() == 2


def test_step_dates_are_in_order_and_not_in_the_future(march, team, xianan):
    plan = _create(team, xianan)
    with pytest.raises(ServiceError, match="提交日期不能早于计划月份的次月1日 2026-04-01"):
        plans.plan_advance(user=team["county"], plan=plan, on=date(2026, 3, 31))
    plan = _through(plan, team, until=Status.RECHECKED)
    assert (plan.submitted_on, plan.reviewed_on, plan.rechecked_on) == (date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 6))
    with pytest.raises(ServiceError, match="不能晚于今天"):
        plans.plan_advance(user=team["treasurer"], plan=plan, on=date(2099, 1, 1))
    with pytest.raises(ServiceError, match="财政拨付日期不能早于复核日期 2026-04-06"):
        plans.plan_advance(user=team["treasurer"], plan=plan, on=date(2026, 4, 5))
    plan = plans.plan_advance(user=team["treasurer"], plan=plan, on=date(2026, 4, 8))
    with pytest.raises(ServiceError, match="拨付日期不能早于财政拨付日期 2026-04-08"):
        plans.plan_advance(user=team["cashier"], plan=plan, on=date(2026, 4, 7))


def test_a_deduction_needs_its_reason_and_is_paid_less(city, world, march, team, xianan):
    plan = _create(team, xianan)
    line = plan.lines.get(facility=world["hospital"])
    with pytest.raises(ServiceError, match="超过本月应付"):
        plans.plan_adjust(user=team["county"], plan=plan, amounts={line.pk: str(line.due + D("0.01"))}, notes={})
    with pytest.raises(ServiceError, match="请填写扣减原因"):
        plans.plan_adjust(user=team["county"], plan=plan, amounts={line.pk: "1000"}, notes={})
    for bad, message in (("-1", "金额不能为负数"), ("abc", "不是有效金额"), ("1.001", "超过两位小数"), ("NaN", "不是有效金额"),
                         ("1e30", "不是有效金额"), ("1e3", "不是有效金额"), ("", "请填写"), ("  ", "请填写"),
                         ("12345678901234567", "超出可记录的范围")):
        with pytest.raises(ServiceError, match=message):
            plans.plan_adjust(user=team["county"], plan=plan, amounts={line.pk: bad}, notes={line.pk: "x"})
    with pytest.raises(ServiceError, match="明细不存在"):
        plans.plan_adjust(user=team["county"], plan=plan, amounts={"²": "1"}, notes={})
    plans.plan_adjust(user=team["county"], plan=plan, amounts={line.pk: "10,000.00"}, notes={line.pk: "违规扣款（稽核通报）"})
    line.refresh_from_db()
    assert (line.amount, line.note) == (D("10000.00"), "违规扣款（稽核通报）")
    change = plan.events.get(action="adjust").detail["changes"]
    assert change == {"咸安区人民医院（H001） 居民基本医疗保险基金": [str(line.due), "10000.00", "违规扣款（稽核通报）"]}
    plan = _through(plan, team)
    hospital = ledger.account(Fund.RESIDENT_BASIC, AccountKind.FACILITY_PAYABLE, city, world["hospital"])
    # what was withheld is still owed to the hospital (with April's bill)
    assert ledger.balance(hospital, date(2026, 4, 9)) == -(line.due - D("10000.00") + march["april"].basic_fund)


def test_a_plan_is_changed_only_as_a_draft(march, team, xianan):
    plan = _through(_create(team, xianan), team, until=Status.SUBMITTED)
    line = plan.lines.first()
    with pytest.raises(ServiceError, match="县医保局不能再修改"):
        plans.plan_adjust(user=team["county"], plan=plan, amounts={line.pk: "1"}, notes={line.pk: "x"})
    with pytest.raises(ServiceError, match="县医保局不能再修改"):
        plans.plan_refresh(user=team["county"], plan=plan)


def test_refresh_reads_a_reversal_posted_in_the_month(city, world, march, team, xianan, officer):
    plan = _create(team, xianan)
    ledger.reverse(entry=JournalEntry.objects.get(source_kind=SourceKind.SETTLEMENTS, source_ref="H002"), posted_on=date(2026, 3, 31),
                   reason="机构结算数据错误", user=officer)
    with pytest.raises(ServiceError, match="咸宁市中心医院（H002） 居民基本医疗保险基金的应付已变动"):
        plans.plan_advance(user=team["county"], plan=plan)
    kept = set(plan.lines.exclude(facility=world["centre"]).values_list("pk", flat=True))
    plan = plans.plan_refresh(user=team["county"], plan=plan)
    assert not plan.lines.filter(facility=world["centre"]).exists()
    assert set(plan.lines.values_list("pk", flat=True)) == kept  # the lines left keep their ids (a page open elsewhere)
    assert plan.events.get(action="refresh").detail["changes"] == {"咸宁市中心医院（H002） 居民基本医疗保险基金": [str(march["c"].basic_fund), "0.00"]}
    assert plans.plan_advance(user=team["county"], plan=plan).status == Status.SUBMITTED


def test_a_plan_paid_in_full_is_not_planned_again_next_month(city, world, march, team, xianan):
    _through(_create(team, xianan), team)
    # April: only April's bill (the payments of March's plan are not April's settlements)
    jobs.post_days_until(date(2026, 4, 30), jobs.DAILY_JOBS[:1])
    april = plans.plan_create(user=team["county"], county=xianan, year=2026, month=4, today=date(2026, 5, 3))
    bill = march["april"]
    assert bill.critical_illness > 0  # the year's second bill reaches the critical-illness insurance
    assert _lines(april) == {("facility", "H001", Fund.RESIDENT_BASIC): (bill.basic_fund,) * 2,
                             ("facility", "H001", Fund.RESIDENT_CI): (bill.critical_illness,) * 2}


def test_each_step_tells_who_does_the_next(march, team, xianan):
    plan = _create(team, xianan)
    plans.plan_advance(user=team["county"], plan=plan)
    message = Notification.objects.get(user=team["officer"])
    assert message.title == "咸安区2026年3月拨付计划：待市医保局审核" and message.url == reverse("funds:plan", args=[plan.pk])
    assert not Notification.objects.filter(user__in=[team["finance"], team["cashier"]]).exists()
    plans.plan_reject(user=team["officer"], plan=plan, reason="缺少说明")
    assert "被退回" in Notification.objects.get(user=team["county"], title__contains="退回").title
    _through(plan, team)
    assert Notification.objects.filter(user=team["county"], title__endswith="已拨付").exists()


def test_the_plans_entries_balance_and_the_ledger_reconciles(city, world, march, team, xianan):
    _through(_create(team, xianan), team)
    for entry in JournalEntry.objects.filter(source_kind=SourceKind.PAYMENT_PLAN):
        for fund in {line.fund for line in entry.lines.all()}:
            assert entry.lines.filter(fund=fund).aggregate(total=Sum("amount"))["total"] == 0
    assert JournalLine.objects.aggregate(total=Sum("amount"))["total"] == 0
    from funds.services.reconcile import reconcile_settlements

    assert reconcile_settlements(city, date(2026, 3, 1), date(2026, 3, 31)).differences == []


# ------------------------------------------------------------------------------ pages


def test_the_pages_take_a_plan_through_its_steps(client, city, world, march, team, xianan):
    client.force_login(team["county"])
    response = client.post(reverse("funds:plan_new"), {"county": xianan.pk, "year": 2026, "month": 4})
    assert "2026年4月末（4月30日）的结算尚未记入基金账" in response.content.decode()
    response = client.post(reverse("funds:plan_new"), {"county": xianan.pk, "year": 2026, "month": 3, "note": "三月"})
    plan = PaymentPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("funds:plan", args=[plan.pk])
    page = client.get(response.url).content.decode()
    assert "咸安区人民医院（H001）" in page and "县医保局编制中" in page and "提交市医保局审核" in page
    line = plan.lines.get(facility=world["hospital"])
    response = client.post(response.url, {"action": "adjust", "step": "draft", f"amount_{line.pk}": "1.00"})
    assert "请填写扣减原因" in response.content.decode() and 'value="1.00"' in response.content.decode()
    assert "is-invalid" in response.content.decode()
    # typed and submitted at once: saved, then submitted (a refusal of either leaves both undone)
    client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "draft", f"amount_{line.pk}": "1.00"})
    assert PaymentPlan.objects.get().status == Status.DRAFT and plan.lines.get(pk=line.pk).amount == line.due
    client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "draft", f"amount_{line.pk}": "1.00",
                                                      f"note_{line.pk}": "违规扣款"})
    assert PaymentPlan.objects.get().status == Status.SUBMITTED and plan.lines.get(pk=line.pk).amount == D("1.00")

    client.force_login(team["officer"])
    page = client.get(reverse("funds:plans")).content.decode()
    assert "有 1 份拨付计划待您办理" in page
    client.post(reverse("funds:plan", args=[plan.pk]), {"action": "reject", "step": "submitted", "reason": ""})
    assert PaymentPlan.objects.get().status == Status.SUBMITTED
    client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "submitted", "reason": "同意"})
    assert PaymentPlan.objects.get().status == Status.REVIEWED
    page = client.get(reverse("funds:plan", args=[plan.pk])).content.decode()
    assert "您没有办理“市财政局复核”的权限" in page and 'name="action"' not in page
    # a step the user may not do, posted anyway: refused, nothing changes
    response = client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "reviewed"}, follow=True)
    assert "您没有办理“市财政局复核”的权限" in response.content.decode()
    # a form of no state, or of another, is refused as stale (a page left open)
    for step in ("", "zzz", "submitted"):
        response = client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": step}, follow=True)
        assert "拨付计划已变为“待市财政局复核”，请刷新页面后再办理" in response.content.decode()
    assert PaymentPlan.objects.get().status == Status.REVIEWED

    client.force_login(team["finance"])
    client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "reviewed"})
    client.force_login(team["treasurer"])
    page = client.get(reverse("funds:plan", args=[plan.pk])).content.decode()
    assert "拨付后居民基本医疗保险基金市级财政专户余额为负" in page  # nothing came into the special account in this test
    response = client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "rechecked", "on": "2099-01-01"})
    assert "不能晚于今天" in response.content.decode()
    client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "rechecked"})
    client.force_login(team["cashier"])
    client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "funded"})
    plan = PaymentPlan.objects.get()
    assert plan.status == Status.PAID
    page = client.get(reverse("funds:plan", args=[plan.pk])).content.decode()
    assert "已拨付" in page and reverse("funds:entry", args=[plan.paid_entry_id]) in page
    printed = client.get(reverse("funds:plan", args=[plan.pk]) + "?print=1").content.decode()
    assert "医疗保障基金月度拨付计划表" in printed and "市财政局复核" in printed
    export = client.get(reverse("funds:plan_export", args=[plan.pk]))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_another_countys_plan_is_not_found(client, march, team, xianan, jiayu):
    plan = _create(team, xianan)
    client.force_login(factories.user("jiayu_reviewer", REVIEWER, jiayu))
    assert client.get(reverse("funds:plan", args=[plan.pk])).status_code == 404
    assert client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance"}).status_code == 404
    assert "没有符合条件的拨付计划" in client.get(reverse("funds:plans")).content.decode()
    assert PaymentPlan.objects.get().status == Status.DRAFT
    assert PaymentPlanEvent.objects.count() == 1


def test_the_demo_has_a_budget_in_force_and_last_months_plan_awaiting_the_finance_bureau(settings, city, world, officer, xianan):
    import io
    from datetime import timedelta

    from django.core.management import CommandError, call_command
    from django.utils import timezone

    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    settle(officer, world["xianan_person"], world["hospital"], "DEMO1", last.replace(day=5))
    jobs.post_days_until(last, jobs.DAILY_JOBS[:1])
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("generate_fund_demo", stdout=io.StringIO())
    settings.DEBUG = True
    with pytest.raises(CommandError, match="请先运行 create_demo_users"):
        call_command("generate_fund_demo", stdout=io.StringIO())
    call_command("create_demo_users", stdout=io.StringIO())
    out = io.StringIO()
    call_command("generate_fund_demo", stdout=out)
    plan = PaymentPlan.objects.get()
    assert (plan.county, plan.year, plan.month, plan.status) == (xianan, last.year, last.month, Status.REVIEWED)
    assert (plan.submitted_by.username, plan.reviewed_by.username) == ("reviewer", "officer")
    assert "待市财政局复核" in out.getvalue()
    from funds.services.budget import in_force

    budget = in_force(city, "resident_basic", timezone.localdate().year)
    if last.year == timezone.localdate().year:  # this year's ledger has the bill, carried to the year and rounded up
        assert budget is not None and budget.lines.filter(item="benefit_expense").get().amount % 10000 == 0
    else:  # in January the year has nothing posted yet
        assert budget is None and "未生成演示预算" in out.getvalue()
    from funds.models import FacilityPenalty

    owed = FacilityPenalty.objects.order_by("decided_on")
    assert [(p.status, p.due_on < timezone.localdate()) for p in owed] == [("owed", True), ("owed", False)]
    call_command("generate_fund_demo", stdout=io.StringIO())  # a second run adds nothing
    assert PaymentPlan.objects.count() == 1 and FacilityPenalty.objects.count() == 2


def test_a_form_left_open_does_not_do_the_next_step(client, march, team, xianan):
    """The treasurer's page still shows the re-check; finance re-checks meanwhile; the treasurer's
    old form is refused, not taken as the payment."""
    plan = _through(_create(team, xianan), team, until=Status.REVIEWED)
    team["treasurer"].groups.add(*team["finance"].groups.all())
    plans.plan_advance(user=team["finance"], plan=plan, on=date(2026, 4, 6))
    client.force_login(team["treasurer"])
    response = client.post(reverse("funds:plan", args=[plan.pk]), {"action": "advance", "step": "reviewed", "reason": "复核同意"},
                           follow=True)
    assert "拨付计划已变为“待财政拨付”，请刷新页面后再办理" in response.content.decode()
    assert PaymentPlan.objects.get().status == Status.RECHECKED
    assert not JournalEntry.objects.filter(source_kind=SourceKind.PAYMENT_PLAN).exists()
    with pytest.raises(ServiceError, match="请刷新页面"):
        plans.plan_reject(user=team["treasurer"], plan=plan, reason="x", expected=Status.REVIEWED)


def test_who_did_a_step_is_neither_told_nor_listed_for_another(client, march, team, xianan):
    both = team["officer"]
    both.groups.add(*team["finance"].groups.all())
    plan = _through(_create(team, xianan), team, until=Status.REVIEWED)
    both = type(both).objects.get(pk=both.pk)
    assert not Notification.objects.filter(user=both, title__contains="待市财政局复核").exists()
    assert Notification.objects.filter(user=team["finance"], title__contains="待市财政局复核").exists()
    assert not PaymentPlan.objects.filter(plans.awaiting(both)).exists()
    assert PaymentPlan.objects.filter(plans.awaiting(team["finance"])).get() == plan
    client.force_login(both)
    assert "待您办理" not in client.get(reverse("funds:plans")).content.decode()


def test_a_step_that_does_not_apply_is_refused_with_a_message(client, march, team, xianan):
    plan = _through(_create(team, xianan), team, until=Status.FUNDED)
    client.force_login(team["cashier"])
    for data in ({"action": "reject", "step": "funded", "reason": "x"}, {"action": "adjust", "step": "funded"},
                 {"action": "x", "step": "funded"}):
        response = client.post(reverse("funds:plan", args=[plan.pk]), data, follow=True)
        assert "该操作不适用于拨付计划的当前状态" in response.content.decode()
    assert PaymentPlan.objects.get().status == Status.FUNDED


def test_the_payment_entry_credits_the_city_account_once_per_fund(city, world, march, team, xianan):
    plan = _through(_create(team, xianan), team)
    credits = plan.paid_entry.lines.filter(account__kind=AccountKind.CITY_EXPENDITURE)
    assert credits.count() == 1 and credits.get().amount == -sum((line.amount for line in plan.lines.all()), D("0"))


def test_the_home_page_says_what_awaits_the_user(client, march, team, xianan):
    _through(_create(team, xianan), team, until=Status.REVIEWED)
    client.force_login(team["finance"])
    assert "有 1 份月度拨付计划待您办理" in client.get("/").content.decode()
    client.force_login(team["cashier"])
    assert "月度拨付计划待您办理" not in client.get("/").content.decode()


def test_the_year_end_settlement_pays_what_the_year_s_plans_left_and_names_what_was_paid_beyond(client, city, world, team, xianan,
                                                                                                officer):
    a = settle(officer, world["xianan_person"], world["hospital"], "Y1", date(2025, 3, 2))
    c = settle(officer, world["xianan_person"], world["centre"], "Y2", date(2025, 3, 15))
    settle(officer, world["xianan_person"], world["hospital"], "Y3", date(2025, 11, 20))
    a.refresh_from_db(), c.refresh_from_db()
    jobs.post_days_until(date(2025, 12, 31), jobs.DAILY_JOBS[:1])
    year_end = {"user": team["county"], "county": xianan, "year": 2025, "month": None, "kind": "year_end"}
    with pytest.raises(ServiceError, match="2025年尚未结束：年度清算在次年1月至2月编制"):
        plans.plan_create(**year_end, today=date(2025, 12, 31))
    march = plans.plan_create(user=team["county"], county=xianan, year=2025, month=3, today=date(2025, 4, 10))
    line = march.lines.get(facility=world["hospital"], fund=Fund.RESIDENT_BASIC)
    plans.plan_adjust(user=team["county"], plan=march, amounts={line.pk: "1000"}, notes={line.pk: "暂扣质量保证金"})
    _through(march, team)
    ledger.reverse(entry=JournalEntry.objects.get(source_kind=SourceKind.SETTLEMENTS, source_ref="H002"), posted_on=date(2025, 6, 1),
                   reason="机构结算数据错误", user=officer)
    november = plans.plan_create(user=team["county"], county=xianan, year=2025, month=11, today=date(2025, 12, 5))
    with pytest.raises(ServiceError, match=r"尚有未拨付完成的月度拨付计划（11月）"):
        plans.plan_create(**year_end, today=date(2026, 1, 20))
    _through(november, team)
    plan = plans.plan_create(**year_end, today=date(2026, 1, 20))
    assert (str(plan), plan.month, plans.year_end_deadline(plan)) == ("咸安区2025年度清算拨付计划", 12, date(2026, 2, 28))
    # the hospital: March's bill less the 1,000 paid in March (November's was paid in full); the
    # centre's March bill was reversed after March's plan paid it: paid beyond, to recover
    assert _lines(plan) == {("facility", "H001", Fund.RESIDENT_BASIC): (a.basic_fund - D("1000"),) * 2}
    assert plans.year_end_due(city, xianan, 2025)[1] == [plans.Due("facility", Fund.RESIDENT_BASIC, world["centre"].pk, -c.basic_fund)]
    with pytest.raises(ServiceError, match="咸安区2025年度清算已编制"):
        plans.plan_create(**year_end, today=date(2026, 1, 20))
    # a monthly plan of December is still its own
    assert not PaymentPlan.objects.filter(county=xianan, year=2025, month=12, plan_kind="monthly").exists()
    client.force_login(team["county"])
    page = client.get(f"/funds/plans/{plan.pk}/").content.decode()
    assert 'id="year-end"' in page and "2026年2月28日" in page and "全年尚未拨付" in page
    overpaid = page.split('id="overpaid"')[1].split("</table>")[0]
    assert "咸宁市中心医院" in overpaid and f"{c.basic_fund:,.2f}" in overpaid
    assert 'id="year-end-overdue"' in page  # today (2026-12) is past 2026-02-28
    assert "2025年度清算" in client.get("/funds/plans/").content.decode()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/funds/plans/", {"year": "2025", "export": "xlsx"}).content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["计划", "县（市、区）", "期间"] and {r[2] for r in rows[1:]} == {"2025年度清算", "2025年3月", "2025年11月"}
    assert [r[3] for r in rows[1:] if r[2] == "2025年度清算"] == [a.basic_fund - D("1000")]
    plan = _through(plan, team)
    hospital = ledger.account(Fund.RESIDENT_BASIC, AccountKind.FACILITY_PAYABLE, city, world["hospital"])
    assert ledger.balance(hospital, date(2026, 12, 1)) == 0  # the year is settled with the hospital
    assert 'id="year-end-overdue"' not in client.get(f"/funds/plans/{plan.pk}/").content.decode()
    form = client.post("/funds/plans/new/", {"county": xianan.pk, "plan_kind": "year_end", "year": "2025", "month": "1"})
    assert "咸安区2025年度清算已编制" in form.content.decode()

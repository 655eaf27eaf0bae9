"""Fiscal subsidies per head reach the ledger (issue 12, N004 §一, RULES.md 7): each day, each
county's 财政补助收入 by level is brought up to its paid enrollments of the benefit years begun,
times the year's subsidy per head split central / province / county (6 : 4 in a 脱贫县, 5 : 5
elsewhere); next year's enrollments count from the year's first day; a refund takes its share back."""

from datetime import date
from decimal import Decimal as D

import pytest

from benefits.models import PolicyParameter
from enrollment.models import Enrollment
from enrollment.services.enrollments import enrollment_cancel, enrollment_register
from funds.models import AccountKind, Fund, JournalEntry, SourceKind
from funds.services import jobs, ledger
from funds.services.postings import fiscal_subsidies_posted, post_fiscal_subsidy_day
from tests import factories

pytestmark = pytest.mark.django_db


def _paid(clerk, village, day: date, name: str):
    return enrollment_register(user=clerk, person=factories.person(village, name=name, birth=date(1990, 1, len(name))),
                               category="regular", channel="village_batch", payment_date=day, today=day)


@pytest.fixture
def poverty_jiayu(jiayu):
    jiayu.poverty_alleviation_county = True
    jiayu.save()
    return jiayu


def test_a_years_subsidies_are_posted_from_its_first_day_by_level_and_county(city, clerk, other_clerk, village, jiayu_villages,
                                                                               current_standards, poverty_jiayu):
    a = _paid(clerk, village, date(2025, 10, 8), "甲")
    b = _paid(clerk, village, date(2025, 10, 9), "乙乙")
    c = _paid(other_clerk, jiayu_villages[0], date(2025, 10, 8), "丙丙丙")
    assert {e.benefit_year for e in (a, b, c)} == {2026}
    # 2026 has not begun: nothing yet (its subsidy is the year's income, not this year's)
    assert post_fiscal_subsidy_day(city, date(2025, 12, 31))["entries"] == 0
    result = post_fiscal_subsidy_day(city, date(2026, 1, 1))
    # 700 per head (the test standard), 384 central (the parameter in force on 2026-01-01), local 316:
    # 咸安区 158 : 158, 嘉鱼县 (脱贫县) 189.60 : 126.40
    assert fiscal_subsidies_posted(city) == {
        ("421202", "central"): D("768.00"), ("421202", "province"): D("316.00"), ("421202", "county"): D("316.00"),
        ("421221", "central"): D("384.00"), ("421221", "province"): D("189.60"), ("421221", "county"): D("126.40"),
    }
    assert D(result["amount"]) == D("2100.00") and result["missing_years"] == []
    entry = JournalEntry.objects.get(source_kind=SourceKind.FISCAL_SUBSIDY)
    assert entry.memo == "2026-01-01 居民医保财政补助（按参保人数和级次）"
    # the central and provincial shares are owed by those levels to the city, the county's by its own finance
    jiayu_county = entry.lines.get(party="county", county__code="421221", amount__gt=0)
    assert (jiayu_county.account.kind, jiayu_county.account.region.code) == (AccountKind.FISCAL_COUNTY, "421221")
    central = entry.lines.get(party="central", county__code="421221", amount__gt=0)
    assert (central.account.kind, central.account.region.code) == (AccountKind.FISCAL_CENTRAL, "421200")
    assert sum(line.amount for line in entry.lines.all()) == 0 and {line.fund for line in entry.lines.all()} == {Fund.RESIDENT_BASIC}
    # the day after posts nothing; a refund takes its person's subsidy back once
    assert post_fiscal_subsidy_day(city, date(2026, 1, 2))["entries"] == 0
    enrollment_cancel(user=clerk, enrollment=Enrollment.objects.get(pk=b.pk), reason="重复参保", today=date(2025, 12, 20))
    result = post_fiscal_subsidy_day(city, date(2026, 1, 3))
    assert D(result["amount"]) == D("-700.00")
    assert fiscal_subsidies_posted(city)[("421202", "central")] == D("384.00")


def test_a_later_enrollment_counts_from_its_payment_date(city, clerk, village, current_standards):
    post_fiscal_subsidy_day(city, date(2026, 1, 1))
    _paid(clerk, village, date(2026, 2, 10), "丁")  # paid in the year (its benefits start later; the subsidy is the year's)
    assert post_fiscal_subsidy_day(city, date(2026, 2, 9))["entries"] == 0
    assert D(post_fiscal_subsidy_day(city, date(2026, 2, 10))["amount"]) == D("700.00")


def test_the_parameters_are_data(city, clerk, village, current_standards, officer):
    _paid(clerk, village, date(2025, 10, 8), "甲")
    # an officer enters 2026's central amount (400 from 2026-01-01) and lowers the province's share
    PolicyParameter.objects.filter(region=city, name="fiscal_central_per_head", valid_to__isnull=True).update(valid_to=date(2025, 12, 31))
    PolicyParameter.objects.create(region=city, scheme="resident_basic", name="fiscal_central_per_head", value="400", unit="yuan",
                                   valid_from=date(2026, 1, 1), source="N004 §一")
    PolicyParameter.objects.filter(region=city, name="fiscal_province_share.other_county").update(value="0.4")
    post_fiscal_subsidy_day(city, date(2026, 1, 1))
    assert fiscal_subsidies_posted(city) == {("421202", "central"): D("400.00"), ("421202", "province"): D("120.00"),
                                             ("421202", "county"): D("180.00")}


def test_a_year_without_a_standard_is_named_and_posts_nothing(city, clerk, village, current_standards):
    from enrollment.models import ContributionStandard

    _paid(clerk, village, date(2025, 10, 8), "甲")
    ContributionStandard.objects.filter(benefit_year=2026).delete()
    result = post_fiscal_subsidy_day(city, date(2026, 1, 1))
    assert result == {"entries": 0, "amount": "0.00", "missing_years": ["2026"]}


def test_the_daily_job_posts_them_and_the_income_reaches_the_statement(city, clerk, village, current_standards, officer, client):
    _paid(clerk, village, date(2025, 10, 8), "甲")
    done = jobs.post_days_until(date(2026, 1, 2))
    assert done["post_fiscal_subsidies:421200"] == 1  # the first run: what stands at the end of yesterday, in one entry
    assert jobs.post_days_until(date(2026, 1, 2))["post_fiscal_subsidies:421200"] == 0  # run again: nothing
    income = ledger.account(Fund.RESIDENT_BASIC, AccountKind.SUBSIDY_INCOME, city)
    assert ledger.balance(income, date(2026, 1, 2)) == D("-700.00")
    client.force_login(officer)
    page = client.get("/funds/statement/", {"year": 2026}).content.decode()
    # January's income: the person's own 400 (the first run posts what stands at its end) and the 700
    assert '<td class="money">1,100.00</td>' in page


# ------------------------------------------------------------------------------ properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_DAYS = iter(range(1, 10_000))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=4))
def test_the_enrollment_postings_always_match_what_is_due_and_a_second_run_changes_nothing(
        city, clerk, other_clerk, village, jiayu_villages, current_standards, changes):
    """Each example pays (or refunds) enrollments in either county, then posts a new day of each
    of the three enrollment jobs: the ledger then holds exactly what is due, every fund sums to
    zero, and posting the same day again posts nothing."""
    from django.db.models import Sum

    from funds.models import JournalLine
    from funds.services import postings

    day = date(2026, 1, 1) + __import__("datetime").timedelta(days=next(_DAYS))
    for in_jiayu, refund in changes:
        user, where = (other_clerk, jiayu_villages[0]) if in_jiayu else (clerk, village)
        paid = Enrollment.objects.filter(status="paid", village=where).first()
        if refund and paid is not None:
            enrollment_cancel(user=user, enrollment=paid, reason="性质测试退费", today=date(2025, 12, 20))
        else:
            _paid(user, where, date(2025, 10, 8), f"性质{Enrollment.objects.count()}")
    for work in (postings.post_contribution_day, postings.post_subsidy_day, post_fiscal_subsidy_day):
        work(city, day)
        assert work(city, day)["entries"] == 0
    assert fiscal_subsidies_posted(city) == {k: v for k, v in postings.fiscal_subsidies_due(city, day)[0].items()} | {
        k: D("0.00") for k in fiscal_subsidies_posted(city) if k not in postings.fiscal_subsidies_due(city, day)[0]}
    assert postings.contributions_posted(city) == {**{k: D("0.00") for k in postings.contributions_posted(city)},
                                                   **postings.contributions_collected(city, day)}
    for fund in {line.fund for line in JournalLine.objects.all()}:
        assert JournalLine.objects.filter(fund=fund).aggregate(total=Sum("amount"))["total"] == 0


def test_the_reconciliation_proves_each_enrollment_s_incomes_are_posted_once(city, clerk, village, current_standards, officer, client):
    import io

    from openpyxl import load_workbook

    from funds.services.reconcile import income_checks

    _paid(clerk, village, date(2025, 10, 8), "甲")
    refunded = _paid(clerk, village, date(2025, 10, 8), "乙乙")
    Enrollment.objects.filter(pk=refunded.pk).update(subsidy=D("190.00"), subsidy_identity="monitored_unstable")
    jobs.post_days_until(date(2025, 12, 30))
    checks = income_checks(city, date(2025, 12, 30))  # 2026's fiscal subsidies are not due before its first day
    assert {c.source for c in checks} == {"个人缴费", "资助参保"} and {c.note for c in checks} == {"一致"}
    assert [(c.party, c.due) for c in checks if c.source == "资助参保"] == [("乡村振兴部门", D("190.00"))]
    enrollment_cancel(user=clerk, enrollment=Enrollment.objects.get(pk=refunded.pk), reason="重复参保", today=date(2025, 12, 31))
    waiting = {(c.source, c.party): (c.difference, c.note) for c in income_checks(city, date(2025, 12, 31)) if c.difference}
    assert waiting[("资助参保", "乡村振兴部门")] == (D("-190.00"), "待次日记账") and waiting[("个人缴费", "")][1] == "待次日记账"
    jobs.post_days_until(date(2026, 1, 1))
    checks = income_checks(city, date(2026, 1, 1))
    assert {c.note for c in checks} == {"一致"}
    assert {c.party: c.due for c in checks if c.source == "财政补助"} == {"中央财政": D("384.00"), "省级财政": D("158.00"),
                                                                        "县级财政": D("158.00")}
    # as of an earlier day the refund, recorded later, is the difference and is named so
    assert {c.note for c in income_checks(city, date(2025, 12, 30)) if c.difference} == {"其后补记或退费的差额"}
    client.force_login(officer)
    clean = load_workbook(io.BytesIO(client.get("/funds/reconciliation/", {"date_from": "2026-01-01", "date_to": "2026-01-01",
                                                                          "export": "xlsx"}).content)).active
    assert [[c.value for c in row][:3] for row in clean.iter_rows()][1:] == [["核对一致", "2026-01-01至2026-01-01", "无差异"]]
    # an entry booked twice by hand shows as a difference on the page and in the export
    jobs.post_days_until(date(2026, 1, 2))
    basic = Fund.RESIDENT_BASIC
    ledger.post(city=city, posted_on=date(2026, 1, 2), source_kind=SourceKind.MANUAL, key="twice", memo="重复记账", lines=[
        ledger.Line(ledger.account(basic, AccountKind.FISCAL_CENTRAL, city), D("384.00"), village.parent.parent, "central"),
        ledger.Line(ledger.account(basic, AccountKind.SUBSIDY_INCOME, city), D("-384.00"), village.parent.parent, "central")])
    client.force_login(officer)
    query = {"date_from": "2026-01-01", "date_to": "2026-01-02"}
    page = client.get("/funds/reconciliation/", query).content.decode()
    table = page.split('id="incomes"')[1].split("</table>")[0]
    assert 'id="incomes-ok"' not in page and "-384.00" in table and "中央财政" in table and "已记账金额多于应记，请核查手工记账" in table
    sheet = load_workbook(io.BytesIO(client.get("/funds/reconciliation/", {**query, "export": "xlsx"}).content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "类别" and len(rows) == 2
    assert rows[1][0] == "财政补助" and rows[1][2] == "咸安区（中央财政）" and rows[1][6] == D("-384.00")

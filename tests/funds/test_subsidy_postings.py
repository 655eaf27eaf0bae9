"""Subsidised enrollment reaches the fund ledger (issue 12, RULES.md 2.3 and 7): at the end of
each day, the change in each county's subsidies by payer. The medical-assistance fund's share is
its own expenditure paid into the resident fund's special account; a department's or the county
government's is owed through the county's finance. Each line names the payer; a cancelled
enrollment takes its subsidy back once."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from enrollment.models import Enrollment
from enrollment.services.enrollments import enrollment_cancel, enrollment_register
from funds.models import AccountKind, Fund, JournalLine, SourceKind
from funds.services import jobs
from funds.services.alerts import figures
from funds.services.postings import post_subsidy_day, subsidies_posted
from tests import factories

pytestmark = pytest.mark.django_db


def _subsidised(clerk, village, name, code, amount):
    enrollment = enrollment_register(user=clerk, person=factories.person(village, name=name, birth=date(1960, 1, len(name))),
                                     category="regular", channel="village_batch", payment_date=date(2025, 10, 8), today=date(2025, 10, 8))
    Enrollment.objects.filter(pk=enrollment.pk).update(subsidy=D(amount), subsidy_identity=code)
    return enrollment


def _sum(**filters):
    return JournalLine.objects.filter(**filters).aggregate(t=Sum("amount"))["t"] or D("0")


def test_each_payer_s_subsidies_are_posted_once_and_a_cancellation_takes_them_back(clerk, village, current_standards, presets):
    from core.models import Region

    city = Region.objects.get(code="421200")
    low = _subsidised(clerk, village, "低保甲", "subsistence_allowance", "380.00")  # 医疗救助基金
    monitored = _subsidised(clerk, village, "监测乙乙", "monitored_unstable", "190.00")  # 乡村振兴部门
    post_subsidy_day(city, date(2025, 10, 8))
    assert subsidies_posted(city) == {("421202", "assistance_fund"): D("380.00"), ("421202", "rural_revitalisation"): D("190.00")}
    # the medical-assistance fund spends, and pays into the resident fund's special account
    assert _sum(fund=Fund.ASSISTANCE, account__kind=AccountKind.BENEFIT_EXPENSE) == D("380.00")
    assert _sum(fund=Fund.RESIDENT_BASIC, account__kind=AccountKind.FISCAL_SPECIAL) == D("380.00")
    # the department's share is owed through the county's finance
    owed = JournalLine.objects.get(fund=Fund.RESIDENT_BASIC, account__kind=AccountKind.FISCAL_COUNTY)
    assert (owed.amount, owed.party, owed.account.region.code) == (D("190.00"), "rural_revitalisation", "421202")
    for fund in (Fund.RESIDENT_BASIC, Fund.ASSISTANCE):
        assert _sum(fund=fund) == 0  # every fund balances
    assert post_subsidy_day(city, date(2025, 10, 9))["entries"] == 0
    enrollment_cancel(user=clerk, enrollment=Enrollment.objects.get(pk=monitored.pk), reason="重复参保", today=date(2025, 10, 10))
    result = post_subsidy_day(city, date(2025, 10, 10))
    assert result["entries"] == 1 and D(result["amount"]) == D("-190.00")
    assert subsidies_posted(city)[("421202", "rural_revitalisation")] == 0
    assert low.pk


def test_the_subsidies_count_as_the_fund_s_income_and_the_daily_job_posts_them(clerk, village, current_standards, presets):
    from core.models import Region

    city = Region.objects.get(code="421200")
    _subsidised(clerk, village, "特困丙", "extreme_poverty", "380.00")
    done = jobs.post_days_until(date(2025, 10, 8))
    assert done["post_subsidies:421200"] == 1
    assert JournalLine.objects.filter(entry__source_kind=SourceKind.SUBSIDY_RUN).exists()
    county = {f.region.code: f for f in figures(city, date(2025, 10, 8))}["421202"]
    paid_by_people = Enrollment.objects.filter(status__in=Enrollment.PAID_STATUSES).aggregate(t=Sum("amount_due"))["t"]
    assert county.income == paid_by_people + D("380.00")

"""Contributions reach the fund ledger (issue 12, RULES.md 7: collected by tax into the
treasury): at the end of each day, what each county's people have paid as their own share,
against what the ledger already holds: the day's payments, a payment recorded late with an
earlier date, and a refund (a paid enrollment cancelled) each change it once."""

from datetime import date
from decimal import Decimal as D

import pytest

from enrollment.models import Enrollment
from enrollment.services.enrollments import enrollment_cancel, enrollment_register
from funds.models import AccountKind, Fund, JournalEntry, SourceKind
from funds.services import jobs
from funds.services.postings import contributions_posted, post_contribution_day
from tests import factories

pytestmark = pytest.mark.django_db


def _paid(clerk, village, day: date, name: str):
    return enrollment_register(user=clerk, person=factories.person(village, name=name, birth=date(1990, 1, len(name))),
                               category="regular", channel="village_batch", payment_date=day, today=day)


def test_each_county_s_contributions_are_posted_once_and_late_ones_and_refunds_after(clerk, other_clerk, village, jiayu_villages,
                                                                                    current_standards, presets):
    from core.models import Region

    city = Region.objects.get(code="421200")
    a = _paid(clerk, village, date(2025, 10, 8), "甲")
    b = _paid(other_clerk, jiayu_villages[0], date(2025, 10, 8), "乙乙")
    post_contribution_day(city, date(2025, 10, 8))
    entry = JournalEntry.objects.get(source_kind=SourceKind.CONTRIBUTIONS)
    assert contributions_posted(city) == {"421202": a.amount_due, "421221": b.amount_due}
    treasury = entry.lines.get(account__kind=AccountKind.TREASURY, county__code="421202")
    assert treasury.amount == a.amount_due and treasury.fund == Fund.RESIDENT_BASIC and a.amount_due > 0
    # Nothing new: the next day posts nothing
    assert post_contribution_day(city, date(2025, 10, 9))["entries"] == 0
    # A payment recorded late, dated the 8th, and a refund: the next day's entry carries both
    c = _paid(clerk, village, date(2025, 10, 8), "丙丙丙")
    enrollment_cancel(user=clerk, enrollment=Enrollment.objects.get(pk=b.pk), reason="重复参保", today=date(2025, 10, 10))
    result = post_contribution_day(city, date(2025, 10, 10))
    assert result["entries"] == 1 and D(result["amount"]) == c.amount_due - b.amount_due
    assert contributions_posted(city) == {"421202": a.amount_due + c.amount_due, "421221": D("0.00")}
    # The daily job's first run posts what stands at the end of yesterday in one entry, then day by day
    done = jobs.post_days_until(date(2025, 10, 12))
    assert done["post_contributions:421200"] == 1 and JournalEntry.objects.filter(source_kind=SourceKind.CONTRIBUTIONS).count() == 2
    assert jobs.post_days_until(date(2025, 10, 14))["post_contributions:421200"] == 2


def test_the_reconciliation_page_compares_the_contributions(client, officer, clerk, village, current_standards, presets):
    a = _paid(clerk, village, date(2025, 10, 8), "甲")
    client.force_login(officer)
    page = client.get("/funds/reconciliation/", {"date_from": "2025-10-01", "date_to": "2025-10-08"}).content.decode()
    assert "咸安区" in page and "<td>待次日记账</td>" in page
    jobs.post_days_until(date(2025, 10, 8))
    page = client.get("/funds/reconciliation/", {"date_from": "2025-10-01", "date_to": "2025-10-08"}).content.decode()
    assert "待次日记账" not in page and "<td>一致</td>" in page and page.count(f"{a.amount_due:,.2f}") >= 2

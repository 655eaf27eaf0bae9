"""The reconciliation of settlements and the ledger (issue 12): every settlement's fund amounts
in the ledger exactly once; a day not yet posted and a posting reversed by hand are listed."""

from datetime import date

import pytest

from funds.models import Fund, JournalEntry
from funds.services import jobs, ledger, postings
from funds.services.reconcile import reconcile_settlements
from tests.funds.conftest import settle as _settle

pytestmark = pytest.mark.django_db


def test_a_posted_range_reconciles_and_a_missing_day_is_listed(city, world, officer):
    a = _settle(officer, world["xianan_person"], world["hospital"], "C1", date(2026, 3, 2))
    _settle(officer, world["jiayu_person"], world["centre"], "C2", date(2026, 3, 3))
    jobs.post_settlements_until(date(2026, 3, 2))
    result = reconcile_settlements(city, date(2026, 3, 1), date(2026, 3, 3))
    assert result.unposted_days == [date(2026, 3, 3)]
    [missing] = [d for d in result.differences if d.fund == Fund.RESIDENT_BASIC]
    assert (missing.day, missing.holder, missing.posted, missing.day_posted) == (date(2026, 3, 3), "咸宁市中心医院（H002）", 0, False)
    jobs.post_settlements_until(date(2026, 3, 3))
    done = reconcile_settlements(city, date(2026, 3, 1), date(2026, 3, 3))
    assert done.balanced and done.unposted_days == [] and done.settled == done.posted
    assert done.settled >= a.basic_fund


def test_a_posting_reversed_in_the_ledger_shows_as_a_difference_on_a_posted_day(city, world, officer):
    a = _settle(officer, world["xianan_person"], world["hospital"], "C3", date(2026, 3, 2))
    postings.post_settlement_day(city, date(2026, 3, 2))
    jobs.run_period(f"{jobs.SETTLEMENT_JOB}:{city.code}", "2026-03-02", lambda: {})
    ledger.reverse(entry=JournalEntry.objects.get(), posted_on=date(2026, 3, 5), reason="误记")
    result = reconcile_settlements(city, date(2026, 3, 2), date(2026, 3, 2))
    [basic] = [d for d in result.differences if d.fund == Fund.RESIDENT_BASIC]
    assert (basic.settled, basic.posted, basic.difference, basic.day_posted) == (a.basic_fund, 0, a.basic_fund, True)


def test_the_officer_s_reconciliation_page_and_who_may_open_it(client, city, world, officer, xianan):
    from core.roles import REVIEWER
    from tests import factories

    _settle(officer, world["xianan_person"], world["hospital"], "C4", date(2026, 3, 2))
    client.force_login(officer)
    page = client.get("/funds/reconciliation/", {"date_from": "2026-03-01", "date_to": "2026-03-02"}).content.decode()
    assert "尚未记账" in page and "2026-03-02" in page and "咸安区人民医院" in page and "居民基本医疗保险基金" in page
    jobs.post_settlements_until(date(2026, 3, 2))
    page = client.get("/funds/reconciliation/", {"date_from": "2026-03-01", "date_to": "2026-03-02"}).content.decode()
    assert 'id="reconcile-ok"' in page and "6,440.00" in page
    assert client.get("/funds/reconciliation/", {"date_from": "2026-03-05", "date_to": "2026-03-01"}).status_code == 400
    assert client.get("/funds/reconciliation/", {"date_from": "2024-01-01", "date_to": "2026-03-01"}).status_code == 400
    future = client.get("/funds/reconciliation/", {"date_to": "2099-01-01"})
    assert future.status_code == 400 and "不能晚于昨天" in future.content.decode()
    client.force_login(factories.user("rec_reviewer", REVIEWER, xianan))
    refused = client.get("/funds/reconciliation/")
    assert refused.status_code == 403 and "对账按统筹区（市）进行，请由市医保局用户查看" in refused.content.decode()

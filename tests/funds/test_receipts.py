"""Money into the city fiscal special account (issue 12, RULES.md 7 统收): the treasury transfers
the contributions tax collected, the fiscal levels pay their subsidies; the city finance bureau
records each arrival, never more than is owed, and what is still to come is shown by county."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.errors import ServiceError
from core.roles import FINANCE, REVIEWER
from enrollment.services.enrollments import enrollment_register
from funds.models import AccountKind, Fund, JournalLine
from funds.services import jobs
from funds.services import receipts as service
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 2)


@pytest.fixture
def treasurer(city):
    return factories.user("rc_treasurer", FINANCE, city)


@pytest.fixture
def posted(city, clerk, village, current_standards):
    for name in ("甲", "乙乙"):
        enrollment_register(user=clerk, person=factories.person(village, name=name, birth=date(1990, 1, len(name))),
                            category="regular", channel="village_batch", payment_date=date(2025, 10, 8), today=date(2025, 10, 8))
    jobs.post_days_until(date(2026, 1, 1))


def _receive(user, county=None, **overrides):
    values = {"fund": Fund.RESIDENT_BASIC, "source": AccountKind.TREASURY, "county": county, "amount": "100", "on": date(2026, 1, 5),
              "document": "国库划转 2026-001", "today": TODAY}
    return service.record_receipt(user=user, **{**values, **overrides})



def test_what_is_owed_comes_in_and_never_more(city, posted, treasurer, xianan):
    owed = {(o.source, o.county.code): o.owed for o in service.owed(city, Fund.RESIDENT_BASIC, TODAY)}
    contributions = owed[(AccountKind.TREASURY, "421202")]
    # two people's contributions (the test standard) to the treasury; 2 × 384 central, 2 × 158 province and county
    assert owed[(AccountKind.FISCAL_CENTRAL, "421202")] == D("768.00") and owed[(AccountKind.FISCAL_COUNTY, "421202")] == D("316.00")
    with pytest.raises(ServiceError, match=f"超过截至2026-01-05咸安区国库（税务征收）应缴未缴的 {contributions:,.2f} 元"):
        _receive(treasurer, xianan, amount=str(contributions + D("0.01")))
    entry = _receive(treasurer, xianan, amount=str(contributions))
    lines = {(line.account.kind, line.amount) for line in entry.lines.select_related("account")}
    assert lines == {(AccountKind.FISCAL_SPECIAL, contributions), (AccountKind.TREASURY, -contributions)}
    with pytest.raises(ServiceError, match="已登记"):
        _receive(treasurer, xianan, amount="1")
    _receive(treasurer, xianan, source=AccountKind.FISCAL_CENTRAL, amount="700", document="中央补助 1")
    owed = {(o.source, o.county.code): o.owed for o in service.owed(city, Fund.RESIDENT_BASIC, TODAY)}
    assert (AccountKind.TREASURY, "421202") not in owed and owed[(AccountKind.FISCAL_CENTRAL, "421202")] == D("68.00")
    # the county's own share is owed by the county's finance, on its own account
    _receive(treasurer, xianan, source=AccountKind.FISCAL_COUNTY, amount="316", document="县级补助 1")
    special = JournalLine.objects.filter(account__kind=AccountKind.FISCAL_SPECIAL, fund=Fund.RESIDENT_BASIC)
    assert sum(line.amount for line in special) == contributions + D("1016.00")


@pytest.mark.parametrize("overrides, message", [
    ({"amount": "0"}, "请填写到账金额"), ({"amount": "1e2"}, "到账金额"), ({"amount": "-1"}, "到账金额"),
    ({"document": " "}, "请填写到账通知或缴款书号"), ({"on": None}, "请填写到账日期"), ({"on": date(2024, 12, 31)}, "2025年1月1日以后"),
    ({"source": "facility_payable"}, "请选择资金来源"), ({"fund": "x"}, "请选择基金"), ({"county": None}, "请选择咸宁市的县"),
])
def test_bad_input_is_refused(city, posted, treasurer, xianan, overrides, message):
    before = JournalLine.objects.count()
    with pytest.raises(ServiceError, match=message):
        _receive(treasurer, **{"county": xianan, **overrides})
    assert JournalLine.objects.count() == before


def test_only_the_city_finance_bureau_records(city, posted, officer, xianan):
    with pytest.raises(ServiceError, match="没有登记资金缴入"):
        _receive(officer, xianan)


def test_the_page(client, city, posted, treasurer, officer, xianan, jiayu):
    client.force_login(treasurer)
    page = client.get("/funds/receipts/").content.decode()
    assert 'id="receipt-form"' in page and "768.00" in page.split('id="owed"')[1].split("</table>")[0]
    bad = client.post("/funds/receipts/", {"source": "fiscal_central", "county": xianan.pk, "amount": "9999", "on": "2026-01-05",
                                           "document": "X1"})
    assert bad.status_code == 200 and "超过截至2026-01-05咸安区中央财政应缴未缴的 768.00 元" in bad.content.decode()
    ok = client.post("/funds/receipts/", {"source": "fiscal_central", "county": xianan.pk, "amount": "768", "on": "2026-01-05",
                                          "document": "X1"})
    assert ok.status_code == 302
    page = client.get("/funds/receipts/").content.decode()
    assert "咸安区中央财政资金缴入市级财政专户" in page.split('id="receipts"')[1]
    assert client.get("/funds/receipts/", {"fund": "nope"}).status_code == 400
    # the city bureau reads it without the form; a county's user is refused
    client.force_login(officer)
    page = client.get("/funds/receipts/").content.decode()
    assert 'id="receipt-form"' not in page and client.post("/funds/receipts/", {"source": "treasury"}).status_code == 403
    client.force_login(factories.user("rc_rev", REVIEWER, jiayu))
    assert client.get("/funds/receipts/").status_code == 403


def test_an_arrival_recorded_wrongly_is_reversed_by_the_city_bureau_and_entered_again(client, city, posted, treasurer, officer, xianan):
    from funds.models import JournalEntry, SourceKind

    wrong = _receive(treasurer, xianan, source=AccountKind.FISCAL_CENTRAL, amount="700", document="中央补助 1")
    with pytest.raises(ServiceError, match="请市医保局冲销原凭证后重新登记"):
        _receive(treasurer, xianan, source=AccountKind.FISCAL_CENTRAL, amount="768", document="中央补助 1")
    client.force_login(treasurer)
    assert 'id="reverse-form"' not in client.get(f"/funds/entries/{wrong.pk}/").content.decode()
    refused = client.post(f"/funds/entries/{wrong.pk}/", {"reason": "越权"}, follow=True).content.decode()
    assert "您没有冲销凭证的权限" in refused and not JournalEntry.objects.filter(reverses=wrong).exists()
    client.force_login(officer)
    page = client.get(f"/funds/entries/{wrong.pk}/").content.decode()
    assert 'id="reverse-form"' in page
    assert 'id="reverse-form"' in client.post(f"/funds/entries/{wrong.pk}/", {"reason": ""}).content.decode()
    assert "冲销日期不能早于原凭证的记账日期 2026-01-05" in client.post(f"/funds/entries/{wrong.pk}/", {"reason": "x", "on": "2026-01-04"}
                                                                  ).content.decode()
    future = client.post(f"/funds/entries/{wrong.pk}/", {"reason": "金额录错", "on": "2099-01-01"}).content.decode()
    assert not JournalEntry.objects.filter(reverses=wrong).exists() and 'id="reverse-form"' in future
    done = client.post(f"/funds/entries/{wrong.pk}/", {"reason": "金额录错", "on": "2026-01-05"})
    reversal = JournalEntry.objects.get(reverses=wrong)
    assert done.status_code == 302 and done["Location"] == f"/funds/entries/{reversal.pk}/"
    assert reversal.memo == f"冲销凭证 {wrong.pk}：金额录错" and reversal.posted_by == officer
    entry_page = client.get(f"/funds/entries/{wrong.pk}/").content.decode()
    assert 'id="reverse-form"' not in entry_page and "fiscal_central" not in entry_page.split('id="lines"')[1]  # reversed once
    assert "<td>中央财政</td>" in entry_page  # 资金来源 in words
    listing = client.get("/funds/receipts/").content.decode().split('id="receipts"')[1]
    assert f"已冲销（<a class=\"link-light\" href=\"/funds/entries/{reversal.pk}/\">凭证 {reversal.pk}</a>）" in listing
    again = _receive(treasurer, xianan, source=AccountKind.FISCAL_CENTRAL, amount="768", document="中央补助 1")
    assert again.key.endswith(":2")
    owed = {(o.source, o.county.code): o.owed for o in service.owed(city, Fund.RESIDENT_BASIC, TODAY)}
    assert (AccountKind.FISCAL_CENTRAL, "421202") not in owed
    # the daily jobs' entries are corrected through their source, never here
    settled = JournalEntry.objects.filter(source_kind=SourceKind.CONTRIBUTIONS).first()
    assert 'id="reverse-form"' not in client.get(f"/funds/entries/{settled.pk}/").content.decode()
    assert "不能在此冲销" in client.post(f"/funds/entries/{settled.pk}/", {"reason": "x"}, follow=True).content.decode()


def test_an_earlier_dated_arrival_may_not_take_a_later_balance_below_zero_and_fullwidth_numbers_are_one(city, posted, treasurer, xianan):
    central = {"source": AccountKind.FISCAL_CENTRAL}
    _receive(treasurer, xianan, **central, amount="768", on=date(2026, 1, 6), document="中央补助 001")
    with pytest.raises(ServiceError, match="超过截至2026-01-05咸安区中央财政应缴未缴的 0.00 元（已扣除其后日期已登记的到账）"):
        _receive(treasurer, xianan, **central, amount="768", on=date(2026, 1, 5), document="中央补助 002")
    with pytest.raises(ServiceError, match="已登记"):
        _receive(treasurer, xianan, **central, amount="1", on=date(2026, 1, 7), document="中央补助 ００１")
    assert {(o.source, o.county.code) for o in service.owed(city, Fund.RESIDENT_BASIC, TODAY)} & {(AccountKind.FISCAL_CENTRAL, "421202")} == set()

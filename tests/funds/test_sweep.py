"""Bank interest and the year-end sweep (issue 12, RULES.md 7: by 28 December each county
expenditure account sends its interest to the city fiscal special account and its remaining balance
to the city bureau's expenditure account), an idempotent scheduled job that catches up a missed day."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from core.errors import ServiceError
from core.roles import FUND_CASHIER, REVIEWER
from funds.models import AccountKind, Fund, JobRun, JournalEntry, SourceKind
from funds.services import jobs, ledger, treasury
from tests import factories

pytestmark = pytest.mark.django_db
BASIC = Fund.RESIDENT_BASIC


@pytest.fixture
def cashier(city):
    return factories.user("cashier", FUND_CASHIER, city)


def _advance(city, county, amount, on, key):
    """Money in a county's expenditure account (as a manual-claims advance would put it)."""
    lines = [ledger.Line(ledger.account(BASIC, AccountKind.COUNTY_EXPENDITURE, county), D(amount), county),
             ledger.Line(ledger.account(BASIC, AccountKind.CITY_EXPENDITURE, city), -D(amount), county)]
    ledger.post(city=city, posted_on=on, source_kind=SourceKind.MANUAL, key=key, memo="测试拨付", lines=lines)


def test_interest_is_recorded_once_per_account_and_day(cashier, city, xianan, officer):
    entry = treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.COUNTY_EXPENDITURE, holder=xianan, amount="1,234.56",
                                     on=date(2026, 6, 21), memo="结息回单 001")
    assert entry.memo == "咸安区县医保局基金支出户利息（居民基本医疗保险基金）：结息回单 001"
    lines = {line.account.kind: (line.amount, line.county.code) for line in entry.lines.select_related("account", "county")}
    assert lines == {AccountKind.COUNTY_EXPENDITURE: (D("1234.56"), "421202"), AccountKind.INTEREST_INCOME: (D("-1234.56"), "421202")}
    with pytest.raises(ServiceError, match="2026-06-21的居民基本医疗保险基金利息已登记；如有错误，请市局冲销原凭证后重新登记"):
        treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.COUNTY_EXPENDITURE, holder=xianan, amount="1", on=date(2026, 6, 21))
    # reversed, it may be entered again (correctly)
    ledger.reverse(entry=entry, posted_on=date(2026, 6, 22), reason="金额有误", user=officer)
    again = treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.COUNTY_EXPENDITURE, holder=xianan, amount="1,234.65",
                                     on=date(2026, 6, 21))
    assert again.key.endswith(":2") and again.lines.get(amount__gt=0).amount == D("1234.65")
    city_entry = treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.FISCAL_SPECIAL, holder=None, amount="10",
                                          on=date(2026, 6, 21))
    assert city_entry.lines.get(amount__gt=0).account.region == city
    for kwargs, message in (
        ({"kind": AccountKind.COUNTY_EXPENDITURE, "holder": None}, "请选择咸宁市的县（市、区）"),
        ({"kind": AccountKind.TREASURY}, "请选择银行账户"),
        ({"amount": "0"}, "请填写利息金额"), ({"amount": "-5"}, "不是有效金额|金额不能为负数"), ({"amount": "abc"}, "不是有效金额"),
        ({"amount": "1e5"}, "「1e5」不是有效金额"), ({"amount": "+5"}, "「\\+5」不是有效金额"),
        ({"on": date(date.today().year - 2, 12, 31)}, "结息日期须在"),
        ({"on": date(2099, 1, 1)}, "不能晚于今天"), ({"on": None}, "请填写结息日期"),
    ):
        data = {"fund": BASIC, "kind": AccountKind.CITY_EXPENDITURE, "holder": None, "amount": "5", "on": date(2026, 3, 21), **kwargs}
        with pytest.raises(ServiceError, match=message):
            treasury.record_interest(user=cashier, **data)
    with pytest.raises(ServiceError, match="没有登记银行存款利息的权限"):
        treasury.record_interest(user=officer, fund=BASIC, kind=AccountKind.CITY_EXPENDITURE, holder=None, amount="5", on=date(2026, 3, 21))


def test_interest_of_a_swept_year_is_refused(cashier, city, xianan):
    from funds.models import JobRun

    JobRun.objects.create(job="year_end_sweep:421200", period="2025", status=JobRun.Status.DONE)
    with pytest.raises(ServiceError, match="2025年已年末归集（12月28日），该日的利息不能再登记"):
        treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.COUNTY_EXPENDITURE, holder=xianan, amount="1", on=date(2025, 12, 21))
    # after the 28th it is next year's interest
    treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.COUNTY_EXPENDITURE, holder=xianan, amount="1", on=date(2025, 12, 30))


def test_the_sweep_sends_the_interest_to_the_special_account_and_the_rest_to_the_city(cashier, city, xianan, jiayu):
    _advance(city, xianan, "10000", date(2026, 1, 5), "t1")
    _advance(city, jiayu, "500", date(2026, 1, 5), "t2")
    treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.COUNTY_EXPENDITURE, holder=xianan, amount="12.34", on=date(2026, 6, 21))
    treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.COUNTY_EXPENDITURE, holder=xianan, amount="20", on=date(2025, 12, 21))
    _advance(city, xianan, "99", date(2026, 12, 29), "t3")  # after the 28th: next year's
    result = treasury.sweep_year(city, 2026)
    assert result == {"entries": 1, "already_posted": 0, "amount": "10532.34"}
    entry = JournalEntry.objects.get(source_kind=SourceKind.SWEEP)
    assert entry.posted_on == date(2026, 12, 28)
    lines = {(line.account.kind, line.county.code): line.amount for line in entry.lines.select_related("account", "county")}
    # last year's interest was last year's sweep's; this year's 12.34 goes to the special account
    assert lines == {(AccountKind.FISCAL_SPECIAL, "421202"): D("12.34"), (AccountKind.CITY_EXPENDITURE, "421202"): D("10020.00"),
                     (AccountKind.COUNTY_EXPENDITURE, "421202"): D("-10032.34"),
                     (AccountKind.CITY_EXPENDITURE, "421221"): D("500.00"), (AccountKind.COUNTY_EXPENDITURE, "421221"): D("-500.00")}
    for county in (xianan, jiayu):
        assert ledger.balance(ledger.account(BASIC, AccountKind.COUNTY_EXPENDITURE, county), date(2026, 12, 28)) == 0
    assert treasury.sweep_year(city, 2026) == {"entries": 0, "already_posted": 0, "amount": "0.00"}  # nothing is left to sweep
    assert JournalEntry.objects.filter(source_kind=SourceKind.SWEEP).count() == 1


def test_interest_above_the_balance_sends_only_the_balance(cashier, city, xianan):
    _advance(city, xianan, "-30", date(2026, 1, 5), "t1")  # the account paid out more than it received
    treasury.record_interest(user=cashier, fund=BASIC, kind=AccountKind.COUNTY_EXPENDITURE, holder=xianan, amount="40", on=date(2026, 6, 21))
    treasury.sweep_year(city, 2026)
    lines = {line.account.kind: line.amount for line in JournalEntry.objects.get(source_kind=SourceKind.SWEEP).lines.select_related("account")}
    assert lines == {AccountKind.FISCAL_SPECIAL: D("10.00"), AccountKind.COUNTY_EXPENDITURE: D("-10.00")}


def test_a_county_with_nothing_left_is_not_swept(city, xianan):
    _advance(city, xianan, "10", date(2026, 1, 5), "t1")
    _advance(city, xianan, "-10", date(2026, 2, 5), "t2")
    assert treasury.sweep_year(city, 2026)["entries"] == 0


def test_the_daily_job_sweeps_once_the_28th_is_over_and_catches_up_a_missed_one(city, xianan, world, officer):
    from tests.funds.conftest import settle

    settle(officer, world["xianan_person"], world["hospital"], "S1", date(2026, 12, 1))
    jobs.post_days_until(date(2026, 12, 1), jobs.DAILY_JOBS[:1])
    _advance(city, xianan, "300", date(2026, 12, 2), "t1")
    assert jobs.sweep_until(date(2026, 12, 27)) == {"year_end_sweep:421200": 0}
    assert not JournalEntry.objects.filter(source_kind=SourceKind.SWEEP).exists()
    # the job did not run on the 29th; the first run after sweeps the year once
    assert jobs.sweep_until(date(2027, 1, 3)) == {"year_end_sweep:421200": 1}
    assert jobs.sweep_until(date(2027, 1, 4)) == {"year_end_sweep:421200": 0}
    assert JobRun.objects.get(job="year_end_sweep:421200").period == "2026"
    assert JournalEntry.objects.get(source_kind=SourceKind.SWEEP).posted_on == date(2026, 12, 28)


def test_the_interest_page(client, cashier, city, xianan, jiayu):
    client.force_login(cashier)
    page = client.post(reverse("funds:interest"), {"fund": BASIC, "kind": AccountKind.COUNTY_EXPENDITURE, "holder": "",
                                                   "amount": "12.34", "on": "2026-06-21"}).content.decode()
    assert "请选择咸宁市的县（市、区）" in page and not JournalEntry.objects.exists()
    response = client.post(reverse("funds:interest"), {"fund": BASIC, "kind": AccountKind.COUNTY_EXPENDITURE, "holder": xianan.pk,
                                                       "amount": "12.34", "on": "2026-06-21", "memo": "回单001"})
    assert response.status_code == 302
    page = client.get(reverse("funds:interest")).content.decode()
    assert "咸安区县医保局基金支出户利息（居民基本医疗保险基金）：回单001" in page and "12.34" in page
    client.force_login(factories.user("county_reviewer", REVIEWER, jiayu))
    assert client.get(reverse("funds:interest")).status_code == 403
    client.force_login(factories.user("county_cashier", FUND_CASHIER, jiayu))
    assert client.get(reverse("funds:interest")).status_code == 403


# ------------------------------------------------------------------------------ advances at the start of the year

from core.roles import FINANCE  # noqa: E402


def _expense(city, county, amount, on, key):
    lines = [ledger.Line(ledger.account(BASIC, AccountKind.BENEFIT_EXPENSE, city), D(amount), county),
             ledger.Line(ledger.account(BASIC, AccountKind.PERSON_PAYABLE, county), -D(amount), county)]
    ledger.post(city=city, posted_on=on, source_kind=SourceKind.MANUAL_CLAIMS, key=key, memo="测试手工报销", lines=lines)


def test_the_revolving_fund_is_one_month_of_last_years_expenditure(city, xianan, jiayu):
    finance = factories.user("finance", FINANCE, city)
    _expense(city, xianan, "1000000.00", date(2025, 3, 1), "e1")
    _expense(city, jiayu, "200000.05", date(2025, 9, 1), "e2")
    _expense(city, jiayu, "999", date(2026, 1, 3), "e3")  # this year's: not counted
    assert treasury.revolving_amount(city, BASIC, 2026) == D("100000.00")  # 1,200,000.05 / 12, to the cent
    with pytest.raises(ServiceError, match="2026年的周转金在2026年1月1日至2026年12月31日之间拨付"):
        treasury.revolving_advance(user=finance, fund=BASIC, year=2026, on=date(2025, 12, 31))  # last year not yet over
    entry = treasury.revolving_advance(user=finance, fund=BASIC, year=2026, on=date(2026, 1, 4))
    lines = {line.account.kind: line.amount for line in entry.lines.select_related("account")}
    assert lines == {AccountKind.CITY_EXPENDITURE: D("100000.00"), AccountKind.REVOLVING: D("-100000.00")}
    with pytest.raises(ServiceError, match="2026年居民基本医疗保险基金周转金已拨付"):
        treasury.revolving_advance(user=finance, fund=BASIC, year=2026, on=date(2026, 1, 5))
    with pytest.raises(ServiceError, match="2025年没有待遇支出"):
        treasury.revolving_advance(user=finance, fund=Fund.RESIDENT_CI, year=2026, on=date(2026, 1, 4))
    with pytest.raises(ServiceError, match="没有办理周转金的权限"):
        treasury.revolving_advance(user=factories.user("cashier2", FUND_CASHIER, city), fund=BASIC, year=2026, on=date(2026, 1, 4))


def test_a_county_offices_manual_claims_advance(cashier, city, xianan, jiayu):
    entry = treasury.manual_advance(user=cashier, fund=BASIC, county=xianan, year=2026, amount="25,000.00", on=date(2026, 1, 4))
    lines = {(line.account.kind, line.account.region.code): line.amount for line in entry.lines.select_related("account__region")}
    assert lines == {(AccountKind.COUNTY_EXPENDITURE, "421202"): D("25000.00"), (AccountKind.CITY_EXPENDITURE, "421200"): D("-25000.00")}
    with pytest.raises(ServiceError, match="咸安区2026年居民基本医疗保险基金手工报销资金已预拨"):
        treasury.manual_advance(user=cashier, fund=BASIC, county=xianan, year=2026, amount="1", on=date(2026, 1, 4))
    for county, amount, message in ((None, "1", "请选择咸宁市的县（市、区）"), (city, "1", "请选择咸宁市的县（市、区）"),
                                    (jiayu, "0", "请填写预拨金额"), (jiayu, "-1", "金额不能为负数")):
        with pytest.raises(ServiceError, match=message):
            treasury.manual_advance(user=cashier, fund=BASIC, county=county, year=2026, amount=amount, on=date(2026, 1, 4))
    with pytest.raises(ServiceError, match="2027年的手工报销预拨在2026年12月29日至2027年12月28日之间拨付"):
        treasury.manual_advance(user=cashier, fund=BASIC, county=jiayu, year=2027, amount="1", on=date(2026, 12, 2))  # swept back at once
    with pytest.raises(ServiceError, match="「1e5」不是有效金额"):
        treasury.manual_advance(user=cashier, fund=BASIC, county=jiayu, year=2026, amount="1e5", on=date(2026, 1, 4))
    # the advance is what the year-end sweep brings back if the county has not spent it
    treasury.sweep_year(city, 2026)
    assert ledger.balance(ledger.account(BASIC, AccountKind.COUNTY_EXPENDITURE, xianan), date(2026, 12, 28)) == 0


def test_the_advances_page(client, cashier, city, xianan, jiayu):
    _expense(city, xianan, "40000", date(2025, 3, 1), "e1")
    finance = factories.user("finance", FINANCE, city)
    client.force_login(finance)
    page = client.get(reverse("funds:advances"), {"year": 2026}).content.decode()
    assert "3,333.33" in page and "拨付周转金（记账）" in page and "预拨（记账）" not in page
    client.post(reverse("funds:advances") + "?year=2026", {"action": "revolving", "on": "2026-01-04"})
    assert "已拨付" in client.get(reverse("funds:advances"), {"year": 2026}).content.decode()
    client.force_login(cashier)
    page = client.get(reverse("funds:advances"), {"year": 2026}).content.decode()
    assert "10,000.00" in page  # a quarter of 咸安区's 40,000 last year
    response = client.post(reverse("funds:advances") + "?year=2026", {"action": "manual", "county": xianan.pk, "amount": "abc",
                                                                     "on": "2026-01-04"})
    assert "预拨金额：「abc」不是有效金额" in response.content.decode()
    client.post(reverse("funds:advances") + "?year=2026", {"action": "manual", "county": xianan.pk, "amount": "10,000.00",
                                                          "on": "2026-01-04"})
    assert JournalEntry.objects.filter(source_kind=SourceKind.ADVANCE).count() == 1
    assert client.post(reverse("funds:advances") + "?year=2026", {"action": "revolving", "on": "2026-01-04"}).status_code == 403
    assert client.get(reverse("funds:advances"), {"year": "abc"}).status_code == 400
    client.force_login(factories.user("county_reviewer", REVIEWER, jiayu))
    assert client.get(reverse("funds:advances")).status_code == 403


def test_the_sweep_day_and_the_revolving_months_are_parameters(city, xianan):
    from benefits.models import PolicyParameter

    assert treasury.sweep_day(city, 2026) == date(2026, 12, 28)  # RULES.md 7 preset
    PolicyParameter.objects.filter(region=city, name="fund_sweep_day").update(value="20")
    PolicyParameter.objects.filter(region=city, name="fund_revolving_months").update(value="2")
    assert treasury.sweep_day(city, 2026) == date(2026, 12, 20)
    _expense(city, xianan, "1200", date(2025, 3, 1), "e1")
    assert treasury.revolving_amount(city, BASIC, 2026) == D("200.00")
    assert treasury.advance_window(city, "手工报销预拨", 2026) == (date(2025, 12, 21), date(2026, 12, 20))
    assert treasury.manual_advance_suggestion(D("1000.02")) == D("250.01") and treasury.manual_advance_suggestion(D("0")) == 0


def test_an_entry_names_its_source_in_words(client, officer, city, world):
    from tests.funds.conftest import settle

    settle(officer, world["xianan_person"], world["hospital"], "W1", date(2026, 3, 2))
    jobs.post_days_until(date(2026, 3, 2), jobs.DAILY_JOBS[:1])
    entry = JournalEntry.objects.get(source_kind=SourceKind.SETTLEMENTS)
    client.force_login(officer)
    page = client.get(reverse("funds:entry", args=[entry.pk])).content.decode()
    assert "定点机构结算（咸安区人民医院（H001））" in page

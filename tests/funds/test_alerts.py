"""Fund-balance warnings (issue 12, X000 art. 37): from the ledger, for the city and each county,
raised once a month to the region's officers (inbox and email), cleared when the figure returns,
shown on 基金运行预警; the daily job runs them after the day's postings, twice changes nothing."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core import mail

from core.models import Notification, Region
from core.roles import REVIEWER
from funds.models import AccountKind, Fund, FundAlert, SourceKind
from funds.services import jobs, ledger
from funds.services.alerts import check_alerts, figures
from tests import factories

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 31)


@pytest.fixture
def city(presets):
    return Region.objects.get(code="421200")


def _book(city, county, *, income=None, expense=None, on=date(2026, 3, 2), key=""):
    basic = Fund.RESIDENT_BASIC
    treasury = ledger.account(basic, AccountKind.TREASURY, city)
    lines = []
    if income:
        lines += [ledger.Line(treasury, D(income), county), ledger.Line(ledger.account(basic, AccountKind.CONTRIBUTION_INCOME, city), -D(income), county)]
    if expense:
        lines += [ledger.Line(ledger.account(basic, AccountKind.BENEFIT_EXPENSE, city), D(expense), county), ledger.Line(treasury, -D(expense), county)]
    ledger.post(city=city, posted_on=on, source_kind=SourceKind.MANUAL, key=key or f"{county.code}:{income}:{expense}:{on}", memo="测试",
                lines=lines)


def test_figures_for_the_city_and_each_county(city, xianan, jiayu):
    _book(city, xianan, income="10000", expense="9501")
    _book(city, jiayu, income="10000", expense="7000")
    _book(city, xianan, income="500", on=date(2025, 6, 1))  # last year's income: in the balance only
    by_region = {f.region.code: f for f in figures(city, DAY)}
    assert by_region["421202"].rate == D("0.0499") and by_region["421221"].rate == D("0.3000")
    assert by_region["421200"].income == D("20000") and by_region["421200"].expenditure == D("16501")
    assert by_region["421202"].balance == D("999") and by_region["421202"].monthly_expenditure == D("791.75")
    assert by_region["421202"].months == D("1.26")


def test_warnings_are_raised_once_a_month_to_the_region_s_officers_and_cleared(city, xianan, jiayu, officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    officer.email = "officer@example.gov.cn"
    officer.save()
    county_reviewer = factories.user("xianan_fin", REVIEWER, xianan)
    other_reviewer = factories.user("jiayu_fin", REVIEWER, jiayu)
    _book(city, xianan, income="10000", expense="9501")  # 4.99%: below 5%
    _book(city, jiayu, income="10000", expense="9500")  # 5.00%: no warning
    result = check_alerts(city, DAY)
    kinds = {(a.region.code, a.kind) for a in FundAlert.objects.all()}
    assert ("421202", "surplus_low") in kinds and ("421221", "surplus_low") not in kinds
    assert result["raised"] == len(kinds)
    # the county's warning reaches the county's own and the city's officers, not the other county's
    titles = dict(Notification.objects.filter(title__contains="咸安区").values_list("user__username", "title"))
    assert set(titles) == {"officer", "xianan_fin"} and "当期结余率低于预警线" in titles["officer"]
    assert not Notification.objects.filter(user=other_reviewer, title__contains="咸安区").exists()
    body = Notification.objects.get(user=county_reviewer, title__contains="当期结余率低于预警线").body
    assert "4.99%" in body and "预警线 5%" in body and "咸宁办法 第三十七条" in body
    # Once a month: the same figures again raise nothing
    assert check_alerts(city, DAY)["raised"] == 0 and FundAlert.objects.count() == len(kinds)
    # The figure returns (more income): cleared
    _book(city, xianan, income="100000", on=date(2026, 3, 20))
    assert check_alerts(city, DAY)["cleared"] >= 1
    cleared = FundAlert.objects.get(region=xianan, kind="surplus_low")
    assert cleared.cleared_at is not None and cleared.cleared_value > D("0.05")


def test_the_emails_go_out_after_commit(city, xianan, officer, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    officer.email = "officer@example.gov.cn"
    officer.save()
    _book(city, xianan, income="10000", expense="9600")
    with django_capture_on_commit_callbacks(execute=True):
        check_alerts(city, DAY)
    assert any("基金运行预警：咸安区" in m.subject for m in mail.outbox)
    assert all(m.to == ["officer@example.gov.cn"] for m in mail.outbox)


def test_the_thresholds_are_the_region_s_parameters(city, xianan):
    from benefits.models import PolicyParameter

    PolicyParameter.objects.filter(region=city, name="fund_surplus_low").update(value="0.03")
    _book(city, xianan, income="10000", expense="9600")  # 4.00%: above a 3% line
    check_alerts(city, DAY)
    assert not FundAlert.objects.filter(kind="surplus_low").exists()


def test_the_daily_job_runs_the_warnings_after_the_postings_and_twice_changes_nothing(city, xianan):
    _book(city, xianan, income="10000", expense="9700", on=date(2026, 3, 30))
    done = jobs.post_days_until(DAY)
    assert done["fund_alerts:421200"] == 1 and FundAlert.objects.filter(region=xianan, kind="surplus_low").exists()
    assert jobs.post_days_until(DAY)["fund_alerts:421200"] == 0


def test_the_alerts_page_and_the_inbox(client, city, xianan, jiayu, officer):
    _book(city, xianan, income="10000", expense="9700")
    _book(city, jiayu, income="10000", expense="6000")  # 40%: above 25%
    check_alerts(city, DAY)
    reviewer = factories.user("xianan_fin2", REVIEWER, xianan)
    client.force_login(officer)
    page = client.get("/funds/alerts/").content.decode()
    assert "当期结余率低于预警线" in page and "当期结余率高于预警线" in page and "3%" in page and "40%" in page
    client.force_login(reviewer)
    page = client.get("/funds/alerts/").content.decode()
    assert "当期结余率低于预警线" in page and "当期结余率高于预警线" not in page  # its own county's only
    inbox = client.get("/inbox/").content.decode()
    home = client.get("/").content.decode()
    assert 'id="nav-inbox"' in home
    message = Notification.objects.filter(user=officer).first()
    client.force_login(officer)
    assert "未读" in client.get("/inbox/").content.decode()
    response = client.post(f"/inbox/{message.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/funds/alerts/"
    message.refresh_from_db()
    assert message.read_at is not None
    client.force_login(reviewer)
    assert client.post(f"/inbox/{message.pk}/open/")["Location"] == "/inbox/"  # another's message: nothing opened
    message.refresh_from_db()
    assert "基金运行预警" in inbox


def test_the_warning_opinion_is_drafted_cosigned_and_approved_in_order(client, city, xianan, officer):
    from funds.models import WarningOpinion

    _book(city, xianan, income="10000", expense="9700")
    check_alerts(city, DAY)
    alert = FundAlert.objects.get(region=xianan, kind="surplus_low")
    client.force_login(officer)
    url = f"/funds/alerts/{alert.pk}/"
    assert "尚未起草预警意见" in client.get(url).content.decode()
    # dates out of order are refused in Chinese, nothing written
    refused = client.post(url, {"text": "结余率偏低，建议加强基金监管。", "on": "2026-03-01"}).content.decode()
    assert "起草日期不能早于预警截至日期 2026-03-31" in refused and not WarningOpinion.objects.exists()
    client.post(url, {"text": "结余率偏低，建议加强基金监管。", "on": "2026-04-02"})
    early = client.post(url, {"signer": "市财政局 张三", "on": "2026-04-01"}).content.decode()
    assert "会签日期不能早于起草日期 2026-04-02" in early
    client.post(url, {"signer": "市财政局 张三", "on": "2026-04-05"})
    client.post(url, {"document": "咸政函〔2026〕12号", "on": "2026-04-20"})
    opinion = WarningOpinion.objects.get()
    assert (opinion.status, opinion.cosigned_by, opinion.approved_document) == ("approved", "市财政局 张三", "咸政函〔2026〕12号")
    page = client.get(url).content.decode()
    assert "政府已批准" in page and "<form method=\"post\"" not in page.split("预警意见</h2>")[1]
    printed = client.get(url, {"print": "1"}).content.decode()
    assert "基金运行预警意见" in printed and "财政局（盖章）" in printed and "咸政函〔2026〕12号" in printed


def test_a_county_reviewer_reads_the_opinion_but_does_not_record_it(client, city, xianan, jiayu):
    _book(city, xianan, income="10000", expense="9700")
    _book(city, jiayu, income="10000", expense="9700")
    check_alerts(city, DAY)
    reviewer = factories.user("xianan_fin3", REVIEWER, xianan)
    client.force_login(reviewer)
    own = FundAlert.objects.get(region=xianan, kind="surplus_low")
    page = client.get(f"/funds/alerts/{own.pk}/").content.decode()
    assert "尚未起草预警意见" in page and 'name="text"' not in page
    other = FundAlert.objects.get(region=jiayu, kind="surplus_low")
    assert client.get(f"/funds/alerts/{other.pk}/").status_code == 404


def test_the_deficit_report_shares_what_the_balance_leaves(client, city, xianan, jiayu, officer):
    _book(city, xianan, income="300", on=date(2025, 5, 1))  # the balance before the year: 300
    _book(city, xianan, expense="1000", on=date(2025, 3, 1))
    _book(city, xianan, income="1000", on=date(2025, 2, 1))
    _book(city, xianan, income="6000", expense="7500", on=date(2026, 3, 1))  # growth 6,500 against last year's 1,000
    _book(city, jiayu, income="4000", expense="4000", on=date(2026, 3, 1))  # growth 4,000
    client.force_login(officer)
    page = client.get("/funds/deficit/", {"year": "2026"}).content.decode()
    # deficit 1,500; the balance covers 300; the city 20% of 1,200 = 240; the counties 960:
    # 咸安区 0.5×0.6 + 0.5×(6,500/10,500) = 0.609524 → 585.14; 嘉鱼县 374.86
    for figure in ("1,500.00", "300.00", "240.00", "585.14", "374.86"):
        assert figure in page, figure
    assert "十堰救助办法 三(三)5" in page and client.get("/funds/deficit/", {"year": "x"}).status_code == 400
    future = client.get("/funds/deficit/", {"year": str(date.today().year + 1)})
    assert future.status_code == 400 and "尚未开始" in future.content.decode()
    assert "测算表" in client.get("/funds/deficit/", {"year": "2026", "print": "1"}).content.decode()
    client.force_login(factories.user("xianan_fin4", REVIEWER, xianan))
    assert client.get("/funds/deficit/").status_code == 403


def test_a_county_short_of_its_collection_target_makes_it_up_once_the_year_is_over(client, city, xianan, jiayu, officer):
    from funds.services import budget as budgets
    from funds.services.deficit import deficit_report

    _book(city, xianan, income="90000", on=date(2025, 3, 1))
    _book(city, jiayu, income="60000", on=date(2025, 3, 1))
    _book(city, xianan, income="1", on=date(2024, 12, 31))  # another year's collection counts for nothing
    report = deficit_report(city, 2025)
    assert report.budget is None and {(t.target, t.shortfall) for t in report.targets} == {(None, None)}
    assert len(report.targets) == city.children.count() and report.targets[0].collected == D("90000")
    budget = budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=2025, compiled_on=date(2024, 11, 1),
                                   today=date(2025, 6, 1))
    budgets.budget_set_lines(user=officer, budget=budget, amounts={
        (xianan.pk, AccountKind.CONTRIBUTION_INCOME): "80000", (xianan.pk, AccountKind.SUBSIDISED_CONTRIBUTION): "20000",
        (jiayu.pk, AccountKind.CONTRIBUTION_INCOME): "60000", (xianan.pk, AccountKind.BENEFIT_EXPENSE): "1"})
    budgets.budget_review(user=officer, budget=budget, document="咸政函〔2024〕9号", on=date(2024, 12, 20))
    report = deficit_report(city, 2025)
    assert report.budget is None  # reviewed is not in force
    budgets.budget_approve(user=officer, budget=budget, document="咸人大〔2025〕3号", on=date(2025, 1, 15))
    report = deficit_report(city, 2025)
    # 咸安区: a target of 80,000 + 20,000 against 90,000 collected: 10,000 short; 嘉鱼县 met it exactly
    by_code = {t.region.code: (t.target, t.collected, t.shortfall, t.rate) for t in report.targets}
    assert report.final and by_code["421202"] == (D("100000"), D("90000"), D("10000"), D("0.9000"))
    assert by_code["421221"] == (D("60000"), D("60000"), D("0"), D("1.0000"))
    assert by_code["421222"] == (None, D("0"), None, None)
    client.force_login(officer)
    page = client.get("/funds/deficit/", {"year": "2025"}).content.decode()
    table = page.split('id="deficit-targets"')[1].split("</table>")[0]
    assert "咸人大〔2025〕3号" in table and "未完成差额（县级弥补）" in table
    assert "100,000.00" in table and ">90%<" in table and "10,000.00" in table and "已完成" in table
    printed = client.get("/funds/deficit/", {"year": "2025", "print": "1"}).content.decode()
    assert "10,000.00" in printed.split('id="deficit-targets"')[1]

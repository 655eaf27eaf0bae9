"""The dashboard's charts (enrollment.charts): paid enrollments by week of the collection window
against the same weeks of last year's, settlement spending by month and tier with reversed bills
netting out, the villages with the most unpaid registrations linking to their worklist, and
nothing of another county."""

import json
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.utils import timezone

from benefits.models import Facility
from benefits.services.settlements import VisitInput, settlement_create, settlement_reverse
from enrollment import charts
from enrollment.models import Enrollment
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db

WINDOW_DAYS = 122  # X000 art. 7: Sep 1 - Dec 31 of the year before the benefit year


def _paid(clerk, village, on: date, **extra):
    person = extra.pop("person", None) or factories.person(village)
    return enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=on, today=on)


def _unpaid(clerk, village, today: date, person=None):
    return enrollment_register(user=clerk, person=person or factories.person(village), category="regular", channel="village_batch",
                               today=today)


# ------------------------------------------------------------------------------ enrollment progress


def test_progress_counts_paid_enrollments_by_week_of_the_window_against_last_year(clerk, other_clerk, village, jiayu_villages,
                                                                                  current_standards):
    # Given the 2026 collection window open since 2025-09-01, on 2025-09-20 (a Saturday of its third week),
    today = date(2025, 9, 20)
    people = [factories.person(village) for _ in range(4)]
    # paid this year: two in week 1, one in week 2, one today; one registered and not paid
    for person, day in zip(people, (date(2025, 9, 2), date(2025, 9, 7), date(2025, 9, 10), today)):
        _paid(clerk, village, day, person=person)
    _unpaid(clerk, village, today)
    # and last year (the 2025 window from 2024-09-01): one in week 1, two in week 2, one in week 5
    for person, day in zip(people, (date(2024, 9, 5), date(2024, 9, 12), date(2024, 9, 14), date(2024, 10, 1))):
        _paid(clerk, village, day, person=person)
    # and another county's payments in the same weeks
    for day in (date(2025, 9, 2), date(2024, 9, 5)):
        _paid(other_clerk, jiayu_villages[0], day)

    # When the clerk's dashboard charts are built
    progress = charts.dashboard_charts(clerk, today)["charts"]["progress"]

    # Then the chart covers the 2026 window, week by week from its first day, with last year's beside it
    assert (progress["year"], progress["last_year"]) == (2026, 2025)
    assert (progress["opens_on"], progress["closes_on"], progress["is_open"]) == (date(2025, 9, 1), date(2025, 12, 31), True)
    weeks = progress["weeks"]
    assert len(weeks) == -(-WINDOW_DAYS // 7) == 18
    assert [w["label"] for w in weeks[:3]] == ["第1周", "第2周", "第3周"]
    assert weeks[0]["dates"] == "9月1日—9月7日" and weeks[-1]["dates"] == "12月29日—12月31日"
    # ... this year's cumulative up to today, nothing for the weeks to come
    assert [w["paid"] for w in weeks] == [2, 3, 4] + [None] * 15
    # ... last year's cumulative at the end of the same week of its window
    assert [w["last_year_paid"] for w in weeks] == [1, 3, 3, 3] + [4] * 14


def test_after_the_window_closes_the_chart_stays_on_its_year(clerk, village, current_standards):
    # Given a payment in the 2026 window, and 2026-02-10, after the window closed
    _paid(clerk, village, date(2025, 10, 8))
    today = date(2026, 2, 10)

    # When the charts are built
    progress = charts.dashboard_charts(clerk, today)["charts"]["progress"]

    # Then they show the latest window (2026's), closed, with every week's figure
    assert (progress["year"], progress["is_open"]) == (2026, False)
    assert progress["weeks"][-1]["paid"] == 1 and None not in [w["paid"] for w in progress["weeks"]]


# ------------------------------------------------------------------------------ spending by month


def _hospital(county, code="H1"):
    return Facility.objects.create(code=code, name=f"{county.name}人民医院", level=2, tier="secondary_plus", region=county,
                                   agreement_from=date(2020, 1, 1))


def _admission(officer, person, hospital, number, day, class_a):
    return settlement_create(user=officer, data=VisitInput(person=person, facility=hospital, bill_number=number, kind="inpatient",
                                                           visit_date=day, costs={"class_a": class_a}))


def test_spending_by_month_splits_the_tiers_and_a_reversed_bill_nets_out(clerk, other_clerk, officer, village, jiayu_villages,
                                                                         xianan, jiayu, current_standards):
    # Given an insured person of 咸安区 with a large admission in March 2025 (basic insurance and 大病 pay)
    person = _paid(clerk, village, date(2024, 10, 8)).person
    hospital = _hospital(xianan)
    march = _admission(officer, person, hospital, "ZY-3", date(2025, 3, 15), "150000")
    assert march.basic_fund > 0 and march.critical_illness > 0
    # ... a May admission that was reversed (冲正)
    may = _admission(officer, person, hospital, "ZY-5", date(2025, 5, 10), "8000")
    settlement_reverse(user=officer, settlement=may, reason="重复上传")
    # ... and a last-year visit, and another county's admission in March
    _admission(officer, _paid(clerk, village, date(2023, 10, 8)).person, hospital, "ZY-2024", date(2024, 12, 20), "8000")
    other = _paid(other_clerk, jiayu_villages[0], date(2024, 10, 8)).person
    _admission(officer, other, _hospital(jiayu, "H2"), "JY-3", date(2025, 3, 16), "8000")

    # When the clerk's charts are built at the end of June 2025
    spending = charts.dashboard_charts(clerk, date(2025, 6, 30))["charts"]["spending"]

    # Then there is a row for each month of 2025 so far, the tiers in the bill's order
    assert spending["year"] == 2025
    assert [t["label"] for t in spending["tiers"]] == ["基本医保", "大病保险", "医疗救助", "倾斜/托底"]
    months = {m["label"]: m for m in spending["months"]}
    assert list(months) == ["1月", "2月", "3月", "4月", "5月", "6月"]
    # ... March holds what the March bill paid, and nothing of the other county
    tiers = ("basic_fund", "critical_illness", "assistance", "extra_assistance")
    assert [months["3月"][t] for t in tiers] == [march.basic_fund, march.critical_illness, march.assistance, march.extra_assistance]
    assert months["3月"]["total"] == march.basic_fund + march.critical_illness + march.assistance + march.extra_assistance
    # ... the reversed May bill counts for nothing, and amounts stay Decimal
    assert [months["5月"][t] for t in tiers] == [D("0.00")] * 4
    assert all(isinstance(months["5月"][t], D) for t in tiers)
    assert spending["totals"]["total"] == months["3月"]["total"]


def test_spending_needs_the_permission_to_view_settlements(presets, xianan_villages, current_standards):
    # Given a reviewer (views enrollments, not settlements)
    from core.models import Region
    from core.roles import REVIEWER

    reviewer = factories.user("reviewer", REVIEWER, Region.objects.get(code="421202"))
    # When the charts are built, Then there is no spending chart, the enrollment charts are there
    built = charts.dashboard_charts(reviewer, date(2025, 9, 20))["charts"]
    assert "spending" not in built and {"progress", "villages"} <= set(built)


# ------------------------------------------------------------------------------ top villages


@pytest.fixture
def eleven_villages(xianan):
    return factories.township_and_villages(xianan, n_villages=11)[1]


def test_top_villages_by_unpaid_count_most_first_ten_at_most(clerk, other_clerk, eleven_villages, jiayu_villages, current_standards):
    today = date(2025, 10, 15)  # the 2026 collection
    first, second, *others = eleven_villages
    # Given unpaid 2026 registrations: 3 in the second village, 2 in the first, 1 in each of the nine others
    for village, count in ((second, 3), (first, 2), *((v, 1) for v in others)):
        for _ in range(count):
            _unpaid(clerk, village, today)
    # ... paid ones (not counted), and another county's village with more unpaid than any
    for _ in range(4):
        _paid(clerk, others[-1], today)
    for _ in range(5):
        _unpaid(other_clerk, jiayu_villages[0], today)

    # When the clerk's charts are built
    villages = charts.dashboard_charts(clerk, today)["charts"]["villages"]

    # Then the ten villages with the most unpaid registrations come first, ties in region order
    assert villages["year"] == 2026
    rows = villages["villages"]
    assert [(r["village_id"], r["unpaid"]) for r in rows] == [(second.pk, 3), (first.pk, 2)] + [(v.pk, 1) for v in others[:8]]
    assert rows[0]["label"] == f"{second.parent.name} {second.name}"


def test_a_city_officer_s_villages_are_named_with_their_county(clerk, other_clerk, officer, xianan, jiayu, current_standards):
    # Given two counties each with a 北坪镇 北坳村, each with an unpaid registration
    today = date(2025, 10, 15)
    same = [factories.township_and_villages(county, n_villages=1)[1][0] for county in (xianan, jiayu)]
    for county, village in zip((xianan, jiayu), same):
        village.parent.name, village.name = "北坪镇", "北坳村"
        village.parent.save()
        village.save()
    _unpaid(clerk, same[0], today)
    _unpaid(other_clerk, same[1], today)
    # When the city officer's and the county clerk's charts are built
    city = charts.dashboard_charts(officer, today)["charts"]["villages"]
    county = charts.dashboard_charts(clerk, today)["charts"]["villages"]
    # Then the officer's labels tell the two apart by county; the clerk's need no county
    assert sorted(r["label"] for r in city["villages"]) == ["咸安区 北坪镇 北坳村", "嘉鱼县 北坪镇 北坳村"]
    assert city["several_counties"] and not county["several_counties"]
    assert [r["label"] for r in county["villages"]] == ["北坪镇 北坳村"]


def test_dashboard_page_shows_the_three_charts_and_their_tables(client, clerk, officer, village, xianan, jiayu_villages, other_clerk,
                                                                current_standards):
    # Given, today, one unpaid registration of the year being collected in the clerk's village
    today = timezone.localdate()
    unpaid = _unpaid(clerk, village, today)
    year = unpaid.benefit_year
    _unpaid(other_clerk, jiayu_villages[0], today)

    # When the clerk opens the dashboard
    client.force_login(clerk)
    page = client.get("/").content.decode()

    # Then the three charts are there, each with its data for the script and its table
    for name in ("progress", "spending", "villages"):
        assert f'data-chart="{name}"' in page and f'id="chart-{name}-data"' in page and f'id="chart-{name}-table"' in page
    data = json.loads(re.search(r'<script id="chart-villages-data" type="application/json">(.*?)</script>', page).group(1))
    assert [(v["village_id"], v["unpaid"]) for v in data["villages"]] == [(village.pk, 1)]
    # ... the village's row opens its unpaid worklist; the other county's village is not there
    link = f'href="/enrollment/collection/?year={year}&amp;region={village.pk}&amp;status=unpaid"'
    assert link in page and jiayu_villages[0].name not in page
    # ... the monthly table has a money cell per tier and month, formatted
    table = re.search(r'<table[^>]*id="chart-spending-table".*?</table>', page, re.S).group(0)
    assert table.count('<td class="money">0.00</td>') == 5 * (today.month + 1)  # four tiers and the total, each month and the year
    # ... and the chart library is served from the project's static files
    assert '/static/vendor/echarts/echarts.min.js' in page and 'src="http' not in page


def test_another_countys_clerk_sees_none_of_it(client, clerk, other_clerk, village, current_standards):
    # Given unpaid and paid registrations of 咸安区 in the 2026 collection
    today = date(2025, 10, 15)
    _unpaid(clerk, village, today)
    _paid(clerk, village, date(2025, 9, 2))

    # When 嘉鱼县's clerk's charts are built
    built = charts.dashboard_charts(other_clerk, today)["charts"]

    # Then they count nothing
    assert built["villages"]["villages"] == []
    assert {w["paid"] for w in built["progress"]["weeks"] if w["paid"] is not None} == {0}
    assert Enrollment.objects.filter(benefit_year=2026).count() == 2


def test_the_charts_are_kept_for_five_minutes(clerk, village, current_standards):
    # Given the charts built once, with one payment in the first week
    today = date(2025, 10, 15)
    _paid(clerk, village, date(2025, 9, 2))
    first = charts.dashboard_charts(clerk, today)["charts"]["progress"]["weeks"][0]["paid"]

    # When another payment of that week is recorded
    _paid(clerk, village, date(2025, 9, 3))

    # Then the dashboard keeps its figures until the cache expires, as its note says, and counts it after
    assert charts.dashboard_charts(clerk, today)["charts"]["progress"]["weeks"][0]["paid"] == first == 1
    cache.clear()  # five minutes later
    assert charts.dashboard_charts(clerk, today)["charts"]["progress"]["weeks"][0]["paid"] == 2

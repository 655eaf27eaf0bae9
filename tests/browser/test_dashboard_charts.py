"""The home dashboard's charts in a real browser: a county clerk with demo data sees the three
charts drawn by the vendored ECharts (a canvas with something on it in each), the numbers as
tables under them, no console errors (a CSP violation is one), and a village's bar opens the
unpaid worklist of that village."""

import re
import time
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from benefits.models import Settlement
from benefits.services.demo import generate_settlement_demo
from core.models import Region, RegionLevel
from enrollment import charts
from enrollment.services.demo import generate_demo
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-12345-word"  # tests.factories.user
CHARTS = ("progress", "spending", "villages")
# Pixels of a canvas that are not transparent: a drawn chart has axes, labels and series.
PAINTED_PIXELS = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted += 1; }
  return painted;
}"""
LEGEND = "selector => echarts.getInstanceByDom(document.querySelector(selector)).getOption().legend[0].data"
# The middle of a village's bar on the page, from the chart's own coordinate system.
BAR_CENTRE = """([el, index, value]) => {
  const chart = echarts.getInstanceByDom(el);
  const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [value / 2, index]);
  const box = el.getBoundingClientRect();
  return { x: box.left + x, y: box.top + y };
}"""


@pytest.fixture
def demo_county(xianan, clerk, current_standards):
    """咸安区 with demo households and this year's settlements, and people registered today and
    not paid in two of its villages (the demo leaves some unpaid only while a window is open)."""
    today = timezone.localdate()
    generate_demo(county=xianan, households=80, seed=11, today=today)
    generate_settlement_demo(county=xianan, share=0.3, seed=11, today=today)
    villages = Region.objects.filter(level=RegionLevel.VILLAGE, path__startswith=xianan.path).order_by("path")[:2]
    for village, count in zip(villages, (2, 1)):
        for _ in range(count):
            enrollment_register(user=clerk, person=factories.person(village), category="regular", channel="village_batch", today=today)
    return xianan


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_clerk_sees_the_three_charts_and_their_tables(page, failed_responses, clerk, demo_county):
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    today = timezone.localdate()
    expected = charts.dashboard_charts(clerk, today)["charts"]
    assert expected["villages"]["villages"]

    # When the clerk logs in and lands on the dashboard
    page.goto("/")
    page.get_by_label("用户名").fill(clerk.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="统计图表").wait_for()

    # Then each of the three charts is drawn: a canvas inside its container, with something painted on it
    for name in CHARTS:
        container = page.locator(f'[data-chart="{name}"]')
        # (a locator, not wait_for_function: its polling evaluates a string in the page, which the CSP forbids)
        page.locator(f'[data-chart="{name}"][data-drawn="true"]').wait_for()
        canvas = container.locator("canvas").first
        assert canvas.bounding_box()["width"] > 100 and canvas.bounding_box()["height"] > 100
        assert canvas.evaluate(PAINTED_PIXELS) > 1000, f"the {name} chart's canvas is blank"

    # ... in Chinese: the legends name the year and last year's same weeks, and the tiers
    progress = expected["progress"]
    assert page.evaluate(LEGEND, "#chart-progress") == [f"{progress['year']}年度累计已缴费", f"上年同期（{progress['last_year']}年度）"]
    assert page.evaluate(LEGEND, "#chart-spending") == ["基本医保", "大病保险", "医疗救助", "倾斜/托底"]
    assert page.locator("#chart-progress-table caption").inner_text() == f"{progress['year']}年度按周累计已缴费人数"

    # ... the weekly table holds this year's and last year's cumulative counts
    rows = page.locator("#chart-progress-table tbody tr")
    assert rows.count() == len(progress["weeks"])
    for i, week in enumerate(progress["weeks"]):
        cells = rows.nth(i).locator("th, td").all_inner_texts()
        assert cells == [week["label"], week["dates"], "—" if week["paid"] is None else str(week["paid"]), str(week["last_year_paid"])]

    # ... the monthly table's year total is what the county's settlements paid this year, by tier
    paid = Settlement.objects.filter(region_path__startswith=demo_county.path, year=today.year).aggregate(
        *(Sum(t) for t in ("basic_fund", "critical_illness", "assistance", "extra_assistance")))
    footer = page.locator("#chart-spending-table tfoot td").all_inner_texts()
    assert [_money(cell) for cell in footer[:4]] == [paid[f"{t}__sum"] or Decimal("0.00") for t in
                                                      ("basic_fund", "critical_illness", "assistance", "extra_assistance")]
    assert _money(footer[4]) == sum(_money(cell) for cell in footer[:4])
    assert all(re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d{2}", cell) for cell in footer)
    assert page.locator("#chart-spending-table tbody tr").count() == today.month

    # ... and the villages table lists the most unpaid first, each linking to its worklist
    villages = expected["villages"]["villages"]
    table_rows = page.locator("#chart-villages-table tbody tr")
    assert [table_rows.nth(i).locator("td").all_inner_texts()[2:] for i in range(table_rows.count())] == [
        [v["village"], str(v["unpaid"])] for v in villages]
    assert console_errors == []
    assert failed_responses == []

    # When the clerk clicks the first village's bar
    year, top = expected["villages"]["year"], villages[0]
    page.locator("#chart-villages").scroll_into_view_if_needed()
    # The bars grow from zero when drawn: click once ECharts has finished animating them (on a
    # quiet machine the click came before the bar reached its middle and missed it).
    _wait_until(page, "el => echarts.getInstanceByDom(el).getZr().animation.isFinished()", page.locator("#chart-villages").element_handle())
    point = page.evaluate(BAR_CENTRE, [page.locator("#chart-villages").element_handle(), 0, top["unpaid"]])
    page.mouse.click(point["x"], point["y"])

    # Then the unpaid worklist of that village opens for the year being collected
    page.wait_for_url(re.compile(rf"/enrollment/collection/\?year={year}&region={top['village_id']}&status=unpaid$"))
    assert failed_responses == []


def _wait_until(page, function: str, arg, seconds: float = 15) -> None:
    """Poll a function in the page from here (page.evaluate is not subject to the page's CSP;
    wait_for_function's own polling is, and fails as soon as its first check is false)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(function, arg):
        assert time.monotonic() < deadline, f"not true within {seconds} s: {function}"
        page.wait_for_timeout(50)

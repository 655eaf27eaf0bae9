"""The yearly subsidised-enrollment list and the coverage gap (RULES.md 2.3; X000 art. 9)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from assistance.services.identities import identity_certify, identity_revoke
from assistance.services.subsidies import coverage_gap, subsidy_run_create, subsidy_totals
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
ASSESSED = date(2022, 11, 1)


@pytest.fixture
def people(clerk, village, jiayu_villages, other_clerk):
    """Four hardship people in 咸安区 (one holding two identities) and one in 嘉鱼县."""
    p = {name: factories.person(village, name=name) for name in ("特困甲", "双重乙", "监测丙", "稳定丁")}
    identity_certify(user=clerk, person=p["特困甲"], code="extreme_poverty", valid_from=date(2022, 1, 1))
    identity_certify(user=clerk, person=p["双重乙"], code="monitored_edge", valid_from=date(2022, 1, 1))
    identity_certify(user=clerk, person=p["双重乙"], code="subsistence_allowance", valid_from=date(2022, 1, 1))
    identity_certify(user=clerk, person=p["监测丙"], code="monitored_unstable", valid_from=date(2022, 1, 1))
    identity_certify(user=clerk, person=p["稳定丁"], code="stable_out_of_poverty", valid_from=date(2022, 1, 1))
    p["嘉鱼戊"] = factories.person(jiayu_villages[0], name="嘉鱼戊")
    identity_certify(user=other_clerk, person=p["嘉鱼戊"], code="orphan", valid_from=date(2022, 1, 1))
    return p


def test_every_hardship_person_once_with_the_highest_subsidy(officer, people):
    run = subsidy_run_create(user=officer, region=officer.region, benefit_year=2023, assessed_on=ASSESSED)
    lines = {l.person.name: l for l in run.lines.select_related("person")}
    assert set(lines) == {"特困甲", "双重乙", "监测丙", "稳定丁", "嘉鱼戊"}
    assert lines["双重乙"].code == "subsistence_allowance" and lines["双重乙"].subsidy == Decimal("342.00")  # not 342 + 190
    assert (lines["特困甲"].subsidy, lines["监测丙"].subsidy, lines["稳定丁"].subsidy) == (Decimal("380.00"), Decimal("190.00"), Decimal("80.00"))
    assert run.total == Decimal("380") + Decimal("342") + Decimal("190") + Decimal("80") + Decimal("380")
    by_payer = {label: (n, amount) for label, n, amount, _key in subsidy_totals(run, "payer")}
    assert by_payer["医疗救助基金"] == (3, Decimal("1102.00"))
    assert by_payer["乡村振兴部门"] == (2, Decimal("270.00"))
    by_county = {label: n for label, n, _amount, _key in subsidy_totals(run, "county")}
    assert by_county == {"咸安区": 4, "嘉鱼县": 1}


def test_a_county_clerk_runs_only_their_county(clerk, people):
    run = subsidy_run_create(user=clerk, region=clerk.region, benefit_year=2023, assessed_on=ASSESSED)
    assert run.people == 4


def test_a_rerun_shows_what_changed(clerk, people):
    first = subsidy_run_create(user=clerk, region=clerk.region, benefit_year=2023, assessed_on=ASSESSED)
    assert first.changes == {}
    record = people["特困甲"].identities.get()
    identity_revoke(user=clerk, identity=record, exit_date=date(2022, 10, 1), reason="死亡")
    newcomer = factories.person(people["特困甲"].village, name="新增己")
    identity_certify(user=clerk, person=newcomer, code="orphan", valid_from=date(2022, 6, 1))
    second = subsidy_run_create(user=clerk, region=clerk.region, benefit_year=2023, assessed_on=ASSESSED)
    assert (second.changes["added"], second.changes["removed"], second.changes["changed"]) == (1, 1, 0)
    assert {d["name"] for d in second.changes["details"]} == {"特困甲", "新增己"}


def test_export_per_payer_with_total(clerk_client, clerk, people):
    run = subsidy_run_create(user=clerk, region=clerk.region, benefit_year=2023, assessed_on=ASSESSED)
    response = clerk_client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx?payer=rural_revitalisation")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:-1]] == ["监测丙", "稳定丁"]  # 双重乙 (低保) is paid by the MA fund
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][7])) == Decimal("270.00")


def test_run_page_and_permissions(client, clerk_client, clerk, people, xianan):
    response = clerk_client.post("/assistance/subsidy-runs/", {"region": clerk.region_id, "benefit_year": 2023, "assessed_on": "2022-11-01"})
    assert response.status_code == 302
    page = clerk_client.get(response["Location"]).content.decode()
    assert 'id="run-people">4<' in page
    client.force_login(factories.user("civil", "民政", xianan, department="civil_affairs"))
    assert client.post("/assistance/subsidy-runs/", {"region": clerk.region_id, "benefit_year": 2023, "assessed_on": "2022-11-01"}).status_code == 403


def test_coverage_gap_lists_hardship_people_not_yet_enrolled(clerk, clerk_client, people, current_standards):
    from django.utils import timezone

    year = timezone.localdate().year + 1
    enrollment_register(user=clerk, person=people["特困甲"], category="regular", channel="village_batch", benefit_year=year)
    gap = {p.name for p in coverage_gap(clerk, clerk.region, year, timezone.localdate())}
    assert gap == {"双重乙", "监测丙", "稳定丁"}
    page = clerk_client.get(f"/assistance/coverage-gap/?benefit_year={year}").content.decode()
    assert 'id="gap-total">3<' in page and "嘉鱼戊" not in page
    export = clerk_client.get(f"/assistance/coverage-gap/?benefit_year={year}&export=1")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 4


def test_export_per_county(officer, client, people):
    run = subsidy_run_create(user=officer, region=officer.region, benefit_year=2023, assessed_on=ASSESSED)
    client.force_login(officer)
    page = client.get(f"/assistance/subsidy-runs/{run.pk}/").content.decode()
    assert "?county=421221" in page
    rows = list(load_workbook(io.BytesIO(client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx?county=421221").content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["嘉鱼戊", "合计"]


def test_export_for_a_county_outside_the_run_is_refused_not_an_empty_file(officer, client, people):
    # Given the city's run
    run = subsidy_run_create(user=officer, region=officer.region, benefit_year=2023, assessed_on=ASSESSED)
    client.force_login(officer)
    # When the export is asked for a county code that is not one of the run's counties
    for bad in ("abc", "4", "420300"):
        response = client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx", {"county": bad})
        # Then it is a 400 naming the value, not an empty list named after it
        assert response.status_code == 400
        assert f"县（市、区）代码「{bad}」不是可选的值" in response.content.decode()
    # ... while a county of the run downloads under its name
    response = client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx", {"county": "421221"})
    from urllib.parse import quote

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(quote("2023年度资助参保名单-嘉鱼县.xlsx"))

"""RULES.md 5a: one parameter set per pooling region (the city; for 吉林 the province), never per
county; values copied from another region's document are unconfirmed presets that say so; the
explanation cites the region's own documents."""

from datetime import date
from decimal import Decimal as D
from importlib import import_module

import pytest
from django.apps import apps

from benefits.models import PolicyParameter
from benefits.rules.settlement import Eligibility, Visit, YearToDate, settle
from benefits.services.policy import (
    PRESET_START,
    load_settlement_presets,
    policy_key,
    pooling_codes,
    preset_rows,
    settlement_policy,
    settlement_policy_window,
)
from core.display import source_text
from core.models import Region, RegionLevel
from tests import factories

pytestmark = pytest.mark.django_db
DAY = date(2022, 6, 1)
migration = import_module("benefits.migrations.0008_parameters_per_pooling_region")


def parameter(code, name):
    return PolicyParameter.objects.get(region__code=code, name=name, valid_from=PRESET_START)


@pytest.fixture
def jilin_village(presets):
    city = factories.region("220100", "长春市", RegionLevel.CITY, Region.objects.get(code="220000"))
    county = factories.region("220112", "双阳区", RegionLevel.COUNTY, city)
    return factories.township_and_villages(county)[1][0]


# --- one set per pooling region ----------------------------------------------------------------


def test_a_county_row_with_another_rate_changes_nothing(jiayu_villages):
    village = jiayu_villages[0]
    before = settlement_policy_window(village, DAY)
    # Given a county row (from before RULES.md 5a) for 嘉鱼县 with another level-1 rate, from mid-year
    PolicyParameter.objects.create(region=village.parent.parent, scheme="resident_basic", name="inpatient_rate.1",
                                   value="0.99", unit="rate", valid_from=date(2022, 3, 1), source="X000 art. 20")
    policy, first, last = settlement_policy_window(village, DAY)
    assert policy.inpatient_rate[1] == D("0.85")  # the city's rate (X000 art. 20)
    assert policy == before[0] and (first, last) == before[1:]  # not even the window changes
    assert policy.versions["inpatient_rate.1"] == [parameter("421200", "inpatient_rate.1").pk, 1]


def test_the_parameters_page_says_a_county_row_is_not_used(jiayu_villages, client, officer):
    PolicyParameter.objects.create(region=jiayu_villages[0].parent.parent, scheme="resident_basic", name="inpatient_rate.1",
                                   value="0.99", unit="rate", valid_from=date(2022, 3, 1), source="X000 art. 20")
    client.force_login(officer)
    page = client.get("/benefits/parameters/").content.decode()
    county = page.split("嘉鱼县</h2>", 1)[1]
    assert county.lstrip().startswith('<p class="small text-danger county-rows">以下为县级参数，结算不使用')
    assert page.count("county-rows") == 1  # the city's own rows carry no such note


def test_the_county_and_its_city_settle_alike(xianan_villages, jiayu_villages):
    visit = Visit(kind="inpatient", facility_level=1, costs={"class_a": D("5000")})
    amounts = [settle(settlement_policy(v, DAY), visit, Eligibility(), YearToDate()).basic_fund
               for v in (xianan_villages[0], jiayu_villages[0])]
    assert amounts == [D("4080.00"), D("4080.00")]  # (5,000 − 200) × 85%


def test_a_change_at_the_city_reaches_every_county(jiayu_villages):
    cap = parameter("421200", "annual_cap")
    cap.value = "210000"
    cap.save()
    assert settlement_policy(jiayu_villages[0], DAY).annual_cap == D("210000")


def test_the_policy_key_is_the_pooling_region(jiayu_villages, jilin_village):
    pooling = pooling_codes()
    assert pooling == {"421200", "420300", "220000"}
    assert policy_key(jiayu_villages[0].path, pooling) == "421200"
    assert policy_key(jilin_village.path, pooling) == "220000"  # 长春市 is no pooling region: 吉林省 is
    assert policy_key("420000/") is None  # 湖北省 itself pools nothing


def test_a_region_outside_every_pooling_region_has_no_policy(presets):
    from benefits.rules.settlement import SettlementError

    hubei = Region.objects.get(code="420000")
    PolicyParameter.objects.create(region=hubei, scheme="resident_basic", name="annual_cap", value="1", unit="yuan",
                                   valid_from=PRESET_START, source="X000 art. 22")
    with pytest.raises(SettlementError) as error:
        settlement_policy(hubei, DAY)
    assert error.value.code == "no_policy"


# --- presets copied from another region's document ----------------------------------------------


@pytest.mark.parametrize("code, name, source, confirmed", [
    ("421200", "inpatient_rate.1", "X000 art. 20(一)2", True),  # 咸宁's own document
    ("420300", "inpatient_rate.1", "X000 art. 20(一)2（十堰未规定，沿用咸宁办法）", False),
    ("420300", "outpatient_annual_cap", "X000 art. 17; N004 §二（十堰未规定，沿用咸宁办法）", False),
    ("420300", "ma_cap", "S001 §三(四)", True),  # 十堰's own document
    ("421200", "ma_inpatient_rate.3", "S001 §三(四)2（咸宁未规定，沿用十堰办法）", False),
    ("220000", "ma_deductible.4", "S001 §三(四)2（吉林未规定，沿用十堰办法）", False),
    ("420300", "ci_cap", "RULES.md 4 (not from the sources)", False),  # the rulebook: nobody's document
])
def test_presets_say_where_they_come_from(presets, code, name, source, confirmed):
    row = parameter(code, name)
    assert (row.source, row.confirmed) == (source, confirmed)


def test_jilin_basic_rows_keep_their_sources_their_own_or_already_saying_they_follow_xianning(presets):
    from benefits import presets as settlement_presets

    for name, value, _unit, source, confirmed in settlement_presets.JILIN_BASIC:
        row = parameter("220000", name)
        assert (row.source, row.confirmed) == (source, confirmed), name
        assert "J003" in source or "沿用" in source or "not from the sources" in source, name


def test_borrowed_sources_read_as_plain_chinese():
    assert source_text("X000 art. 20(一)2（十堰未规定，沿用咸宁办法）") == "咸宁办法 第二十条(一)2（十堰未规定，沿用咸宁办法）"
    assert source_text("S001 §三(四)2（吉林未规定，沿用十堰办法）") == "十堰救助办法 三(四)2（吉林未规定，沿用十堰办法）"


def test_loading_twice_creates_nothing_and_keeps_an_officers_edit(presets):
    row = parameter("420300", "annual_cap")
    row.value, row.source, row.confirmed = "150000", "十堰市医保局 2022年通知", True
    row.save()
    assert load_settlement_presets() == 0
    row.refresh_from_db()
    assert (row.value, row.confirmed) == ("150000", True)


def test_the_claim_deadline_presets_are_loaded_per_region(presets):
    jilin = PolicyParameter.objects.get(region__code="220000", name="manual_claim_deadline_month")
    assert (jilin.value, jilin.confirmed) == ("3", True)
    assert not PolicyParameter.objects.get(region__code="420300", name="manual_claim_deadline_month").confirmed


def test_preset_rows_without_dates_start_in_2021_and_stay_open():
    rows = [r for r in preset_rows() if r[2] == "annual_cap"]
    assert {(r[0], r[7], r[8]) for r in rows} == {("421200", PRESET_START, None), ("420300", PRESET_START, None),
                                                   ("220000", PRESET_START, None)}


def test_the_maternity_cap_is_loaded_with_its_two_periods(presets):
    # N004 §二: 900 until 2022, 1,000 from 2023
    rows = PolicyParameter.objects.filter(region__code="421200", name="maternity_cap").order_by("valid_from")
    assert [(r.value, r.valid_from, r.valid_to) for r in rows] == [
        ("900", date(2021, 1, 1), date(2022, 12, 31)), ("1000", date(2023, 1, 1), None)]
    shiyan = PolicyParameter.objects.filter(region__code="420300", name="maternity_cap")
    assert {(r.source, r.confirmed) for r in shiyan} == {("N004 §二（十堰未规定，沿用咸宁办法）", False)}


# --- the data migration for rows loaded before ---------------------------------------------------


def test_the_migration_marks_rows_still_holding_the_preset_and_leaves_edited_ones(presets):
    # Given an installation loaded before: 十堰's cap and rate confirmed with 咸宁's bare source
    cap, rate = parameter("420300", "annual_cap"), parameter("420300", "inpatient_rate.1")
    PolicyParameter.objects.filter(pk=cap.pk).update(source="X000 art. 22", confirmed=True)
    # ... and an officer who set 十堰's own rate
    PolicyParameter.objects.filter(pk=rate.pk).update(source="X000 art. 20(一)2", value="0.80", confirmed=True)
    migration.forwards(apps, None)
    cap.refresh_from_db()
    rate.refresh_from_db()
    assert (cap.source, cap.confirmed, cap.version) == ("X000 art. 22（十堰未规定，沿用咸宁办法）", False, 2)
    assert cap.history.first().history_change_reason == migration.REASON
    assert (rate.source, rate.value, rate.confirmed) == ("X000 art. 20(一)2", "0.80", True)
    migration.backwards(apps, None)
    cap.refresh_from_db()
    assert (cap.source, cap.confirmed, cap.version) == ("X000 art. 22", True, 3)


@pytest.mark.parametrize("code, name, bare, marked", [
    ("421200", "ma_inpatient_rate.3", "S001 §三(四)2", "S001 §三(四)2（咸宁未规定，沿用十堰办法）"),
    ("220000", "ma_deductible.4", "S001 §三(四)2", "S001 §三(四)2（吉林未规定，沿用十堰办法）"),
    ("420300", "location_rate.remote_filed", "X000 art. 20(二)1", "X000 art. 20(二)1（十堰未规定，沿用咸宁办法）"),
])
def test_the_migration_marks_each_regions_borrowed_rows_from_its_own_frozen_lists(presets, code, name, bare, marked):
    # Given a row loaded before RULES.md 5a with the lending region's bare source, confirmed
    row = parameter(code, name)
    PolicyParameter.objects.filter(pk=row.pk).update(source=bare, confirmed=True)
    migration.forwards(apps, None)
    row.refresh_from_db()
    assert (row.source, row.confirmed) == (marked, False)


def test_the_migration_reads_no_code_that_changes_later():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(migration.__file__).read_text(encoding="utf-8"))
    imported = {node.module if isinstance(node, ast.ImportFrom) else alias.name
                for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    assert imported <= {"datetime", "django.db", "django.utils"}  # never benefits.presets: its lists are frozen here


# --- citations follow the region -----------------------------------------------------------------


def test_a_jilin_settlement_in_the_waiting_period_cites_j003(jilin_village):
    policy = settlement_policy(jilin_village, DAY)
    visit = Visit(kind="inpatient", facility_level=1, costs={"class_a": D("3000")})
    split = settle(policy, visit, Eligibility(insured=False, uninsured_reason="处于等待期，基本医保不支付"), YearToDate())
    waiting = next(s for s in split.explanation if "等待期" in s.step)
    assert waiting.source == "J003 §二(一)3"
    assert split.basic_fund == D("0")


def test_xianning_cites_its_own_waiting_period_and_shiyan_says_it_follows_xianning(xianan_villages, presets):
    shiyan = factories.township_and_villages(Region.objects.get(code="420302"))[1][0]  # 茅箭区
    assert settlement_policy(xianan_villages[0], DAY).source("waiting_period") == "X000 art. 11"
    assert settlement_policy(shiyan, DAY).source("waiting_period") == "X000 art. 11（十堰未规定，沿用咸宁办法）"


JILIN_VISITS = [
    Visit(kind="inpatient", facility_level=2, referral="unreferred",
          costs={"class_a": D("30000"), "class_b_drug": D("2000"), "out_of_catalogue": D("800")}),
    Visit(kind="inpatient", facility_level=1, downward_referral=True, costs={"class_a": D("3000")}),
    Visit(kind="maternity", facility_level=2, costs={"class_a": D("6000")}),
    Visit(kind="outpatient", facility_tier="village", costs={"class_a": D("40")}),
    Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("9000")}),
    Visit(kind="general_fee", facility_tier="township"),
]
JILIN_PEOPLE = [Eligibility(identities=("subsistence_allowance",)), Eligibility(identities=("monitored_edge",)),
                Eligibility(insured=False, uninsured_reason="未参保")]


@pytest.mark.parametrize("person", JILIN_PEOPLE, ids=["class2", "class4-unapproved", "uninsured"])
@pytest.mark.parametrize("visit", JILIN_VISITS, ids=lambda v: f"{v.kind}-{v.referral}")
def test_every_step_of_a_jilin_settlement_cites_jilin_or_says_whose_rule_it_follows(jilin_village, visit, person):
    split = settle(settlement_policy(jilin_village, DAY), visit, person, YearToDate())
    cited = [s for s in split.explanation if s.source]
    assert cited
    for step in cited:
        assert "J003" in step.source or "沿用" in step.source or "未规定" in step.source or "not from the sources" in step.source, step

"""Migration 0010: an installation that loaded the presets before issue 10 ends where a fresh
install starts (RULES.md 3.7: 吉林 has no location first self-pay, its referral rules are
parameters; RULES.md 5a: sources say where a value comes from), an officer's edit is kept, and
filings typed before places were normalised read 湖北省武汉市.

The old state is written out here from benefits/presets.py of 2026-11-28 (commit 90a5fb2), not
taken from the migration, so the migration's frozen lists are checked against history."""

from datetime import date
from decimal import Decimal as D
from functools import cache
from importlib import import_module

import pytest
from django.db.migrations.loader import MigrationLoader

from benefits.models import PolicyParameter, RemoteCareFiling
from benefits.services.policy import PRESET_START, settlement_policy
from core.models import Region, RegionLevel
from tests import factories

pytestmark = pytest.mark.django_db
migration = import_module("benefits.migrations.0010_issue10_presets_and_places")
DAY = date(2024, 6, 1)
JILIN, XIANNING, SHIYAN = "220000", "421200", "420300"

# 2026-11-28: 吉林 reused 咸宁's location first self-pay (X000 art. 20), marked "沿用咸宁".
OLD_JILIN_LOCATION_RATES = {
    "location_rate.local": ("0", "X000 art. 20（吉林未规定，沿用咸宁）"),
    "location_rate.county_at_city": ("0.05", "X000 art. 20(一)3（吉林未规定，沿用咸宁）"),
    "location_rate.remote_filed": ("0.10", "X000 art. 20(二)1（吉林未规定，沿用咸宁）"),
    "location_rate.remote_unfiled": ("0.20", "X000 art. 20(二)1（吉林未规定，沿用咸宁）"),
    "location_rate.remote_emergency_nondesignated": ("0.20", "X000 art. 20(二)1（吉林未规定，沿用咸宁）"),
}
_J003 = ("J003 §二(三)9-10", True)
_FOLLOWS_XIANNING = "（吉林未规定，沿用咸宁）"
OLD_SOURCES = {  # (region, name): (source, confirmed) of 2026-11-28, after migration 0008
    **{(JILIN, f"inpatient_rate.{level}"): _J003 for level in (1, 2, 3)},
    **{(JILIN, f"first_pay_rate.{line}"): _J003 for line in ("class_b_drug", "blood", "class_b_treatment", "material_general",
                                                             "material_other_domestic", "material_other_imported")},
    (JILIN, "chronic_rate"): _J003,
    (JILIN, "chronic_annual_cap"): _J003,
    **{(JILIN, f"inpatient_deductible.{level}"): ("X000 art. 20(一)1" + _FOLLOWS_XIANNING, False) for level in (1, 2, 3)},
    (JILIN, "annual_cap"): ("X000 art. 22" + _FOLLOWS_XIANNING, False),
    (JILIN, "outpatient_rate"): ("X000 art. 17" + _FOLLOWS_XIANNING, False),
    (JILIN, "special_diseases"): ("N004 §八; J003 §二(三)10" + _FOLLOWS_XIANNING, False),
    (SHIYAN, "special_diseases"): ("N004 §八; J003 §二(三)10", False),  # unconfirmed: 0008 left it bare
}
ADDED_EVERYWHERE = ["outpatient_daily_cap.community_station", "outpatient_daily_cap.clinic", "general_fee.community_station",
                    "general_fee_fund.community_station", "maternity_cap", "manual_claim_deadline_month"]
ADDED = {
    XIANNING: [*ADDED_EVERYWHERE, "location_rate.remote_long_term"],
    SHIYAN: [*ADDED_EVERYWHERE, "location_rate.remote_long_term"],
    JILIN: [*ADDED_EVERYWHERE, "outpatient_rate.community_station", "outpatient_rate.village", "outpatient_rate.township",
            "referral_rate_cut.referred_outside_list", "unreferred_rate", "referral_deductible_credit",
            "downward_referral_deductible"],
}


@cache
def migration_apps():
    """The models as the migration sees them (no simple-history signals, as in `migrate`)."""
    return MigrationLoader(None, ignore_no_migrations=True).project_state(("benefits", migration.__name__.rsplit(".", 1)[1])).apps


def forwards():
    migration.revise_parameters(migration_apps(), None)
    migration.normalise_filings(migration_apps(), None)


def backwards():
    migration.restore_parameters(migration_apps(), None)


def state():
    """Every parameter row as a person reads it on the parameters page."""
    return {(r.region.code, r.scheme, r.name, r.valid_from): (r.value, r.unit, r.source, r.confirmed, r.valid_to)
            for r in PolicyParameter.objects.select_related("region")}


def row(code, name, valid_from=PRESET_START):
    return PolicyParameter.objects.filter(region__code=code, name=name, valid_from=valid_from).first()


def reasons():
    return list(PolicyParameter.history.filter(history_change_reason=migration.REASON).values_list("history_type", "name"))


# Until migration 0016 the catalogue's kind did not yet say which diseases are settled at the
# inpatient rates: a parameter did, loaded with the presets as below.
SPECIAL_DISEASES = "malignant_tumour,uraemia_dialysis,transplant_anti_rejection"
SPECIAL_DISEASES_SOURCES = {XIANNING: "N004 §八; J003 §二(三)10", SHIYAN: "N004 §八; J003 §二(三)10（十堰未规定，沿用咸宁办法）",
                            JILIN: "J003 §二(三)10(3)（病种见其附件2，未收录；沿用咸宁）"}


@pytest.fixture
def fresh(presets):
    """The parameters of an installation loaded before migration 0016 (load_policies, and the
    special_diseases parameter it then loaded)."""
    for code, source in SPECIAL_DISEASES_SOURCES.items():
        PolicyParameter.objects.create(region=Region.objects.get(code=code), scheme="resident_basic", name="special_diseases",
                                       value=SPECIAL_DISEASES, unit="codes", valid_from=PRESET_START, source=source, confirmed=False)
    return state()


@pytest.fixture
def old_installation(fresh):
    """The same installation turned back to how it stood loaded on 2026-11-28 (then migrated by 0008)."""
    jilin = Region.objects.get(code=JILIN)
    for code, names in ADDED.items():
        PolicyParameter.objects.filter(region__code=code, scheme="resident_basic", name__in=names).delete()
    for name, (value, source) in OLD_JILIN_LOCATION_RATES.items():
        PolicyParameter.objects.create(region=jilin, scheme="resident_basic", name=name, value=value, unit="rate",
                                       valid_from=PRESET_START, source=source, confirmed=False)
    for (code, name), (source, confirmed) in OLD_SOURCES.items():
        PolicyParameter.objects.filter(region__code=code, name=name, valid_from=PRESET_START).update(source=source, confirmed=confirmed)


@pytest.fixture
def jilin_village(presets):
    city = factories.region("220100", "长春市", RegionLevel.CITY, Region.objects.get(code=JILIN))
    return factories.township_and_villages(factories.region("220112", "双阳区", RegionLevel.COUNTY, city))[1][0]


# --- parameters ----------------------------------------------------------------------------------


def test_an_old_installation_ends_as_a_fresh_one(fresh, old_installation):
    assert state() != fresh  # given the old rows
    forwards()
    assert state() == fresh


def test_jilin_settles_by_referral_without_location_first_self_pay(old_installation, jilin_village):
    forwards()
    assert not PolicyParameter.objects.filter(region__code=JILIN, name__startswith="location_rate.").exists()
    policy = settlement_policy(jilin_village, DAY)
    assert policy.location_rates == {}  # RULES.md 3.7
    assert (policy.unreferred_rate, policy.referral_rate_cut) == (D("0.20"), {"referred_outside_list": D("0.20")})
    assert policy.maternity_cap == 1000  # N004 §二 from 2023, 咸宁's value followed


def test_jilin_inpatient_rates_cite_the_article_and_await_the_provinces_figures(old_installation):
    forwards()
    rate = row(JILIN, "inpatient_rate.1")
    assert (rate.value, rate.source, rate.confirmed, rate.version) == ("0.80", "J003 §二(三)9(2)（文件为“左右”，以省定比例为准）", False, 2)
    assert rate.history.first().history_change_reason == migration.REASON


def test_every_change_leaves_a_history_record(old_installation):
    forwards()
    recorded = reasons()
    assert ("-", "location_rate.remote_unfiled") in recorded
    assert ("~", "special_diseases") in recorded and ("+", "unreferred_rate") in recorded
    assert len(recorded) == 5 + len(OLD_SOURCES) + sum(len(n) for n in ADDED.values()) + 3  # the maternity cap has two periods
    # a deleted row's history still holds what a settlement computed with it shows
    deleted = PolicyParameter.history.filter(name="location_rate.remote_unfiled", region__code=JILIN).order_by("history_id")
    assert [(h.history_type, h.value) for h in deleted][-1] == ("-", "0.20")


def test_an_officers_edits_are_kept(old_installation):
    jilin = Region.objects.get(code=JILIN)
    # Given an officer who raised 吉林's unfiled rate, set the level-1 rate, confirmed 十堰's diseases
    PolicyParameter.objects.filter(region=jilin, name="location_rate.remote_unfiled").update(value="0.25")
    PolicyParameter.objects.filter(region=jilin, name="inpatient_rate.1").update(value="0.82")
    PolicyParameter.objects.filter(region__code=SHIYAN, name="special_diseases").update(confirmed=True)
    # ... and entered 吉林's unreferred rate from the province's notice
    PolicyParameter.objects.create(region=jilin, scheme="resident_basic", name="unreferred_rate", value="0.30", unit="rate",
                                   valid_from=PRESET_START, source="吉林省医保局通知", confirmed=True)
    forwards()
    assert (row(JILIN, "location_rate.remote_unfiled").value, row(JILIN, "location_rate.remote_unfiled").version) == ("0.25", 1)
    assert row(JILIN, "location_rate.remote_filed") is None  # untouched preset rows go
    assert (row(JILIN, "inpatient_rate.1").value, row(JILIN, "inpatient_rate.1").source) == ("0.82", "J003 §二(三)9-10")
    assert row(JILIN, "inpatient_rate.2").source == "J003 §二(三)9(2)（文件为“左右”，以省定比例为准）"
    diseases = row(SHIYAN, "special_diseases")
    assert (diseases.source, diseases.confirmed) == ("N004 §八; J003 §二(三)10（十堰未规定，沿用咸宁办法）", True)
    unreferred = PolicyParameter.objects.get(region=jilin, name="unreferred_rate")
    assert (unreferred.value, unreferred.source, unreferred.version) == ("0.30", "吉林省医保局通知", 1)


def test_running_twice_changes_nothing(old_installation):
    forwards()
    once, recorded = state(), PolicyParameter.history.count()
    forwards()
    assert state() == once and PolicyParameter.history.count() == recorded


def test_a_fresh_install_is_left_as_it_is(fresh):
    forwards()
    assert state() == fresh and reasons() == []


def test_an_install_without_presets_gets_none(db):
    Region.objects.get_or_create(code=JILIN, defaults={"name": "吉林省", "level": RegionLevel.PROVINCE, "slug": "jl"})
    forwards()
    assert not PolicyParameter.objects.exists()


def test_backwards_returns_the_old_rows(fresh, old_installation):
    old = state()
    deleted_pk = row(JILIN, "location_rate.remote_filed").pk
    forwards()
    backwards()
    assert state() == old
    assert row(JILIN, "location_rate.remote_filed").pk == deleted_pk  # settlements' versions still point at it
    forwards()
    assert state() == fresh


def test_backwards_on_a_fresh_install_removes_nothing(fresh):
    backwards()
    assert state() == fresh


# --- filings ---------------------------------------------------------------------------------------


@pytest.fixture
def person(xianan_villages):
    return factories.person(xianan_villages[0])


def filing(person, province, city):
    return RemoteCareFiling.objects.create(person=person, kind="referral", destination_province=province, destination_city=city,
                                           valid_from=date(2026, 3, 1), region_path=person.region_path)


@pytest.mark.parametrize("typed, stored", [
    (("湖北省", "武汉"), ("湖北省", "武汉市")),
    (("湖北", "武汉"), ("湖北省", "武汉市")),
    (("湖北省", "湖北省武汉市"), ("湖北省", "武汉市")),
    (("广东省", "广州市"), ("广东省", "广州市")),
    (("北京市", "北京"), ("北京市", "")),  # a municipality is its own city
    (("广西壮族自治区", "南宁"), ("广西壮族自治区", "南宁市")),
    (("湖北省", "恩施土家族苗族自治州"), ("湖北省", "恩施土家族苗族自治州")),
    (("湖北省", "嘉鱼县"), ("湖北省", "嘉鱼县")),  # a county is no city: left as typed
    (("北京市", "朝阳区"), ("北京市", "朝阳区")),
    (("广东省", "guangzhou"), ("广东省", "guangzhou")),
    (("火星", "武汉"), ("火星", "武汉")),  # no province: the place is left as typed
])
def test_filed_places_are_stored_as_filings_store_them_now(person, typed, stored):
    record = filing(person, *typed)
    forwards()
    record.refresh_from_db()
    assert (record.destination_province, record.destination_city) == stored
    changes = record.history.filter(history_change_reason=migration.PLACE_REASON)
    assert changes.count() == (typed != stored)


def test_filings_normalised_once(person):
    record = filing(person, "湖北", "武汉")
    forwards()
    forwards()
    assert record.history.filter(history_change_reason=migration.PLACE_REASON).count() == 1
    latest = record.history.first()
    assert (latest.destination_province, latest.destination_city, latest.person_id) == ("湖北省", "武汉市", person.pk)

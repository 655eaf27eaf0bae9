"""What mutation testing (`make mutation`) found untested in benefits/rules/location.py: the
defaults the settlement service relies on for care in the city (benefits.services.settlements
builds `Located(in_city_location(...))` with both left out), blank places on a bill or a filing,
and the exact refusal a clerk reads."""

from dataclasses import FrozenInstanceError

import pytest

from benefits.rules.location import Filing, Located, LocationError, RemotePlace, in_city_location, remote_location

HOME = "湖北省"


def test_care_in_the_city_is_in_the_province_on_no_filing():
    # The service's in-city location: RULES.md 5's tilted assistance needs care in the province.
    located = Located(in_city_location(facility_city_level=True, facility_level=3))
    assert (located.location, located.filing, located.in_province) == ("county_at_city", None, True)


def test_the_service_reads_a_county_insured_person_by_default():
    # X000 art. 20(一)3: the service names no insured_in_county: a city-level level-2 hospital is 5%.
    assert in_city_location(facility_city_level=True, facility_level=2) == "county_at_city"
    assert in_city_location(facility_city_level=True, facility_level=1) == "local"


def test_a_filing_without_a_city_covers_the_whole_province():
    whole_province = Filing(1, "temporary", "广东省")
    located = remote_location(filings=(whole_province,), place=RemotePlace("广东省", "深圳市"), home_province=HOME)
    assert (located.location, located.filing) == ("remote_filed", whole_province)


def test_a_bill_naming_only_the_province_is_covered_by_a_filing_for_a_city_of_it():
    guangzhou = Filing(1, "referral", "广东省", "广州市")
    located = remote_location(filings=(guangzhou,), place=RemotePlace("广东省"), home_province=HOME, claimed="referral")
    assert (located.location, located.filing, located.in_province) == ("remote_filed", guangzhou, False)


def test_a_bill_naming_no_place_is_in_the_province_of_its_filing():
    wuhan = Filing(1, "temporary", "湖北省", "武汉市")
    located = remote_location(filings=(wuhan,), place=RemotePlace(), home_province=HOME)
    assert (located.location, located.in_province) == ("remote_filed", True)


def test_the_refusal_names_the_place_only_when_the_bill_gives_one():
    with pytest.raises(LocationError) as named:
        remote_location(filings=(), place=RemotePlace("广东省", "广州市"), home_province=HOME, claimed="referral")
    assert named.value.message == "结算单注明已办理转诊备案（广东省广州市），但参保人在入院日没有有效的转诊备案"
    with pytest.raises(LocationError) as province_only:
        remote_location(filings=(), place=RemotePlace("广东省"), home_province=HOME, claimed="referral")
    assert province_only.value.message == "结算单注明已办理转诊备案（广东省），但参保人在入院日没有有效的转诊备案"
    with pytest.raises(LocationError) as unnamed:
        remote_location(filings=(), place=RemotePlace(), home_province=HOME, claimed="referral")
    assert unnamed.value.message == "结算单注明已办理转诊备案，但参保人在入院日没有有效的转诊备案"
    # back home the bill's place is the home city: the refusal names no place
    with pytest.raises(LocationError) as back_home:
        remote_location(filings=(), place=RemotePlace("湖北省", "咸宁市"), home_province=HOME, claimed="long_term", back_home=True)
    assert "（" not in back_home.value.message
    assert (named.value.code, named.value.field) == ("missing_filing", "location")


def test_back_home_without_a_long_term_filing_is_refused_by_code():
    with pytest.raises(LocationError) as refused:
        remote_location(filings=(), place=RemotePlace("湖北省", "咸宁市"), home_province=HOME, back_home=True)
    assert (refused.value.code, refused.value.field) == ("missing_filing", "location")


@pytest.mark.parametrize("value, name", [(Filing(1, "temporary", "广东省"), "city"), (RemotePlace("广东省"), "city"),
                                         (Located("local"), "location")], ids=["filing", "place", "located"])
def test_the_facts_the_rule_reads_cannot_be_changed(value, name):
    with pytest.raises(FrozenInstanceError):
        setattr(value, name, "深圳市")

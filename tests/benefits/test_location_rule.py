"""The location rule (benefits.rules.location), RULES.md 3.2's table case by case (X000 art.
20(一)3 and 20(二)): in the city the facility decides (county_at_city only at city-level
facilities of level 2 or 3), outside it the filings valid on the admission date do, and a bill
that claims a filing the records do not hold is refused, naming it."""

import pytest

from benefits.rules.location import Filing, LocationError, RemotePlace, in_city_location, remote_location

HOME = "湖北省"
GUANGZHOU = RemotePlace("广东省", "广州市")
SHENZHEN = RemotePlace("广东省", "深圳市")

REFERRAL_GZ = Filing(1, "referral", "广东省", "广州市")
TEMPORARY_GD = Filing(2, "temporary", "广东省", "")  # the whole province
LONG_TERM_GZ = Filing(3, "long_term", "广东省", "广州市")
LONG_TERM_WUHAN = Filing(4, "long_term", "湖北省", "武汉市")


def remote(*filings, place=GUANGZHOU, **kwargs):
    return remote_location(filings=tuple(filings), place=place, home_province=HOME, **kwargs)


# ---------------------------------------------------------------------------- in the city (3.2.1)


@pytest.mark.parametrize("city_level, level, in_county, expected", [
    (True, 3, True, "county_at_city"),  # a county's insured at a city-level level-3 hospital: 5%
    (True, 2, True, "county_at_city"),  # and level 2
    (True, 1, True, "local"),  # a city-level level-1 facility: "与本地就医一致"
    (False, 3, True, "local"),  # a level-3 facility that is not city-level (a county hospital)
    (False, 2, True, "local"),
    (False, 1, True, "local"),
    (True, 3, False, "local"),  # insured in the city itself, not in a county or district
])
def test_in_the_city_the_facility_decides_the_code(city_level, level, in_county, expected):
    assert in_city_location(facility_city_level=city_level, facility_level=level, insured_in_county=in_county) == expected


# ---------------------------------------------------------------------------- outside the city (3.2.1, art. 20(二))


def test_a_referral_filing_for_the_place_gives_remote_filed_and_names_the_filing():
    located = remote(REFERRAL_GZ)
    assert (located.location, located.filing, located.in_province) == ("remote_filed", REFERRAL_GZ, False)


def test_a_temporary_travel_filing_counts_as_filed_like_a_referral():
    # Interpretation (RULES.md 3.2): a non-referral temporary filing is filed (10%), not 20%.
    located = remote(Filing(5, "temporary", "广东省", "广州市"))
    assert located.location == "remote_filed" and located.filing.pk == 5


def test_no_filing_gives_remote_unfiled():
    located = remote()
    assert (located.location, located.filing) == ("remote_unfiled", None)


def test_a_filing_for_one_city_does_not_cover_another_city():
    assert remote(REFERRAL_GZ, place=SHENZHEN).location == "remote_unfiled"


def test_a_filing_with_a_blank_city_covers_every_city_of_its_province():
    assert remote(TEMPORARY_GD, place=SHENZHEN).location == "remote_filed"
    assert remote(TEMPORARY_GD, place=GUANGZHOU).filing == TEMPORARY_GD


def test_a_filing_for_another_province_covers_nothing_here():
    assert remote(Filing(6, "referral", "湖南省", ""), place=GUANGZHOU).location == "remote_unfiled"


def test_short_and_full_names_of_one_place_match():
    # 广东 and 广东省, 广州 and 广州市: a hospital's export and a clerk's record spell places differently.
    assert remote(Filing(7, "referral", "广东", "广州"), place=GUANGZHOU).location == "remote_filed"
    assert remote(REFERRAL_GZ, place=RemotePlace("广东", "广州")).location == "remote_filed"


def test_a_long_term_filing_at_the_filing_place_gives_remote_long_term():
    located = remote(LONG_TERM_GZ)
    assert (located.location, located.filing) == ("remote_long_term", LONG_TERM_GZ)


def test_a_long_term_resident_back_home_is_settled_as_in_the_city_and_inside_the_home_province():
    home = RemotePlace("湖北省", "咸宁市")
    located = remote(LONG_TERM_GZ, place=home, back_home=True)
    assert (located.location, located.filing, located.in_province) == ("remote_long_term", LONG_TERM_GZ, True)
    # a bill that says nothing of the place: back home is still the home province
    assert remote(LONG_TERM_GZ, place=RemotePlace(), back_home=True).in_province is True


def test_a_long_term_resident_in_an_emergency_at_a_non_designated_hospital_there_pays_no_20_percent():
    # X000 art. 20(二)2: "取消政策范围内住院医疗费用个人先自付比例20%"
    located = remote(LONG_TERM_GZ, emergency_nondesignated=True)
    assert located.location == "remote_long_term"
    assert remote(LONG_TERM_GZ, place=RemotePlace("湖北省", "咸宁市"), back_home=True,
                  emergency_nondesignated=True).location == "remote_long_term"


def test_a_long_term_resident_treated_elsewhere_is_a_temporary_traveller():
    # Outside both the filing place and home: the temporary traveller's rules (filed 10% / unfiled 20%).
    assert remote(LONG_TERM_GZ, place=SHENZHEN).location == "remote_unfiled"
    located = remote(LONG_TERM_GZ, Filing(8, "temporary", "广东省", "深圳市"), place=SHENZHEN)
    assert (located.location, located.filing.pk) == ("remote_filed", 8)
    assert remote(LONG_TERM_GZ, place=SHENZHEN, emergency_nondesignated=True).location == "remote_emergency_nondesignated"


def test_an_emergency_at_a_non_designated_hospital_without_a_long_term_filing_is_20_percent_even_when_filed():
    assert remote(emergency_nondesignated=True).location == "remote_emergency_nondesignated"
    located = remote(REFERRAL_GZ, emergency_nondesignated=True)
    assert (located.location, located.filing) == ("remote_emergency_nondesignated", None)


def test_the_long_term_filing_wins_over_a_referral_for_the_same_place():
    assert remote(REFERRAL_GZ, LONG_TERM_GZ).location == "remote_long_term"


# ---------------------------------------------------------------------------- claimed filings


def test_a_claimed_filing_that_is_held_settles_as_filed():
    assert remote(REFERRAL_GZ, claimed="referral").location == "remote_filed"


@pytest.mark.parametrize("claimed, filings, label", [
    ("referral", (), "转诊备案"),
    ("temporary", (REFERRAL_GZ,), "临时外出就医备案"),  # another kind is not the one the bill names
    ("long_term", (TEMPORARY_GD,), "异地长期居住备案"),
])
def test_a_claimed_filing_the_records_do_not_hold_is_an_error_naming_it(claimed, filings, label):
    with pytest.raises(LocationError) as raised:
        remote(*filings, claimed=claimed)
    assert raised.value.code == "missing_filing"
    assert f"结算单注明已办理{label}（广东省广州市）" in raised.value.message
    assert f"没有有效的{label}" in raised.value.message


def test_a_claimed_filing_for_another_city_is_not_held():
    with pytest.raises(LocationError, match="转诊备案（广东省深圳市）"):
        remote(REFERRAL_GZ, place=SHENZHEN, claimed="referral")


def test_a_claimed_long_term_filing_back_home_is_held_wherever_it_names():
    located = remote(LONG_TERM_GZ, place=RemotePlace("湖北省", "咸宁市"), back_home=True, claimed="long_term")
    assert located.location == "remote_long_term"


def test_back_home_without_a_long_term_filing_is_refused_rather_than_settled_as_remote_care():
    with pytest.raises(LocationError, match="没有有效的异地长期居住备案"):
        remote(REFERRAL_GZ, place=RemotePlace("湖北省", "咸宁市"), back_home=True)


def test_an_unknown_claimed_kind_is_refused():
    with pytest.raises(LocationError) as raised:
        remote(REFERRAL_GZ, claimed="lifelong")
    assert raised.value.code == "filing_kind" and "lifelong" in raised.value.message


# ---------------------------------------------------------------------------- in the province or not


@pytest.mark.parametrize("filings, place, expected", [
    ((), RemotePlace("湖北省", "武汉市"), True),  # another city of the home province
    ((), RemotePlace("湖北", "武汉"), True),  # spelled short
    ((), GUANGZHOU, False),
    ((LONG_TERM_WUHAN,), RemotePlace(), True),  # the bill names no place: the filing's destination
    ((REFERRAL_GZ,), RemotePlace(), False),
    ((), RemotePlace(), True),  # nothing names a place: in the province (the default)
])
def test_in_province_comes_from_the_destination(filings, place, expected):
    assert remote(*filings, place=place).in_province is expected


def test_a_place_the_bill_leaves_blank_is_covered_by_the_filing_held():
    located = remote(REFERRAL_GZ, place=RemotePlace())
    assert (located.location, located.filing) == ("remote_filed", REFERRAL_GZ)

"""Where a visit took place, as the settlement rules read it (RULES.md 3.2, X000 arts. 19-20):
the location code of a visit from what the system knows of the facility and of the person's
remote-care filings (异地就医备案). Pure: facts in, a code (and the filing it rests on) out.

- In the city the code follows the facility (RULES.md 3.2.1): a person insured in a county or
  district admitted to a city-level (市级) facility of level 2 or 3 pays the `county_at_city`
  first self-pay; at level 1, or a facility that is not city-level, it is `local`.
- Outside the city the code follows the filings valid on the admission date: a long-term
  residence filing for the place (or a visit back home) gives `remote_long_term`; a referral or
  temporary-travel filing for the place gives `remote_filed` (an emergency at a non-designated
  hospital without a long-term filing: `remote_emergency_nondesignated`); nothing gives
  `remote_unfiled`. A bill that claims a filing the records do not hold is refused, naming it.
"""

from dataclasses import dataclass

from benefits.places import same_city, same_province

FILING_KINDS = {"referral": "转诊备案", "temporary": "临时外出就医备案", "long_term": "异地长期居住备案"}


class LocationError(ValueError):
    def __init__(self, code: str, message: str, field: str = "location"):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True)
class Filing:
    """What the rule reads of a filing valid on the admission date."""

    pk: int
    kind: str  # referral | temporary | long_term
    province: str
    city: str = ""  # blank: the whole province


@dataclass(frozen=True)
class RemotePlace:
    """Where outside the city the care was given, as the bill says (blank when it does not)."""

    province: str = ""
    city: str = ""


@dataclass(frozen=True)
class Located:
    location: str
    filing: Filing | None = None
    in_province: bool = True


def in_city_location(*, facility_city_level: bool, facility_level: int, insured_in_county: bool = True) -> str:
    # X000 art. 20(一)3: 5% only for county/district insured people at city-level facilities of
    # level 2 or 3; "与本地就医一致" otherwise.
    if insured_in_county and facility_city_level and facility_level >= 2:
        return "county_at_city"
    return "local"


def _covers(filing: Filing, place: RemotePlace) -> bool:
    """The filing's destination covers the place (a place the bill leaves blank is covered)."""
    if not place.province:
        return True
    if not same_province(filing.province, place.province):  # 广东 and 广东省 are one province
        return False
    return not filing.city or not place.city or same_city(filing.city, place.city)


def _holds(filing: Filing, kind: str, place: RemotePlace, back_home: bool) -> bool:
    """The filing is of the kind and covers where the care was: a long-term resident treated
    back home holds the long-term filing wherever it names (X000 art. 20(二)2 "回参保地就医")."""
    return filing.kind == kind and ((back_home and kind == "long_term") or _covers(filing, place))


def remote_location(*, filings: tuple, place: RemotePlace, home_province: str, claimed: str = "", emergency_nondesignated: bool = False,
                    back_home: bool = False) -> Located:
    """The location code of care outside the city. `filings`: the person's filings valid on the
    admission date; `claimed`: the filing kind the bill says the person holds ("" none said);
    `back_home`: a long-term remote resident treated back in the insured city."""
    if claimed and claimed not in FILING_KINDS:
        raise LocationError("filing_kind", f"未知的备案类型：{claimed}")
    if claimed and not any(_holds(f, claimed, place, back_home) for f in filings):
        where = f"（{place.province}{place.city}）" if place.province and not back_home else ""
        raise LocationError("missing_filing", f"结算单注明已办理{FILING_KINDS[claimed]}{where}，但参保人在入院日没有有效的{FILING_KINDS[claimed]}")
    long_term = next((f for f in filings if _holds(f, "long_term", place, back_home)), None)
    if back_home and long_term is None:
        # Back home is care inside the city; only a long-term filing makes it remote care.
        raise LocationError("missing_filing", "结算单注明异地长期居住人员回参保地就医，但参保人在入院日没有有效的异地长期居住备案；"
                                              "未备案人员在参保地就医按市内就医结算")
    if long_term is not None:
        # X000 art. 20(二)2: at the filing place or back home the local rules apply, an
        # emergency at a non-designated hospital there included ("取消…20%"). Back home is
        # inside the home province whatever the filing names.
        return Located("remote_long_term", long_term, True if back_home else _in_province(place, long_term, home_province))
    if emergency_nondesignated:
        return Located("remote_emergency_nondesignated", None, _in_province(place, None, home_province))
    filed = next((f for f in filings if f.kind in ("referral", "temporary") and _covers(f, place)), None)
    if filed is not None:
        return Located("remote_filed", filed, _in_province(place, filed, home_province))
    return Located("remote_unfiled", None, _in_province(place, None, home_province))


def _in_province(place: RemotePlace, filing: Filing | None, home_province: str) -> bool:
    # In-province or not comes from the destination: the bill's place, else the filing's.
    province = place.province or (filing.province if filing else "")
    return not province or same_province(province, home_province)

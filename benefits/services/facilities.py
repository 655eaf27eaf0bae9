"""Designated facilities (定点医药机构): added and changed by officers in the admin (and by the
facility list import), within their own region, with history.

A facility's agreement (协议期) decides which visits it may settle (benefits.importers,
benefits.services.settlements: a visit outside it is refused). So the agreement's end is never
before its start, and a change never leaves bills already settled outside the agreement: a
terminated agreement ends after its last settled visit (bills are never edited; a wrong one is
reversed, 冲正).
"""

from datetime import date

from django.db import transaction
from django.db.models import Max, Min

from benefits.models import Facility, Settlement
from benefits.places import PlaceError, city_name, province_name
from core.errors import ServiceError
from core.restrict import may_change
from core.validation import date_problem


def agreement_problem(start: date | None, end: date | None) -> tuple[str, str] | None:
    """(field, Chinese reason) when the agreement dates cannot stand on their own, else None."""
    if start is not None:
        problem = date_problem(start, label="协议开始")
        if problem:
            return "agreement_from", problem
    if end is not None:
        problem = date_problem(end, label="协议结束")
        if problem:
            return "agreement_to", problem
    if start is not None and end is not None and end < start:
        return "agreement_to", f"协议结束（{end.isoformat()}）早于协议开始（{start.isoformat()}）"
    return None


def settled_outside_problem(facility: Facility, start: date, end: date | None) -> tuple[str, str] | None:
    """(field, reason) when bills of this facility already settled fall outside the new
    agreement; None for a new facility or an agreement that still covers them."""
    if facility.pk is None:
        return None
    span = Settlement.objects.filter(facility_id=facility.pk).aggregate(first=Min("visit_date"), last=Max("visit_date"))
    if span["first"] is not None and span["first"] < start:
        return "agreement_from", f"该机构已有 {span['first'].isoformat()} 就诊的结算单，协议开始不能晚于该日期"
    if span["last"] is not None and end is not None and span["last"] > end:
        return "agreement_to", f"该机构已有 {span['last'].isoformat()} 就诊的结算单，协议结束不能早于该日期"
    return None


def facility_place(province: str, city: str, region=None) -> tuple[str, str]:
    """A hospital's place outside the city (异地就医直接结算) as filings write places
    (benefits.places: 湖北 → 湖北省, 武汉 → 武汉市); ("", "") for a facility of the city.
    ServiceError on its field for a name that is no province or city, a city without its
    province, or a place inside the pooling region of `region` (the facility's county: a hospital
    there is one of the city's, 市内). The admin form and the facility list import both ask this."""
    from benefits.places import place_in_pooling_region, place_text
    from benefits.services.filings import home_place_of

    province, city = (province or "").strip(), (city or "").strip()
    if not province:
        if city:
            raise ServiceError("place", "填写了所在城市的，请同时填写所在省份", "place_province")
        return "", ""
    full = province_name(province)
    if full is None:
        raise ServiceError("place", f"「{province[:20]}」不是省级行政区名称（如 湖北省、广东省、北京市）", "place_province")
    try:
        city = city_name(full, city)
    except PlaceError as error:
        raise ServiceError("place", str(error).replace("就医城市", "所在城市"), "place_city") from None
    home = home_place_of(region.path) if region is not None else None
    if place_in_pooling_region(full, city, home):
        raise ServiceError("place", f"{place_text(full, city)}在本统筹区（{home.name}）内：本统筹区的机构不填所在省份和城市",
                           "place_city" if city else "place_province")
    return full, city


def facility_problem(facility: Facility) -> tuple[str, str] | None:
    """Every rule a facility's row must meet, as (field, reason), for forms and imports alike."""
    return agreement_problem(facility.agreement_from, facility.agreement_to) or (
        settled_outside_problem(facility, facility.agreement_from, facility.agreement_to) if facility.agreement_from else None)


def facility_save(*, user, facility: Facility, reason: str = "") -> Facility:
    """Add or change a facility as `user`: both the facility's stored region and its new one
    must lie in the user's subtree (a county's officer keeps to the county, the city's officer
    to the city), the row passes its model's checks and the agreement rules, and the change is
    kept in the facility's history with the user and the reason."""
    permission = "benefits.change_facility" if facility.pk else "benefits.add_facility"
    if not user.has_perm(permission):
        raise ServiceError("denied", "您没有维护定点医药机构的权限")
    with transaction.atomic():
        if facility.pk is not None:
            stored = Facility.objects.select_for_update().select_related("region").get(pk=facility.pk)
            if not may_change(user, [stored.region_path]):
                raise ServiceError("denied", "该机构不在您的管辖区划内")
        if facility.region_id is None or not may_change(user, [facility.region.path]):
            raise ServiceError("denied", "所在区划不在您的管辖区划内", "region")
        facility.region_path = facility.region.path
        problem = facility_problem(facility)
        if problem:
            raise ServiceError("agreement", problem[1], problem[0])
        facility.full_clean(exclude=["region_path"])
        facility._history_user = user
        facility._change_reason = reason or ("修改定点医药机构" if facility.pk else "新增定点医药机构")
        facility.save()
    return facility

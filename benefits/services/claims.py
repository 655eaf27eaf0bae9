"""Manual claims (手工报销 / 零星报销): a paper bill the facility could not settle directly (an
emergency at a non-designated hospital, care outside the city without direct settlement),
entered by the clerk of the person's county office, which pays it and summarises it to the
city each quarter (S001 市级统筹 §三(三)2; RULES.md 7). The same writer as every other door
computes and stores it (benefits.services.settlements.settlement_create), with channel
"manual", the day the office took the bill and a bill number of the county office.

The claim is refused when it reaches the office after the deadline of the pooling region
(parameter `manual_claim_deadline_month`, J003 §二(三)12: by the end of March of the next year;
benefits.rules.claims), when the region has no such parameter, or when the person is not in
the clerk's region. Where the care took place the writer decides, as for every bill: in the
city from the facility, outside it from the person's filings valid on the admission date (an
emergency at a hospital outside the agreements is `remote_emergency_nondesignated` without a
long-term filing). `manual_claim_preview` runs the same writer inside a transaction that is
rolled back: the clerk sees the split the confirmation will store, and nothing is written.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from benefits.models import Facility, Settlement
from benefits.places import PlaceError, city_name, place_in_pooling_region, province_name
from benefits.presets_claims import CLAIM_DEADLINE
from benefits.rules.claims import ADMISSION_KINDS, ClaimRuleError, claim_date_problem
from benefits.rules.settlement import COST_LINES
from benefits.services.casework import above_pooling_regions
from benefits.services.filings import home_place_of
from benefits.services.policy import parameter_in_force
from benefits.services.settlements import AMOUNT_MAX, OUTSIDE, VisitInput, settlement_create, visit_dates_problem
from core.errors import ServiceError
from core.idnumber import IdNumberError, parse_id_number
from core.models import Region, RegionLevel
from core.money import AmountError, parse_amount
from core.restrict import path_allowed, user_region_path
from core.validation import check_date
from enrollment.models import Person

PERMISSION = "benefits.add_settlement"
# Visits a paper bill may be for (a consultation fee is settled by the facility only).
CLAIM_KINDS = ("inpatient", "maternity", "outpatient", "chronic", "two_diseases_drug")
COST_LABELS = {"class_a": "甲类费用", "class_b_drug": "乙类药品", "blood": "血液制品", "class_b_treatment": "乙类诊疗项目",
               "material_general": "综合医疗服务类材料", "material_other_domestic": "其他类材料（国产）",
               "material_other_imported": "其他类材料（进口）", "out_of_catalogue": "目录外（全自费）"}
OUTSIDE_CODE_PREFIX = "SG"  # 手工 (manual): hospitals and bills recorded by a county office
PLACES = ("local", "remote")  # 市内 / 市外


class Rollback(Exception):
    """Leaves the preview's transaction with nothing written."""


@dataclass
class OutsideHospital:
    """A hospital outside the agreements, named by the clerk from the paper bill."""

    name: str
    level: int
    tier: str = Facility.Tier.SECONDARY_PLUS
    province: str = ""
    city: str = ""


@dataclass
class ClaimInput:
    id_number: str
    kind: str
    visit_date: date
    received_on: date
    place: str = "local"  # 市内 local | 市外 remote
    facility: Facility | None = None  # a recorded facility, or
    outside: OutsideHospital | None = None  # a hospital to record
    discharge_date: date | None = None
    disease: str = ""
    referral: str = Settlement.Referral.REFERRED  # 吉林 (RULES.md 3.7)
    costs: dict = field(default_factory=dict)  # cost line -> amount as typed
    # 急诊/抢救: the bill is for an emergency or rescue (X000 art. 20(二)1) — only then does a
    # non-designated hospital outside the city give `remote_emergency_nondesignated`; a planned
    # stay there takes its location from the person's filings like any other remote bill.
    emergency: bool = False


# ------------------------------------------------------------------------------ reads

def may_take_claims(user) -> bool:
    """Whether the user takes paper bills: the permission (经办员, 市局) and a region at or under a
    pooling region. The province's officers (the 市局 group bound to 湖北省, above 咸宁 and 十堰)
    supervise; they do not take bills at a county counter (S001 市级统筹 §三(三)2: the county
    office pays and reports). One rule with the filings: benefits.services.casework."""
    if not user.has_perm(PERMISSION):
        return False
    if user.is_superuser:
        return True
    return user.region_id is not None and not above_pooling_regions(user)


def claim_facilities(user):
    """The recorded facilities a clerk may name on a claim: those of the user's subtree and
    those of the regions above it (the city's and the province's hospitals)."""
    path = user_region_path(user)
    if user.is_superuser:
        return Facility.objects.all()
    if not path:
        return Facility.objects.none()
    above = [path[: i + 1] for i, char in enumerate(path) if char == "/" and i + 1 < len(path)]
    return Facility.objects.filter(Q(region_path__startswith=path) | Q(region_path__in=above))


def county_of(region: Region) -> Region | None:
    return next((r for r in region.ancestors() if r.level == RegionLevel.COUNTY), None)


# ------------------------------------------------------------------------------ checks

def _person(user, raw: str) -> Person:
    try:
        number = parse_id_number(raw or "").number
    except IdNumberError as error:
        raise ServiceError("id_number", error.message, "id_number") from None
    person = Person.objects.select_related("village").filter(id_number=number).first()
    # One answer for "none" and "another county's": a county office pays its own insured only.
    if person is None or not path_allowed(user, person.region_path):
        raise ServiceError("person", "在您的管辖区划内没有该身份证号的参保人（手工报销由参保地经办机构办理）", "id_number")
    return person


def _costs(raw: dict) -> dict:
    costs = {}
    for line in COST_LINES:
        try:
            amount = parse_amount(raw.get(line), maximum=AMOUNT_MAX)
        except AmountError as error:
            raise ServiceError("amount", f"{COST_LABELS.get(line, line)}：{error}", line) from None
        if amount:
            costs[line] = amount
    unknown = sorted(set(raw) - set(COST_LINES))
    if unknown:
        raise ServiceError("amount", f"未知的费用项目：{'、'.join(unknown)}", "costs")
    total = sum(costs.values(), Decimal(0))
    if total <= 0:
        raise ServiceError("amount", "请填写票据上的费用（各项费用合计须大于 0）", "class_a")
    if total > AMOUNT_MAX:
        raise ServiceError("amount", f"费用合计 {total:,} 超出可记录的范围", "class_a")
    return costs


def _deadline_month(person: Person, day: date) -> int:
    parameter = parameter_in_force(person.village, CLAIM_DEADLINE, day)
    if parameter is None:
        raise ServiceError("no_claim_deadline", "本统筹区没有设定手工报销申请期限，暂不能受理，请联系市医保局设定后再办理", "received_on")
    try:
        month = Decimal(parameter.value)
    except InvalidOperation:
        month = Decimal(0)
    if month != month.to_integral_value() or not 1 <= month <= 12:
        raise ServiceError("no_claim_deadline", "本统筹区的手工报销申请期限设定有误，请联系市医保局核对", "received_on")
    return int(month)


def _check_dates(claim: ClaimInput, person: Person) -> None:
    today = timezone.localdate()
    if claim.kind not in CLAIM_KINDS:
        raise ServiceError("kind", "请选择就医类型", "kind")
    if claim.kind in ADMISSION_KINDS and claim.discharge_date is None:
        raise ServiceError("discharge_date", "住院费用请填写出院日期", "discharge_date")
    if claim.kind not in ADMISSION_KINDS:
        claim.discharge_date = None
    problem = visit_dates_problem(claim.visit_date, claim.discharge_date, today=today)
    if problem:
        raise ServiceError("visit_dates", problem[1], problem[0])
    check_date(claim.received_on, field="received_on", label="受理日期", not_after_today=True, today=today)
    month = _deadline_month(person, claim.discharge_date or claim.visit_date)
    try:
        late = claim_date_problem(received_on=claim.received_on, kind=claim.kind, visit_date=claim.visit_date,
                                  discharge_date=claim.discharge_date, deadline_month=month)
    except ClaimRuleError as error:
        raise ServiceError(error.code, error.message, "received_on") from None
    if late:
        raise ServiceError(late[0], late[1], "received_on")


# ------------------------------------------------------------------------------ the hospital

def _outside_facility(user, claim: ClaimInput, county: Region) -> Facility:
    """The outside hospital the clerk named: the one this county office recorded under that
    name, or a new one (not designated, in the county, its code SG-<county>-<n>)."""
    hospital = claim.outside
    name = (hospital.name or "").strip()
    if not name:
        raise ServiceError("facility", "请选择定点机构，或填写票据上的医院名称", "facility")
    if len(name) > Facility._meta.get_field("name").max_length:
        raise ServiceError("facility", "医院名称过长", "outside_name")
    if hospital.level not in (1, 2, 3):
        raise ServiceError("outside_level", "请选择医院级别", "outside_level")
    if hospital.tier not in Facility.Tier.values:
        raise ServiceError("outside_tier", "请选择门诊机构类别", "outside_tier")
    province, city = (hospital.province or "").strip(), (hospital.city or "").strip()
    if claim.place == "remote" and not province:
        raise ServiceError("outside_province", "市外医院请填写所在省份", "outside_province")
    if province:
        full = province_name(province)
        if full is None:  # the 34 provincial-level divisions, as the filing form checks them
            raise ServiceError("outside_province", f"「{province}」不是省、自治区、直辖市或特别行政区的名称", "outside_province")
        province = full
        # X000 arts. 19-20: a place inside the pooling region (the city, a county under it; all
        # of 吉林) is no care outside it, whatever the clerk ticks.
        if place_in_pooling_region(province, city, home_place_of(county.path)):
            raise ServiceError("outside_city", f"{province}{city}在本统筹区内，不是市外医院：就医地请选择“市内”，不填所在省份和城市",
                               "outside_city")
        try:
            city = city_name(province, city)  # stored in one form, as filings store it (武汉 → 武汉市)
        except PlaceError as error:
            raise ServiceError("outside_city", str(error), "outside_city") from None
    existing = (Facility.objects.select_for_update().filter(region=county, designated=False, name=name,
                                                            place_province=province, place_city=city).first())
    if existing is not None:
        if existing.agreement_from > claim.visit_date:  # an earlier bill of the same hospital
            existing.agreement_from = claim.visit_date
            existing._history_user = user
            existing._change_reason = "手工报销：登记更早的就医记录"
            existing.save()
        return existing
    taken = Facility.objects.filter(code__startswith=f"{OUTSIDE_CODE_PREFIX}-{county.code}-").values_list("code", flat=True)
    number = 1 + max((int(m.group(1)) for c in taken if (m := re.fullmatch(rf"{OUTSIDE_CODE_PREFIX}-{county.code}-(\d+)", c))), default=0)
    facility = Facility(code=f"{OUTSIDE_CODE_PREFIX}-{county.code}-{number}", name=name, level=hospital.level, tier=hospital.tier,
                        region=county, city_level=False, zero_markup=False, designated=False, place_province=province,
                        place_city=city, agreement_from=claim.visit_date)
    facility.region_path = county.path
    facility.full_clean(exclude=["region_path"])
    facility._history_user = user
    facility._change_reason = "手工报销：登记非定点或市外医疗机构"
    facility.save()
    return facility


def _facility(user, claim: ClaimInput, county: Region) -> Facility:
    if claim.facility is not None:
        if not claim_facilities(user).filter(pk=claim.facility.pk).exists():
            raise ServiceError("facility", "所选医疗机构不存在或不在您的管辖区划内", "facility")
        return claim.facility
    if claim.outside is None:
        raise ServiceError("facility", "请选择定点机构，或填写票据上的医院名称", "facility")
    return _outside_facility(user, claim, county)


# ------------------------------------------------------------------------------ where

def _outside_city(facility: Facility, claim: ClaimInput) -> bool:
    """Whether the care was outside the city: the clerk says so, or the hospital is recorded
    with a place outside it. The writer then takes the location code from the person's filings
    valid on the admission date (benefits.rules.location, RULES.md 3.2)."""
    recorded_outside = bool(facility.place_province or facility.place_city)
    if recorded_outside and claim.place != "remote":
        raise ServiceError("place", f"{facility.name}在市外（{facility.place_province}{facility.place_city}），就医地请选择“市外”", "place")
    if not recorded_outside and claim.place == "remote":
        # A hospital in the city is 市内 whatever is ticked: 市外 would take the person's filings.
        raise ServiceError("place", f"{facility.name}是本市的医疗机构，就医地请选择“市内”；市外医院请填写其所在省份和城市", "place")
    return recorded_outside


# ------------------------------------------------------------------------------ the number

def _bill_number(county: Region, year: int) -> str:
    """SG<county code><year><seq>: the county office's own numbering of its manual claims,
    taken under a lock on the county's row so that two clerks never take the same number."""
    Region.objects.select_for_update().filter(pk=county.pk).first()
    prefix = f"{OUTSIDE_CODE_PREFIX}{county.code}{year}"
    taken = Settlement.objects.filter(channel=Settlement.Channel.MANUAL, bill_number__startswith=prefix,
                                      reverses__isnull=True).values_list("bill_number", flat=True)
    number = 1 + max((int(n[len(prefix):]) for n in taken if n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{number:05d}"


# ------------------------------------------------------------------------------ the doors

def _record(user, claim: ClaimInput) -> Settlement:
    if not user.has_perm(PERMISSION):
        raise ServiceError("denied", "您没有办理手工报销的权限")
    if not may_take_claims(user):
        raise ServiceError("denied", "省级用户不受理手工报销：手工报销由参保地县级医保经办机构受理")
    if claim.place not in PLACES:
        raise ServiceError("place", "请选择就医地（市内或市外）", "place")
    if claim.referral not in Settlement.Referral.values:
        raise ServiceError("referral", "请选择转诊情况", "referral")
    person = _person(user, claim.id_number)
    county = county_of(person.village)
    if county is None:
        raise ServiceError("person", "参保人不属于任何县（市、区），不能办理手工报销", "id_number")
    costs = _costs(claim.costs)
    _check_dates(claim, person)
    facility = _facility(user, claim, county)
    outside = _outside_city(facility, claim)
    data = VisitInput(
        person=person, facility=facility, bill_number=_bill_number(county, claim.received_on.year), kind=claim.kind,
        visit_date=claim.visit_date, discharge_date=claim.discharge_date, location=OUTSIDE if outside else "local",
        disease=(claim.disease or "").strip() if claim.kind == "chronic" else "", costs=costs, referral=claim.referral,
        channel=Settlement.Channel.MANUAL, claim_received_on=claim.received_on,
        # X000 art. 20(二)1: an emergency or rescue (the clerk ticks it from the bill) at a hospital
        # outside the agreements, outside the city; without it the filings decide (RULES.md 3.2).
        emergency_nondesignated=outside and claim.emergency and not facility.designated,
    )
    return settlement_create(user=user, data=data)


def manual_claim_record(*, user, claim: ClaimInput) -> Settlement:
    """Record a manual claim: checked, computed and stored by the one writer, in one transaction
    (an outside hospital it names is recorded with it, or not at all)."""
    with transaction.atomic():
        return _record(user, claim)


def manual_claim_preview(*, user, claim: ClaimInput) -> Settlement:
    """The settlement the claim would be, unsaved: the writer runs inside a transaction that
    is rolled back, so the preview is computed exactly as the confirmation will be."""
    preview = None
    try:
        with transaction.atomic():
            preview = _record(user, claim)
            raise Rollback
    except Rollback:
        pass
    return preview

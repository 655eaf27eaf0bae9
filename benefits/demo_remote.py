"""Demo remote care for a first look (`manage.py generate_settlement_demo`, after the year's
visits): a handful of remote-care filings (异地就医备案) of a demo county's insured people — a
referral (转诊), temporary travel (临时外出), long-term residence (异地长期居住), one ended early
and one revoked as entered in error — the direct settlements outside the city that rest on them,
and a few manual claims (手工报销) taken at the county office, so that the county's demo clerk
finds them on the person page, the settlement list and the quarterly claim summary.

Every write goes through the door a clerk or a facility's export uses: filings through
benefits.services.filings (filings_create, filing_end, filing_revoke), the hospitals' direct
bills through the settlement batch (as benefits.services.demo settles the year's visits), paper
bills through benefits.services.claims.manual_claim_record. The filings and claims are the
county's demo clerk's (core.management.commands.create_demo_users): they carry a 经办人, as they
would at the counter.

Seeded and idempotent: the people are drawn by the seed from the county's insured in ID-number
order, dates are fractions of the days of the year so far; what a run finds already recorded
(a filing of the person of the same kind and start, a bill number, a claim of the person's
admission) it leaves as it is, so running it again adds nothing. Generated, never shipped.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from benefits.models import Facility, RemoteCareFiling, Settlement
from benefits.services.claims import ClaimInput, OutsideHospital, manual_claim_record
from benefits.services.demo import demo_bill_prefix, demo_facilities, demo_facility_code
from benefits.services.filings import FilingInput, filing_end, filing_revoke, filings_create
from benefits.services.settlements import OUTSIDE, SettlementBatch, VisitInput, settlements_write
from core.models import Region, User
from core.services.users import user_upsert
from enrollment.models import Enrollment, Person

Kind = RemoteCareFiling.Kind
# Fewer days of the year so far than this and the periods below would crowd into a few days.
MIN_DAYS = 60
PEOPLE = 7  # persons drawn: five with filings, two with a paper bill only

# Hospitals outside the city that settle directly (异地就医直接结算), recorded with their place
# as the admin records one (benefits.admin.FacilityAdminForm: 湖北省 / 武汉市; a municipality's
# city blank). (code suffix, name, province, city)
REMOTE_HOSPITALS = [
    ("YD1", "华中科技大学同济医学院附属同济医院", "湖北省", "武汉市"),
    ("YD2", "中山大学附属第一医院", "广东省", "广州市"),
    ("YD3", "浙江大学医学院附属第一医院", "浙江省", "杭州市"),
    ("YD4", "首都医科大学附属北京天坛医院", "北京市", ""),
]


@dataclass(frozen=True)
class FilingPlan:
    """A filing of the `person`-th drawn person, its period as fractions of the days so far;
    `ended_at` ends it early (filing_end), `revoked` revokes it (filing_revoke) with that reason."""

    person: int
    kind: str
    province: str
    city: str
    start: float
    end: float | None
    hospital: str = ""
    ended_at: float | None = None
    end_reason: str = ""
    revoked: str = ""


FILINGS = [
    FilingPlan(0, Kind.REFERRAL, "湖北省", "武汉市", 0.10, 0.60, hospital="华中科技大学同济医学院附属同济医院"),
    FilingPlan(1, Kind.TEMPORARY, "广东省", "广州市", 0.30, 0.85, ended_at=0.62, end_reason="已返回参保地居住"),
    FilingPlan(2, Kind.LONG_TERM, "浙江省", "杭州市", 0.05, None),
    # Entered for the wrong place, revoked, and the right one filed (X000 art. 20(二)1).
    FilingPlan(3, Kind.REFERRAL, "湖南省", "长沙市", 0.40, 0.75, revoked="录入错误：转入医院在北京市"),
    FilingPlan(3, Kind.REFERRAL, "北京市", "", 0.40, 0.75, hospital="首都医科大学附属北京天坛医院"),
    FilingPlan(4, Kind.TEMPORARY, "上海市", "", 0.20, 0.90, ended_at=0.35, end_reason="提前返回参保地"),
]


@dataclass(frozen=True)
class StayPlan:
    """An admission of the `person`-th drawn person at a hospital (a REMOTE_HOSPITALS suffix, or
    a demo facility's suffix of the county), on a fraction of the days so far, for `nights`."""

    person: int
    hospital: str
    admitted: float
    nights: int
    costs: dict


# Direct bills of the remote hospitals, each resting on the filing valid on its admission:
# 武汉 on the referral, 广州 on the temporary filing (before it ended), 杭州 on the long-term
# residence, 北京 on the second referral.
STAYS = [
    StayPlan(0, "YD1", 0.20, 8, {"class_a": "18600", "class_b_drug": "4200", "material_general": "2600", "out_of_catalogue": "900"}),
    StayPlan(1, "YD2", 0.45, 6, {"class_a": "12400", "class_b_drug": "2800", "out_of_catalogue": "600"}),
    StayPlan(2, "YD3", 0.50, 10, {"class_a": "21500", "class_b_drug": "5100", "material_general": "3200", "out_of_catalogue": "1200"}),
    StayPlan(3, "YD4", 0.50, 12, {"class_a": "36800", "class_b_drug": "7600", "material_general": "5400", "out_of_catalogue": "2100"}),
]


@dataclass(frozen=True)
class ClaimPlan:
    """A paper bill of the `person`-th drawn person, received `received_ago` days before today
    (never before the discharge). `hospital`: a recorded facility's suffix; `outside`: a hospital
    the clerk names from the bill (recorded with the claim)."""

    person: int
    place: str
    admitted: float
    nights: int
    received_ago: int
    costs: dict
    hospital: str = ""
    outside: OutsideHospital | None = None
    emergency: bool = False


CLAIMS = [
    # A second stay in 武汉 under the referral, not settled directly there: 市外已备案.
    ClaimPlan(0, "remote", 0.35, 7, 3, {"class_a": "9800", "class_b_drug": "2100", "out_of_catalogue": "400"}, hospital="YD1"),
    # An emergency at a hospital outside the agreements, in another province: 市外急诊非定点.
    ClaimPlan(5, "remote", 0.65, 5, 6, {"class_a": "7600", "class_b_drug": "1800", "out_of_catalogue": "700"},
              outside=OutsideHospital(name="长沙市中心医院", level=3, province="湖南省", city="长沙市"), emergency=True),
    # The county hospital's bill the person paid in full (the direct settlement failed): 市内.
    ClaimPlan(6, "local", 0.70, 9, 9, {"class_a": "6400", "class_b_drug": "1500", "out_of_catalogue": "300"}, hospital="H2"),
]


@dataclass
class RemoteDemoResult:
    filings: int = 0
    settlements: int = 0
    claims: int = 0
    skipped: str = ""  # why nothing was generated, as the command says it


def demo_clerk(county: Region) -> User | None:
    """The county's demo clerk (create_demo_users), created without a usable password when the
    users are not made yet (`make demo` makes them last and sets the password then); None for a
    county without one."""
    from core.management.commands.create_demo_users import DEMO_USERS

    for username, _password, group, region_code, staff, full_name in DEMO_USERS:
        if region_code == county.code and group == "经办员":
            existing = User.objects.filter(username=username).first()
            # password None: Django's unusable password, until create_demo_users sets the real one.
            return existing or user_upsert(username=username, password=None, group=group, region_code=region_code, is_staff=staff,
                                           full_name=full_name)
    return None


def remote_hospitals(county: Region, since: date) -> dict[str, Facility]:
    """The remote hospitals, designated, recorded in the county with their place; created once
    per county as benefits.services.demo.demo_facilities records the county's own."""
    found = {}
    for suffix, name, province, city in REMOTE_HOSPITALS:
        found[suffix], _ = Facility.objects.get_or_create(code=demo_facility_code(county, suffix), defaults={
            "name": name, "level": 3, "tier": Facility.Tier.SECONDARY_PLUS, "region": county, "city_level": False,
            "zero_markup": False, "designated": True, "place_province": province, "place_city": city, "agreement_from": since})
    return found


def _drawn_people(county: Region, year: int, rng: random.Random) -> list[Person]:
    insured = (Enrollment.objects.filter(region_path__startswith=county.path, benefit_year=year, status__in=Enrollment.PAID_STATUSES)
               .order_by("person__id_number").values_list("person_id", flat=True).distinct())
    ids = list(dict.fromkeys(insured))
    if len(ids) < PEOPLE:
        return []
    chosen = rng.sample(ids, PEOPLE)
    people = {p.pk: p for p in Person.objects.filter(pk__in=chosen).select_related("village")}
    return [people[pk] for pk in chosen]


def generate_remote_demo(*, county: Region, user, seed: int = 2026, today: date | None = None) -> RemoteDemoResult:
    """The filings, remote settlements and manual claims above for `county`, as `user` (the
    county's clerk). All or nothing."""
    today = today or timezone.localdate()
    year_start = date(today.year, 1, 1)
    days = (today - year_start).days
    if days < MIN_DAYS:
        return RemoteDemoResult(skipped=f"本年度已过天数不足 {MIN_DAYS} 天，跳过异地就医演示数据")
    people = _drawn_people(county, today.year, random.Random(f"remote-{seed}"))
    if not people:
        return RemoteDemoResult(skipped=f"本年度参保人员不足 {PEOPLE} 人，跳过异地就医演示数据")

    def day(fraction: float) -> date:
        return year_start + timedelta(days=int(days * fraction))

    result = RemoteDemoResult()
    with transaction.atomic():
        hospitals = remote_hospitals(county, date(today.year - 1, 1, 1))
        filings = _file(user, people, day, result)
        _settle_stays(county, people, hospitals, day, today, result)
        _end_and_revoke(user, filings, day)
        _claim(user, county, people, hospitals, day, today, result)
    return result


def _file(user, people: list[Person], day, result: RemoteDemoResult) -> dict[FilingPlan, RemoteCareFiling]:
    """Every planned filing, created in one batch (filings_create) unless already recorded."""
    recorded = {}
    missing = []
    for plan in FILINGS:
        person = people[plan.person]
        found = RemoteCareFiling.objects.filter(person=person, kind=plan.kind, destination_province=plan.province,
                                                destination_city=plan.city, valid_from=day(plan.start)).first()
        if found is not None:
            recorded[plan] = found
        else:
            missing.append(plan)
    created = filings_create(user=user, items=[
        FilingInput(person=people[plan.person], kind=plan.kind, destination_province=plan.province, destination_city=plan.city,
                    valid_from=day(plan.start), valid_to=day(plan.end) if plan.end is not None else None, hospital=plan.hospital)
        for plan in missing])
    recorded.update(zip(missing, created))
    result.filings = len(created)
    return recorded


def _settle_stays(county: Region, people: list[Person], hospitals: dict, day, today: date, result: RemoteDemoResult) -> None:
    """The remote hospitals' direct bills (user None: from the facility's export, as the year's
    demo visits), located by the filings valid on admission (benefits.rules.location)."""
    prefix = demo_bill_prefix(county, today.year)
    visits = []
    for n, plan in enumerate(STAYS, start=1):
        facility, bill = hospitals[plan.hospital], f"{prefix}{plan.hospital}{n:03d}"
        if Settlement.objects.filter(facility=facility, bill_number=bill).exists():
            continue
        admitted = day(plan.admitted)
        visits.append(VisitInput(person=people[plan.person], facility=facility, bill_number=bill, kind="inpatient", visit_date=admitted,
                                 discharge_date=min(admitted + timedelta(days=plan.nights), today), location=OUTSIDE,
                                 costs=dict(plan.costs)))
    if not visits:
        return
    visits.sort(key=lambda v: v.visit_date)
    batch = SettlementBatch()
    batch.load(visits, lock=True)
    settlements_write(batch=batch, settled=[batch.settle(v) for v in visits])
    result.settlements = len(visits)


def _end_and_revoke(user, filings: dict[FilingPlan, RemoteCareFiling], day) -> None:
    """After the bills: a filing ends after the last bill resting on it, a revoked one has none."""
    for plan, filing in filings.items():
        if plan.revoked and filing.status == RemoteCareFiling.Status.VALID:
            filing_revoke(user=user, filing=filing, reason=plan.revoked)
        elif plan.ended_at is not None and filing.status == RemoteCareFiling.Status.VALID:
            filing_end(user=user, filing=filing, valid_to=day(plan.ended_at), reason=plan.end_reason)


def _claim(user, county: Region, people: list[Person], hospitals: dict, day, today: date, result: RemoteDemoResult) -> None:
    """The paper bills, taken at the county office (manual_claim_record) unless already taken."""
    own = {f.code: f for f in demo_facilities(county)}  # the county's demo hospitals (get_or_create: made once)
    for plan in CLAIMS:
        person, admitted = people[plan.person], day(plan.admitted)
        if Settlement.objects.filter(person=person, channel=Settlement.Channel.MANUAL, visit_date=admitted).exists():
            continue
        facility = None
        if plan.hospital:
            facility = hospitals.get(plan.hospital) or own[demo_facility_code(county, plan.hospital)]
        discharged = min(admitted + timedelta(days=plan.nights), today)
        manual_claim_record(user=user, claim=ClaimInput(
            id_number=person.id_number, kind="inpatient", visit_date=admitted, discharge_date=discharged,
            received_on=max(today - timedelta(days=plan.received_ago), discharged), place=plan.place, facility=facility,
            outside=plan.outside, costs=dict(plan.costs), emergency=plan.emergency))
        result.claims += 1

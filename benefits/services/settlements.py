"""Settling visits from the data (结算): one path for every door.

A single visit is a batch of one. `SettlementBatch` holds what the rules read for a batch of
visits: the policy in force, the people's eligibility (`EligibilityLoader`: enrollments,
hardship identities, approved applications, 两病 registrations and 门诊慢特病 approvals, remote-care
filings, for many people at once) and their year-to-date totals (PersonYear, locked while
committing, so that concurrent settlements of one person never exceed a cap). `settle()`
locates the visit (facility and filings, benefits.rules.location), splits it with the pure
engine and advances the running totals; `settlements_write` stores the settled visits (rows,
year totals, explanation, parameter versions). settlement_create (pages, manual claims), the
facility import, the demo and the benchmark all go through them; a reversal and the one-time
assistance read the stored amounts back through the same Split ↔ PersonYear mapping.
A correction is a reversal plus a new record."""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from assistance.models import Application, HardshipIdentity
from benefits.models import ChronicApproval, ChronicDisease, DiseaseKind, Facility, ParameterSet, PersonYear, PolicyParameter, RemoteCareFiling, Settlement, TwoDiseasesRegistration
from benefits.rules import chronic as chronic_rules
from benefits.places import place_in_pooling_region, place_text
from benefits.rules.location import FILING_KINDS, Filing, LocationError, Located, RemotePlace, in_city_location, remote_location
from benefits.rules.settlement import COST_LINES, ChronicRule, Eligibility, SettlementError, Split, Visit, YearToDate, settle
from benefits.services.policy import settlement_policy_window
from core.bulk import NULL, JsonText, copy_line, copy_lines, copy_text, insert_ignoring_conflicts, reserve_ids, update_rows
from core.errors import ServiceError
from core.models import Region
from core.money import ZERO, column_max, fmt_money
from core.restrict import path_allowed
from core.validation import date_problem
from enrollment.models import Enrollment, Person

# Settlement columns holding the split (Settlement.ma_base holds both assistance bases: a visit
# adds to one of them, the inpatient or the chronic one, RULES.md 5).
SPLIT_FIELDS = ("total", "class_b_first_pay", "policy_range", "location_first_pay", "deductible", "basic_fund", "critical_illness",
                "assistance", "extra_assistance", "personal", "ci_base", "ma_base", "outpatient_fund", "chronic_fund")
# PersonYear's totals (YearToDate has the same names, and outpatient_fund_today, but no personal).
YEAR_FIELDS = ("basic_fund", "outpatient_fund", "chronic_fund", "ci_base", "ci_paid", "ma_base", "ma_base_chronic", "ma_paid",
               "extra_paid", "maternity_fund", "personal")
# The largest amount a settlement (a cost line, its total, a year's total) can hold: what comes
# from a file or the trial interface is refused above it, never left to overflow at commit.
AMOUNT_MAX = column_max(Settlement._meta.get_field("total"))
# Location codes of care outside the city: the filings decide which (benefits.rules.location).
OUTSIDE = "outside"  # 市外, nothing more said
REMOTE_CODES = (OUTSIDE, "remote_filed", "remote_unfiled", "remote_emergency_nondesignated", "remote_long_term")


# ------------------------------------------------------------------------------ Split ↔ year totals


def split_columns(split: Split) -> dict:
    """The Settlement columns of a split (SPLIT_FIELDS)."""
    columns = {f: getattr(split, f) for f in SPLIT_FIELDS}
    columns["ma_base"] = split.ma_base + split.ma_base_chronic
    return columns


def year_amounts(split: Split) -> dict:
    """What a split adds to the person's year (PersonYear field -> amount)."""
    return {"basic_fund": split.basic_fund, "outpatient_fund": split.outpatient_fund, "chronic_fund": split.chronic_fund,
            "ci_base": split.ci_base, "ci_paid": split.critical_illness, "ma_base": split.ma_base,
            "ma_base_chronic": split.ma_base_chronic, "ma_paid": split.assistance, "extra_paid": split.extra_assistance,
            "maternity_fund": split.maternity_fund, "personal": split.personal}


def stored_year_amounts(row: Settlement) -> dict:
    """What a stored settlement added to the person's year, by its kind: a chronic visit's
    assistance base is the chronic one (RULES.md 5), a maternity visit's basic fund counts
    toward the maternity cap (RULES.md 3.2.6)."""
    chronic = row.kind == Settlement.Kind.CHRONIC
    return {"basic_fund": row.basic_fund, "outpatient_fund": row.outpatient_fund, "chronic_fund": row.chronic_fund,
            "ci_base": row.ci_base, "ci_paid": row.critical_illness, "ma_base": ZERO if chronic else row.ma_base,
            "ma_base_chronic": row.ma_base if chronic else ZERO, "ma_paid": row.assistance, "extra_paid": row.extra_assistance,
            "maternity_fund": row.basic_fund if row.kind == Settlement.Kind.MATERNITY else ZERO, "personal": row.personal}


def add_to_year(totals, amounts: dict, sign: int = 1) -> None:
    for name, value in amounts.items():
        setattr(totals, name, getattr(totals, name) + sign * value)


def apply_split(totals: PersonYear, split: Split, sign: int = 1) -> None:
    """add_to_year(totals, year_amounts(split), sign), without the dict: a batch applies a
    split per visit, a hundred thousand a minute."""
    if sign == 1:
        totals.basic_fund += split.basic_fund
        totals.outpatient_fund += split.outpatient_fund
        totals.chronic_fund += split.chronic_fund
        totals.ci_base += split.ci_base
        totals.ci_paid += split.critical_illness
        totals.ma_base += split.ma_base
        totals.ma_base_chronic += split.ma_base_chronic
        totals.ma_paid += split.assistance
        totals.extra_paid += split.extra_assistance
        totals.maternity_fund += split.maternity_fund
        totals.personal += split.personal
    else:
        add_to_year(totals, year_amounts(split), sign)


def year_to_date(totals, outpatient_today: Decimal, disease_chronic: Decimal = ZERO) -> YearToDate:
    """The rules' year-to-date from the person's year totals, the general outpatient fund paid
    on the visit's day and, for a chronic visit, the chronic pool paid for its disease."""
    return YearToDate(**{f: getattr(totals, f) for f in YEAR_FIELDS if f != "personal"}, outpatient_fund_today=outpatient_today,
                      disease_chronic_fund=disease_chronic)


def explanation_json(split: Split) -> list[dict]:
    """The explanation as stored on a settlement and answered by the trial interface."""
    return [{"step": s.step, "amount": fmt_money(s.amount), "source": s.source} for s in split.explanation]


_ENCODED: dict[str, str] = {}  # a step's or source's text -> its JSON string (they repeat on every row)
_ENCODED_MAX = 20_000


def _encoded(text: str) -> str:
    encoded = _ENCODED.get(text)
    if encoded is None:
        if len(_ENCODED) >= _ENCODED_MAX:
            _ENCODED.clear()
        encoded = _ENCODED[text] = json.dumps(text, ensure_ascii=False)
    return encoded


def explanation_text(split: Split) -> JsonText:
    """explanation_json(split) encoded as JSON, for COPY: the same document (stored as jsonb),
    with each step's and source's text encoded once per process, not once per row."""
    return JsonText("[" + ", ".join(f'{{"step": {_encoded(s.step)}, "amount": "{fmt_money(s.amount)}", "source": {_encoded(s.source)}}}'
                                    for s in split.explanation) + "]")


# ------------------------------------------------------------------------------ the visit


@dataclass
class VisitInput:
    person: Person
    facility: Facility
    bill_number: str
    kind: str
    visit_date: date
    # An in-city code is derived again from the facility (RULES.md 3.2.1); a remote code (or
    # "outside") says the care was outside the city, and the filings give the code.
    location: str = "local"
    disease: str = ""
    costs: dict | None = None
    discharge_date: date | None = None
    referral: str = "referred"  # 吉林 (RULES.md 3.7)
    referred_from_deductible: Decimal = Decimal(0)
    downward_referral: bool = False
    in_province: bool = True  # set from the destination when the care is outside the city
    filing_id: int | None = None  # the remote-care filing the location rests on (set by settle)
    channel: str = "direct"  # Settlement.Channel
    claim_received_on: date | None = None  # manual claims: the day the county office took the bill
    # Outside the city (the bill's words): where, the filing it claims, an emergency at a
    # non-designated hospital.
    place_province: str = ""
    place_city: str = ""
    claimed_filing: str = ""  # referral | temporary | long_term | "" (none said)
    emergency_nondesignated: bool = False

    def visit(self, chronic_rule: ChronicRule | None = None) -> Visit:
        """The visit the rules read; a chronic visit with its disease's payment rule (from the
        region's catalogue, EligibilityLoader.chronic_rule)."""
        return Visit(kind=self.kind, facility_level=self.facility.level, facility_tier=self.facility.tier, location=self.location,
                     disease=self.disease, costs={k: Decimal(v) for k, v in (self.costs or {}).items()},
                     zero_markup=self.facility.zero_markup, in_province=self.in_province, referral=self.referral,
                     referred_from_deductible=Decimal(self.referred_from_deductible), downward_referral=self.downward_referral,
                     chronic_rule=chronic_rule or ChronicRule())

    def located(self, located: Located) -> "VisitInput":
        """A copy with the location the rules read (dataclasses.replace, without its checks:
        a batch locates a hundred thousand visits)."""
        copy = object.__new__(VisitInput)
        copy.__dict__.update(self.__dict__)
        copy.location, copy.filing_id, copy.in_province = located.location, located.filing.pk if located.filing else None, located.in_province
        return copy

    @property
    def outside_city(self) -> bool:
        # A facility recorded with a place outside the city (手工报销) is outside, whatever the bill's default.
        return self.location in REMOTE_CODES or bool(self.facility.place_province)


def visit_dates_problem(visit_date: date, discharge_date: date | None, *, today: date) -> tuple[str, str] | None:
    """(field, Chinese reason) when a visit's dates cannot be settled, else None: a bill is
    settled after the care, so neither date lies after today, and discharge is not before
    admission. Every door (the settlement import, settlement_create) asks this."""
    for field, label, day in (("visit_date", "入院（就诊）日期", visit_date), ("discharge_date", "出院日期", discharge_date)):
        if day is not None:
            problem = date_problem(day, label=label, not_after_today=True, today=today)
            if problem:
                return field, problem
    if discharge_date is not None and discharge_date < visit_date:
        return "discharge_date", "出院日期早于入院日期"
    return None


def agreement_problem(item: VisitInput) -> str | None:
    """Why the facility may not settle the visit, or None. A hospital outside the agreements
    (Facility.designated False) is settled only from a paper bill (手工报销), which skips the
    agreement check."""
    if item.channel == Settlement.Channel.MANUAL and not item.facility.designated:
        return None
    if not item.facility.under_agreement_on(item.visit_date):
        return f"{item.facility.name} 在 {item.visit_date} 不在协议期内"
    return None


# ------------------------------------------------------------------------------ eligibility


@dataclass(frozen=True)
class _Enrollment:
    benefit_year: int
    benefit_start: date
    benefit_end: date


def payment_rule(name: str, kind: str, rate, annual_cap, source: str) -> ChronicRule:
    """A catalogue disease's payment rule as the rules read it (RULES.md 3.5): its kind decides
    whether the inpatient rates apply; a chronic disease may have its own rate and annual cap."""
    return ChronicRule(name=name, special=kind == DiseaseKind.SPECIAL, rate=rate, annual_cap=annual_cap, source=source)


class EligibilityLoader:
    """The eligibility of many people (RULES.md 3-5), read in a few queries per batch of new
    people: enrollments, hardship identities, approved applications, 门诊慢特病 approvals and
    两病 registrations, remote-care filings and the person's province; answers Eligibility
    for (person, day) from memory."""

    def __init__(self):
        self.enrollments: dict[int, list] = defaultdict(list)
        self.identities: dict[int, list] = defaultdict(list)
        self.approvals: dict[int, list] = defaultdict(list)
        self.filings: dict[int, list] = defaultdict(list)
        self.covers: dict[int, list] = defaultdict(list)  # person -> chronic_rules.Cover of approvals ever in force
        self.registrations: dict[int, list] = defaultdict(list)  # person -> (disease code or None, registered_on, ended_on) of 两病
        self.facility_names: dict[int, str] = {}
        self.catalogues: dict | None = None  # pooling region code -> {disease code or name: (code, name, kind)}
        self.rules: dict = {}  # pooling region code -> {disease code: ChronicRule}
        self.provinces: dict[str, str] = {}
        self.loaded: set[int] = set()

    def load(self, people) -> None:
        ids = list({p.pk for p in people} - self.loaded)
        if not ids:
            return
        self.loaded.update(ids)
        # Plain tuples, not model instances: a batch reads tens of thousands of these.
        for pid, *enrollment in (Enrollment.objects.filter(person__id__any=ids, status__in=Enrollment.PAID_STATUSES)
                                 .exclude(status=Enrollment.Status.SUSPENDED).order_by("benefit_start", "pk")
                                 .values_list("person_id", "benefit_year", "benefit_start", "benefit_end")):
            self.enrollments[pid].append(_Enrollment(*enrollment))
        for pid, *identity in (HardshipIdentity.objects.filter(person__id__any=ids)
                               .values_list("person_id", "code", "valid_from", "valid_to", "revoked_on")):
            self.identities[pid].append(identity)
        for pid, kind, decided_on in (Application.objects.filter(person__id__any=ids, status=Application.Status.APPROVED)
                                      .values_list("person_id", "kind", "decided_on")):
            self.approvals[pid].append((kind, decided_on))
        for pid, *filing in (RemoteCareFiling.objects.filter(person__id__any=ids, status=RemoteCareFiling.Status.VALID)
                             .order_by("valid_from", "pk")
                             .values_list("person_id", "pk", "kind", "destination_province", "destination_city", "valid_from", "valid_to")):
            self.filings[pid].append(filing)
        # Approvals once in force (approved, later revoked or expired): a visit inside their
        # period is still theirs. An application not approved has no period.
        for pid, code, facility_id, facility_name, start, end, ended in (
                ChronicApproval.objects.filter(person__id__any=ids, valid_from__isnull=False, status__in=(
                    ChronicApproval.Status.APPROVED, ChronicApproval.Status.REVOKED, ChronicApproval.Status.EXPIRED))
                .values_list("person_id", "disease__code", "facility_id", "facility__name", "valid_from", "valid_to", "ended_on")):
            self.covers[pid].append(chronic_rules.Cover(code, facility_id, start, end, ended))
            if facility_id is not None:
                self.facility_names[facility_id] = facility_name
        for pid, *registration in (TwoDiseasesRegistration.objects.filter(person__id__any=ids)
                                   .values_list("person_id", "disease__code", "registered_on", "ended_on")):
            self.registrations[pid].append(tuple(registration))
        roots = {p.region_path.split("/", 1)[0] for p in people} - set(self.provinces)
        if roots:
            self.provinces.update(Region.objects.filter(code__in=roots).values_list("code", "name"))

    def enrollment_on(self, person_id: int, day: date):
        """The first paid enrollment (not suspended) whose benefits have not ended by the day."""
        return next((e for e in self.enrollments[person_id] if e.benefit_end >= day), None)

    def registered(self, person: Person, day: date, said: str = "") -> bool:
        """Whether a 两病 registration holds on the day; for a 两病用药 bill naming its disease
        (高血压 or 糖尿病), a registration of that disease (or one carried over without a disease)."""
        code = None
        if said.strip():
            entry = self.disease(person, said)
            code = entry[0] if entry is not None and entry[2] == DiseaseKind.TWO_DISEASES else None
        return any(start <= day and (ended is None or day < ended) and (code is None or disease in (None, code))
                   for disease, start, ended in self.registrations[person.pk])

    def eligibility(self, person: Person, day: date, *, disease: str = "", facility_id: int | None = None,
                    two_diseases: str = "") -> Eligibility:
        """The person's eligibility on the visit date. `disease` (code or name) and
        `facility_id`: a chronic visit's, approved when an approval of that disease at that
        facility is valid on the day (RULES.md 3.5); a blank disease is not approved."""
        enrollment = self.enrollment_on(person.pk, day)
        insured, reason = False, "未参加居民医保，基本医保不支付"
        if enrollment is not None:
            if enrollment.benefit_start <= day <= enrollment.benefit_end:
                insured, reason = True, ""
            elif day < enrollment.benefit_start and enrollment.benefit_year == day.year:
                # The citation is the step's source (policy.source("waiting_period")), by region.
                reason = f"待遇等待期内（{enrollment.benefit_start:%Y-%m-%d}起享受待遇），基本医保不支付"
        approvals = self.approvals[person.pk]
        entry = self.disease(person, disease) if disease else None
        return Eligibility(
            insured=insured, uninsured_reason=reason,
            # HardshipIdentity.is_valid_on: from valid_from to valid_to, ended the day it was revoked.
            identities=tuple(sorted({code for code, start, end, revoked in self.identities[person.pk]
                                     if start <= day and (end is None or day <= end) and (revoked is None or day < revoked)})),
            two_diseases_registered=self.registered(person, day, two_diseases),
            assistance_approved=any(kind == "class_3_4" and decided <= day for kind, decided in approvals),
            tilted_approved=any(kind == "tilted" and decided <= day for kind, decided in approvals),
            chronic_approved=entry is not None and facility_id is not None and any(
                chronic_rules.covers(c, disease=entry[0], facility_id=facility_id, day=day) for c in self.covers[person.pk]),
        )

    def _load_catalogues(self) -> None:
        if self.catalogues is not None:
            return
        from benefits.services.policy import pooling_codes

        self.catalogues, self.rules = defaultdict(dict), defaultdict(dict)
        for region, code, name, kind, rate, cap, source in ChronicDisease.objects.values_list(
                "region__code", "code", "name", "kind", "rate", "annual_cap", "source"):
            self.catalogues[region][code] = self.catalogues[region][name] = (code, name, kind)
            self.rules[region][code] = payment_rule(name, kind, rate, cap, source)
        self._chronic_pooling = pooling_codes()

    def _pooling_of(self, person: Person) -> str:
        from benefits.services.policy import policy_key

        self._load_catalogues()
        return policy_key(person.region_path, self._chronic_pooling)

    def disease(self, person: Person, said: str):
        """(code, name, kind) of the catalogue disease of the person's pooling region that a
        bill names by code or by name, or None."""
        pooling = self._pooling_of(person)
        return self.catalogues.get(pooling, {}).get(said.strip())

    def chronic_rule(self, person: Person, code: str) -> ChronicRule:
        """The payment rule (RULES.md 3.5) of a disease of the person's pooling region, by code."""
        return self.rules[self._pooling_of(person)][code]

    @property
    def capped_diseases(self) -> bool:
        """Whether a catalogue disease has an annual cap of its own: the batch then reads what
        each person's chronic visits of a disease were paid this year."""
        self._load_catalogues()
        return any(rule.annual_cap is not None for rules in self.rules.values() for rule in rules.values())

    def chronic_refusal(self, person: Person, day: date, said: str, facility) -> str:
        """Why the chronic pool refuses a 门诊慢特病 visit ("" when an approval covers it;
        RULES.md 3.5): no disease named, one outside the catalogue, a 两病 (settled as 两病用药),
        or no approval of the disease valid that day at that facility."""
        if not said.strip():
            return "门诊慢特病结算须填写病种"
        entry = self.disease(person, said)
        if entry is None:
            return f"病种「{said.strip()}」不在参保人所在统筹区的门诊慢特病目录中"
        code, name, kind = entry
        if kind == DiseaseKind.TWO_DISEASES:
            return f"{name}属于两病，请按“两病用药”结算（须已办理两病登记）"
        return chronic_rules.refusal(self.covers[person.pk], disease=code, disease_name=name, facility_id=facility.pk,
                                     facility_name=facility.name, day=day, facility_names=self.facility_names)

    def filings_on(self, person_id: int, day: date) -> tuple:
        """The person's filings valid on the day (RemoteCareFiling.is_valid_on; revoked ones are not loaded)."""
        return tuple(Filing(pk, kind, province, city) for pk, kind, province, city, start, end in self.filings[person_id]
                     if start <= day and (end is None or day <= end))

    def pooling_area(self, person: Person):
        """The person's pooling region as places are matched against it (benefits.places), once per region."""
        from benefits.services.filings import pooling_area
        from benefits.services.policy import policy_key, pooling_codes

        areas = self.__dict__.setdefault("_areas", {})
        if "_pooling" not in self.__dict__:
            self._pooling = pooling_codes()  # once per loader: a batch locates thousands of visits outside the city
        code = policy_key(person.region_path, self._pooling)
        if code not in areas:
            region = Region.objects.filter(code=code).first() if code else None
            areas[code] = pooling_area(region) if region is not None else None
        return areas[code]

    def home_province(self, person: Person) -> str:
        return self.provinces.get(person.region_path.split("/", 1)[0], "")

    def locate(self, item: VisitInput) -> Located:
        """Where the visit took place, as the rules read it (RULES.md 3.2): in the city from the
        facility's level and city_level, outside from the filings valid on the admission date.
        LocationError when the bill claims a filing the records do not hold."""
        facility = item.facility
        if not item.outside_city:
            # X000 art. 20(一)3; every person is insured in a county or district (villages hang under them).
            return Located(in_city_location(facility_city_level=facility.city_level, facility_level=facility.level))
        if not facility.place_province:
            # A facility recorded in the city is care in the city, whatever the bill says (X000 art. 20(一)).
            raise LocationError("outside_in_city", f"{facility.name}在本统筹区内，就医地不能为“市外”")
        place = RemotePlace(item.place_province or facility.place_province, item.place_city or facility.place_city)
        area = self.pooling_area(item.person)
        if place_in_pooling_region(place.province, place.city, area):
            raise LocationError("inside_home", f"就医地（{place_text(place.province, place.city)}）在参保人所在统筹区"
                                               f"（{area.name}）内，应按市内就医结算")
        claimed = item.claimed_filing or ("long_term" if item.location == "remote_long_term" else "")
        filings = self.filings_on(item.person.pk, item.visit_date)
        located = remote_location(filings=filings, place=place, home_province=self.home_province(item.person), claimed=claimed,
                                  emergency_nondesignated=item.emergency_nondesignated or item.location == "remote_emergency_nondesignated")
        if item.location == "remote_filed" and not claimed and located.filing is None:
            # 市外已备案 without saying which filing: one of them must be on record.
            where = f"（{place.province}{place.city}）" if place.province else ""
            raise LocationError("missing_filing", f"结算单注明已办理异地就医备案{where}，但参保人在入院日没有有效的"
                                                  f"{'、'.join(FILING_KINDS.values())}")
        return located


def eligibility_for(person: Person, day: date, *, disease: str = "", facility_id: int | None = None) -> Eligibility:
    """One person's eligibility on a day (the trial form's prefill, one-time assistance): the
    loader's answer for a batch of one."""
    loader = EligibilityLoader()
    loader.load([person])
    return loader.eligibility(person, day, disease=disease, facility_id=facility_id)


def chronic_in_force(person: Person, day: date) -> list[tuple[str, Decimal]]:
    """(disease name, what the chronic pool paid for it this year) of each disease the person's
    approvals hold on the day, by code (the trial form's prefill)."""
    loader = EligibilityLoader()
    loader.load([person])
    codes = sorted({c.disease for c in loader.covers[person.pk] if chronic_rules.in_force(c, day)})
    paid = {code: amount for _pid, _year, code, amount in _paid_by_disease({(person.pk, day.year)})} if codes else {}
    return [(loader.disease(person, code)[1], paid.get(code, Decimal(0))) for code in codes if loader.disease(person, code)]


def _outpatient_today(person_id: int, day: date) -> Decimal:
    """General-outpatient fund already paid to the person on the day (the daily cap)."""
    return (Settlement.objects.filter(person_id=person_id, year=day.year, visit_date=day)
            .aggregate(s=Sum("outpatient_fund"))["s"] or Decimal(0))


# ------------------------------------------------------------------------------ the batch


def _paid_on_days(days: set) -> list[tuple]:
    """(person id, day, general-outpatient fund paid) for the (person id, day) pairs that have
    any: on PostgreSQL the pairs themselves are joined against the index on (person, year,
    visit date), so a batch reads only those days' rows, not every row of its people on any
    of its days (a year of prefilled visits: 40,000 rows a batch instead of a few hundred)."""
    if connection.vendor != "postgresql":
        rows = (Settlement.objects.filter(person__id__any=list({p for p, _ in days}), visit_date__in=list({d for _, d in days}))
                .exclude(outpatient_fund=0).values_list("person_id", "visit_date", "outpatient_fund"))
        return [(pid, day, amount) for pid, day, amount in rows if (pid, day) in days]
    pairs = list(days)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.person_id, s.visit_date, s.outpatient_fund FROM benefits_settlement s"
            " JOIN unnest(%s::bigint[], %s::smallint[], %s::date[]) AS d(person_id, year, visit_date)"
            " ON s.person_id = d.person_id AND s.year = d.year AND s.visit_date = d.visit_date WHERE s.outpatient_fund <> 0",
            ["{" + ",".join(str(p) for p, _ in pairs) + "}", "{" + ",".join(str(d.year) for _, d in pairs) + "}",
             "{" + ",".join(d.isoformat() for _, d in pairs) + "}"])
        return cursor.fetchall()


def _paid_by_disease(keys: set) -> list[tuple]:
    """(person id, year, disease code, chronic pool paid) of the (person id, year) pairs'
    chronic visits, reversals netted (their amounts are negative), by the index on (person, year)."""
    rows = (Settlement.objects.filter(person__id__any=list({p for p, _ in keys}), year__in=sorted({y for _, y in keys}),
                                      kind=Settlement.Kind.CHRONIC)
            .order_by().values_list("person_id", "year", "disease").annotate(paid=Sum("chronic_fund")))
    return [row for row in rows if (row[0], row[1]) in keys]


class YearTotals:
    """A person's PersonYear totals as a batch carries them (plain attributes: thousands are
    loaded per batch; update_rows writes them back by pk). pk is None until the row exists;
    revision is the row's as read (PersonYear.revision)."""

    __slots__ = ("pk", "person_id", "year", "revision", *YEAR_FIELDS)

    def __init__(self, pk, person_id, year, revision=0, *amounts):
        self.pk, self.person_id, self.year, self.revision = pk, person_id, year, revision
        for name, value in zip(YEAR_FIELDS, amounts or (ZERO,) * len(YEAR_FIELDS)):
            setattr(self, name, value)


def _year_totals(keys, *, lock: bool) -> dict[tuple, YearTotals]:
    """The PersonYear rows of (person, year) keys; with `lock`, every key gets its row (created
    now at zero) and the rows stay locked until the transaction ends."""
    keys = set(keys)
    found = _read_year_totals(keys, lock=lock)
    if lock:
        new = [key for key in keys if key not in found]
        if new:
            insert_ignoring_conflicts(PersonYear, ("person", "year", *YEAR_FIELDS), [(p, y, *(ZERO,) * len(YEAR_FIELDS)) for p, y in new])
            found.update(_read_year_totals(new, lock=True))
    return found


def _read_year_totals(keys, *, lock: bool) -> dict[tuple, YearTotals]:
    keys = set(keys)
    rows = PersonYear.objects.filter(person__id__any=list({p for p, _ in keys}), year__in={y for _, y in keys})
    found = {}
    for row in (rows.select_for_update() if lock else rows).values_list("pk", "person_id", "year", "revision", *YEAR_FIELDS):
        if (row[1], row[2]) in keys:
            found[(row[1], row[2])] = YearTotals(*row)
    return found


def parameter_set_digest(versions: dict) -> str:
    """The name of a set of parameter versions: a digest of its content (ParameterSet)."""
    text = json.dumps(versions, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class ParameterSets:
    """The parameter set (ParameterSet's digest) of each policy a batch settles with, computed
    once per policy (policies live as long as the batch), and the versions of each set named."""

    def __init__(self):
        self.of_policy: dict[int, str] = {}  # id(policy) -> digest
        self.versions: dict[str, dict] = {}  # digest -> versions

    def digest(self, policy) -> str:
        digest = self.of_policy.get(id(policy))
        if digest is None:
            versions = dict(policy.versions)
            digest = self.of_policy[id(policy)] = parameter_set_digest(versions)
            self.versions[digest] = versions
        return digest


def parameter_sets_store(sets: dict[str, dict]) -> None:
    """Make sure the named sets exist before rows name them. One that exists already is the
    same set (its name is its content) and is left as it is; a preview calls this never."""
    if sets:
        ParameterSet.objects.bulk_create([ParameterSet(digest=d, versions=v) for d, v in sets.items()], ignore_conflicts=True)


class SettlementBatch:
    """What the rules read for a run of visits, loaded once per batch of new people; year
    totals are kept in memory across the batches of one run and written with each batch."""

    def __init__(self):
        self.policies = {}
        self.policy_regions = None
        self.totals: dict[tuple, YearTotals] = {}
        self.outpatient_today: dict[tuple, Decimal] = defaultdict(Decimal)
        self.days_loaded: set[tuple] = set()
        # Chronic pool paid this year by (person, year, disease code): a disease's own annual cap
        # (RULES.md 3.5), read once per person and year when the catalogue has such a cap.
        self.disease_paid: dict[tuple, Decimal] = defaultdict(Decimal)
        self.disease_years_loaded: set[tuple] = set()
        self.loader = EligibilityLoader()
        self.parameter_sets = ParameterSets()

    def policy(self, person, day: date):
        """The policy in force for the person's region on the day, loaded once per chain of
        regions that hold parameters and per window in which none of them changes."""
        if self.policy_regions is None:
            self.policy_regions = set(PolicyParameter.objects.values_list("region__code", flat=True).distinct())
        chain = tuple(c for c in person.region_path.split("/") if c in self.policy_regions)
        windows = self.policies.setdefault(chain, [])
        for first, last, policy in windows:
            if first <= day and (last is None or day <= last):
                return policy
        policy, first, last = settlement_policy_window(person.village, day)
        windows.append((first, last, policy))
        return policy

    def load(self, items: list[VisitInput], *, lock: bool) -> None:
        """Eligibility and year totals of the batch's people; committing (`lock`), every total
        gets its row, created now and locked until the transaction ends."""
        people = {i.person.pk: i.person for i in items}
        years = {i.visit_date.year for i in items}
        missing = [(p, y) for p in people for y in years if (p, y) not in self.totals]
        if missing:
            self.totals.update(_year_totals(missing, lock=lock))
            for p, y in missing:  # a preview writes nothing: a person's first year starts at zero in memory
                self.totals.setdefault((p, y), YearTotals(None, p, y))
        # Outpatient fund already paid on the batch's days (the daily cap), read after the lock,
        # once per person and day: a day settled in this run was loaded before its first visit,
        # and memory keeps it from then on. Reversals (negative amounts) count too: a reversed
        # bill frees its share of the daily cap.
        days = {(i.person.pk, i.visit_date) for i in items} - self.days_loaded
        if days:
            self.days_loaded |= days
            for pid, day, amount in _paid_on_days(days):
                self.outpatient_today[(pid, day)] += amount
        self.loader.load(people.values())
        chronic = {(i.person.pk, i.visit_date.year) for i in items if i.kind == "chronic"} - self.disease_years_loaded
        if chronic and self.loader.capped_diseases:
            self.disease_years_loaded |= chronic
            for pid, year, code, paid in _paid_by_disease(chronic):
                self.disease_paid[(pid, year, code)] += paid

    def settle(self, item: VisitInput) -> tuple[VisitInput, Split, object]:
        """(the located visit, its split, the policy) on the running totals, which it then
        advances. SettlementError or LocationError for a visit that cannot be settled."""
        located = self.loader.locate(item)
        item = item.located(located)
        key, day = (item.person.pk, item.visit_date.year), (item.person.pk, item.visit_date)
        policy = self.policy(item.person, item.visit_date)
        chronic = item.kind == "chronic"
        if chronic:
            if refused := self.loader.chronic_refusal(item.person, item.visit_date, item.disease, item.facility):
                raise SettlementError("no_chronic_approval", refused, "disease")
            # The catalogue's code, as the rules and the stored row read it (a bill may name the
            # disease: 尿毒症透析 is the special disease uraemia_dialysis, at the inpatient rates).
            item.disease = self.loader.disease(item.person, item.disease)[0]
        eligibility = self.loader.eligibility(item.person, item.visit_date, disease=item.disease if chronic else "",
                                              facility_id=item.facility.pk,
                                              two_diseases=item.disease if item.kind == "two_diseases_drug" else "")
        if chronic:
            rule, disease_key = self.loader.chronic_rule(item.person, item.disease), (*key, item.disease)
            ytd = year_to_date(self.totals[key], self.outpatient_today[day], self.disease_paid[disease_key])
            split = settle(policy, item.visit(rule), eligibility, ytd)
            self.disease_paid[disease_key] += split.chronic_fund
        else:
            split = settle(policy, item.visit(), eligibility, year_to_date(self.totals[key], self.outpatient_today[day]))
        apply_split(self.totals[key], split)
        self.outpatient_today[day] += split.outpatient_fund
        return item, split, policy

    def undo(self, item: VisitInput, split: Split) -> None:
        """Take a settled visit back out of the running totals (a row refused after its split)."""
        apply_split(self.totals[(item.person.pk, item.visit_date.year)], split, sign=-1)
        self.outpatient_today[(item.person.pk, item.visit_date)] -= split.outpatient_fund
        if item.kind == "chronic" and split.chronic_fund:
            code = self.loader.disease(item.person, item.disease)[0]  # the bill may name it
            self.disease_paid[(item.person.pk, item.visit_date.year, code)] -= split.chronic_fund


# A settlement row's columns: what the settled visit gives (ROW_COLUMNS), then who wrote it and when.
ROW_COLUMNS = ("person_id", "facility_id", "bill_number", "kind", "visit_date", "discharge_date", "year", "location", "disease",
               "referral", "referred_from_deductible", "downward_referral", "in_province", "filing_id", "channel", "claim_received_on",
               *COST_LINES, *SPLIT_FIELDS, "parameter_set_id", "explanation", "status", "reason", "region_path")
SETTLEMENT_COLUMNS = (*ROW_COLUMNS, "reverses_id", "source_import_id", "created_by_id", "created_at")


def _settlement_lines(settled: list, sets: ParameterSets) -> list[str]:
    """The ROW_COLUMNS of settled visits ([(VisitInput, Split, policy)]) as COPY text lines
    (core.bulk.copy_line's format), written straight for every type the columns hold: a batch
    formats a hundred thousand rows. Each row names its policy's parameter set (`sets`)."""
    lines = []
    for item, split, policy in settled:
        costs = item.costs or {}
        digest = sets.digest(policy)
        discharge, claim, filing = item.discharge_date, item.claim_received_on, item.filing_id
        lines.append("\t".join((
            str(item.person.pk), str(item.facility.pk), copy_text(item.bill_number), item.kind, item.visit_date.isoformat(),
            discharge.isoformat() if discharge else NULL, str(item.visit_date.year), item.location, copy_text(item.disease), item.referral,
            str(Decimal(item.referred_from_deductible)), "t" if item.downward_referral else "f", "t" if item.in_province else "f",
            str(filing) if filing is not None else NULL, item.channel, claim.isoformat() if claim else NULL,
            *[str(Decimal(costs.get(line, 0))) for line in COST_LINES],
            # split_columns(split), in SPLIT_FIELDS order, without the dict
            str(split.total), str(split.class_b_first_pay), str(split.policy_range), str(split.location_first_pay), str(split.deductible),
            str(split.basic_fund), str(split.critical_illness), str(split.assistance), str(split.extra_assistance), str(split.personal),
            str(split.ci_base), str(split.ma_base + split.ma_base_chronic), str(split.outpatient_fund), str(split.chronic_fund),
            digest, copy_text(explanation_text(split)), Settlement.Status.SETTLED, "", copy_text(item.person.region_path),
        )))
    return lines


def settlements_write(*, batch: SettlementBatch, settled: list, user=None, source_import=None, with_ids: bool = False) -> list[int]:
    """Store settled visits ([(VisitInput, Split, policy)] from SettlementBatch.settle): the
    rows with COPY (cost lines, split, parameter set, explanation) and the touched year
    totals. The ids of the new rows when asked (in the order given)."""
    ids = reserve_ids(Settlement, len(settled)) if with_ids else []
    writer = "\t" + copy_line(_writer(user, source_import))
    lines = [line + writer for line in _settlement_lines(settled, batch.parameter_sets)]
    touched = [batch.totals[k] for k in {(i.person.pk, i.visit_date.year) for i, _s, _p in settled}]
    _store(lines, touched, ids=ids, sets=batch.parameter_sets.versions)
    return ids


def _writer(user, source_import, reverses=None) -> tuple:
    return (reverses.pk if reverses else None, source_import.pk if source_import else None, user.pk if user else None, timezone.now())


def _store(lines: list[str], totals: list, *, ids: list | None = None, sets: dict | None = None) -> None:
    """The one place settlement rows (SETTLEMENT_COLUMNS as copy_line text; with `ids`, their
    primary keys) and the year totals they change are written: the parameter sets the rows
    name (`sets`, digest -> versions) if new, rows by COPY, each touched year row once, its
    revision raised."""
    parameter_sets_store(sets or {})
    if ids:
        copy_lines(Settlement, ("id", *SETTLEMENT_COLUMNS), (f"{pk}\t{line}" for pk, line in zip(ids, lines)))
    else:
        copy_lines(Settlement, SETTLEMENT_COLUMNS, lines)
    for year in totals:
        year.revision += 1
    update_rows(PersonYear, totals, (*YEAR_FIELDS, "revision"))


# ------------------------------------------------------------------------------ kept plans
# A large import's preview settles every row; its commit may write what the preview computed
# instead of settling again (core.services.imports, chunked plans). The plan of a settled visit
# is its row (ROW_COLUMNS as JSON values) and what it adds to the person's year; a piece of the
# plan is written only while each of its people's year rows is at the revision the preview
# expects (nothing else settled or reversed for them since), so the stored rows and totals are
# exactly those settlements_write would have stored.


def settled_plan(batch: SettlementBatch, settled) -> list:
    """A settled visit ((VisitInput, Split, policy)) as a plan keeps it: [its row (ROW_COLUMNS)
    as copy_line text, person id, year, the year row's revision as read, what it adds to the
    year (Decimals in YEAR_FIELDS order)]."""
    item, split, _policy = settled
    [line] = _settlement_lines([settled], batch.parameter_sets)
    key = (item.person.pk, item.visit_date.year)
    amounts = year_amounts(split)
    return [line, key[0], key[1], batch.totals[key].revision, tuple(amounts[f] for f in YEAR_FIELDS)]


def settlements_write_planned(*, rows: list, totals: list, sets: dict, user=None, source_import=None) -> bool:
    """Write a piece of a kept plan: `rows` (settled_plan's text), `totals` ([person id, year,
    the revision the year row must have, the amounts the piece adds, as text]) and the
    parameter sets the rows name (digest -> versions). The year rows are locked first; when
    one is not at its expected revision, nothing is written and the answer is False (the
    piece must be settled again)."""
    expected = {(pid, year): (revision, deltas) for pid, year, revision, deltas in totals}
    current = _year_totals(expected, lock=True)
    if any(current[key].revision != revision for key, (revision, _deltas) in expected.items()):
        return False
    for key, (_revision, deltas) in expected.items():
        row = current[key]
        for name, delta in zip(YEAR_FIELDS, deltas):
            setattr(row, name, getattr(row, name) + Decimal(delta))
    writer = "\t" + copy_line(_writer(user, source_import))
    _store([line + writer for line in rows], list(current.values()), sets=sets)
    return True


# ------------------------------------------------------------------------------ the doors


def _duplicate(data: VisitInput) -> ServiceError:
    return ServiceError("duplicate_bill", f"{data.facility.name} 的结算单号 {data.bill_number} 已结算", "bill_number")


@transaction.atomic
def settlement_create(*, user, data: VisitInput, source_import=None) -> Settlement:
    """Settle one visit: a batch of one. The person's PersonYear row is locked first: two
    settlements of the same person are computed one after the other, each on the other's totals."""
    if not path_allowed(user, data.person.region_path):
        raise ServiceError("region_denied", f"{data.person.name} 不在您的管辖区划内", "person")
    problem = visit_dates_problem(data.visit_date, data.discharge_date, today=timezone.localdate())
    if problem:
        raise ServiceError("visit_dates", problem[1], problem[0])
    if refused := agreement_problem(data):
        raise ServiceError("no_agreement", refused, "visit_date")
    if Settlement.objects.filter(facility=data.facility, bill_number=data.bill_number, reverses__isnull=True).exists():
        raise _duplicate(data)
    batch = SettlementBatch()
    batch.load([data], lock=True)
    try:
        settled = batch.settle(data)
    except (SettlementError, LocationError) as error:
        raise ServiceError(error.code, error.message, error.field) from None
    try:
        # COPY's errors come from the driver: wrapped, a unique violation is Django's IntegrityError.
        with transaction.atomic(), connection.wrap_database_errors:
            [pk] = settlements_write(batch=batch, settled=[settled], user=user, source_import=source_import, with_ids=True)
    except IntegrityError:
        raise _duplicate(data) from None
    return Settlement.objects.select_related("facility", "person").get(pk=pk)


@transaction.atomic
def settlement_reverse(*, user, settlement: Settlement, reason: str) -> Settlement:
    """冲正: a reversal record with every amount negated, the original marked reversed, the
    year's totals reduced by what the original added. The settlement itself is never edited otherwise."""
    if not user.has_perm("benefits.reverse_settlement"):
        raise ServiceError("denied", "您没有冲正结算单的权限")
    from benefits.services.casework import READ_ONLY_BILLS, above_pooling_regions

    if above_pooling_regions(user):
        raise ServiceError("read_only", READ_ONLY_BILLS)
    original = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if not path_allowed(user, original.region_path):
        raise ServiceError("region_denied", "该结算单不在您的管辖区划内")
    if original.status != Settlement.Status.SETTLED:
        raise ServiceError("not_settled", "只能冲正状态为“已结算”的结算单")
    if not (reason or "").strip():
        raise ServiceError("reason", "请填写冲正原因", "reason")
    [totals] = _year_totals([(original.person_id, original.year)], lock=True).values()
    # The reversal keeps the bill's number: it belongs to that bill, which reverses links. A
    # number of its own ("<n>-R") could be a number the facility itself issues and imports.
    negated = {*COST_LINES, *SPLIT_FIELDS}
    row = {name: -getattr(original, name) if name in negated else getattr(original, name) for name in ROW_COLUMNS}
    row.update(status=Settlement.Status.REVERSAL, reason=reason.strip())
    add_to_year(totals, stored_year_amounts(original), sign=-1)
    [pk] = reserve_ids(Settlement, 1)
    row["explanation"] = JsonText.of(row["explanation"])
    _store([copy_line((*(row[name] for name in ROW_COLUMNS), *_writer(user, None, reverses=original)))], [totals], ids=[pk])
    original.status = Settlement.Status.REVERSED
    original.save(update_fields=["status"])
    return Settlement.objects.get(pk=pk)

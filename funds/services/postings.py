"""Postings from the domain into the fund ledger (RULES.md 7). Settlements: per facility and
settlement day, per fund, the benefit expense against what is payable to the facility; manual
claims (手工报销) per county and day against what the county office owes the persons, whom it
pays (S001 市级统筹 §三(三)). A day's settlements (and reversals) are read in one aggregate query
and posted once: each entry's key names its facility (or county) and day."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from benefits.models import Facility, Settlement
from core.models import Region, RegionLevel
from funds.models import AccountKind, Fund, JournalLine, SourceKind
from funds.services import ledger

ZERO = Decimal("0.00")
# The settlement's payment columns and the fund each is paid from (RULES.md 7: funds kept apart;
# the 倾斜/托底 assistance is the medical-assistance fund's, S001 §三(四)).
FUND_COLUMNS = (
    ("basic_fund", Fund.RESIDENT_BASIC),
    ("critical_illness", Fund.RESIDENT_CI),
    ("assistance", Fund.ASSISTANCE),
    ("extra_assistance", Fund.ASSISTANCE),
)


@dataclass
class DayPosting:
    """What one entry of a day will post: by county, each fund's amount."""

    holder: str  # "facility:<id>" or "county:<code>"
    facility_id: int | None
    amounts: dict  # (county code, fund) -> Decimal


def facility_labels(facilities) -> dict[int, str]:
    """pk -> a facility as fund pages name it: by its county unless the name says where, and its
    code (two counties' 北坪镇卫生院 are told apart)."""
    facilities = list(facilities)
    places = Facility.place_names(facilities)
    return {f.pk: f"{f.name_with_county(places)}（{f.code}）" for f in facilities}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants a settlement day covers, in the installation's time zone."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


class CityRegions:
    """A city's regions above the villages, read once: the county a row's region path lies in,
    and the region of a code (the city itself for a code it does not hold)."""

    def __init__(self, city: Region):
        self.city = city
        self.by_code = {r.code: r for r in Region.objects.filter(path__startswith=city.path).exclude(level=RegionLevel.VILLAGE)}

    def county_code(self, path: str) -> str:
        """The county (or, above the counties, the nearest region) of a region path."""
        codes = [c for c in path.split("/") if c]
        for code in codes:
            region = self.by_code.get(code)
            if region is not None and region.level == RegionLevel.COUNTY:
                return code
        return codes[-1] if codes else ""

    def region(self, code: str) -> Region:
        return self.by_code.get(code, self.city)


def settlement_day(city: Region, day: date) -> list[DayPosting]:
    """The day's settlements of the city's people, grouped as they are posted: direct bills by
    facility, manual claims by county; reversals net out on the day they were made."""
    start, end = day_bounds(day)
    sums = {f"sum_{column}": Sum(column) for column, _fund in FUND_COLUMNS}
    rows = (Settlement.objects.filter(created_at__gte=start, created_at__lt=end, region_path__startswith=city.path)
            .values("facility", "channel", "region_path").annotate(**sums).order_by())
    regions = CityRegions(city)
    postings: dict[str, DayPosting] = {}
    for row in rows:
        county = regions.county_code(row["region_path"])
        if row["channel"] == Settlement.Channel.MANUAL:
            holder, facility_id = f"county:{county}", None
        else:
            holder, facility_id = f"facility:{row['facility']}", row["facility"]
        posting = postings.setdefault(holder, DayPosting(holder, facility_id, defaultdict(lambda: ZERO)))
        for column, fund in FUND_COLUMNS:
            posting.amounts[(county, fund)] += row[f"sum_{column}"] or ZERO
    return list(postings.values())


@transaction.atomic
def post_settlement_day(city: Region, day: date) -> dict:
    """Post a day's settlements of a city: one entry per facility (and per county for manual
    claims), each fund's expense by county against the facility (or persons) payable. Posting
    the day again posts nothing. Returns counts."""
    regions = CityRegions(city)
    postings = settlement_day(city, day)
    facilities = Facility.objects.in_bulk([p.facility_id for p in postings if p.facility_id])
    labels = facility_labels(facilities.values())
    posted = skipped = 0
    for posting in postings:
        lines = []
        for (code, fund), amount in sorted(posting.amounts.items()):
            if amount == 0:
                continue
            county = regions.region(code)
            expense = ledger.account(fund, AccountKind.BENEFIT_EXPENSE, city)
            if posting.facility_id:
                payable = ledger.account(fund, AccountKind.FACILITY_PAYABLE, city, facilities[posting.facility_id])
            else:
                payable = ledger.account(fund, AccountKind.PERSON_PAYABLE, county)
            lines += [ledger.Line(expense, amount, county), ledger.Line(payable, -amount, county)]
        if not lines:
            continue
        if posting.facility_id:
            facility = facilities[posting.facility_id]
            kind, memo, ref = SourceKind.SETTLEMENTS, f"{day:%Y-%m-%d} {labels[facility.pk]} 结算待遇", facility.code
        else:
            county = regions.region(posting.holder.split(":", 1)[1])
            kind, memo, ref = SourceKind.MANUAL_CLAIMS, f"{day:%Y-%m-%d} {county.name} 手工报销", county.code
        _entry, created = ledger.post(city=city, posted_on=day, source_kind=kind, key=f"{kind}:{city.code}:{posting.holder}:{day}",
                                      memo=memo, lines=lines, source_ref=ref)
        posted += created
        skipped += not created
    return {"entries": posted, "already_posted": skipped}


# ------------------------------------------------------------------------------ contributions


def contributions_collected(city: Region, through: date) -> dict[str, Decimal]:
    """County code -> what the city's people have paid as their own contribution (个人应缴 of
    paid enrollments) with a payment date up to `through`; a cancelled (refunded) enrollment
    no longer counts."""
    from enrollment.models import Enrollment

    rows = (Enrollment.objects.filter(region_path__startswith=city.path, status__in=Enrollment.PAID_STATUSES,
                                      payment_date__lte=through)
            .values("region_path").annotate(total=Sum("amount_due")).order_by())
    regions = CityRegions(city)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        totals[regions.county_code(row["region_path"])] += row["total"] or ZERO
    return dict(totals)


def contributions_posted(city: Region, through: date | None = None) -> dict[str, Decimal]:
    """County code -> the 保险费收入 the ledger holds (up to a day; credits are negative: shown positive)."""
    lines = JournalLine.objects.filter(entry__city=city, fund=Fund.RESIDENT_BASIC, account__kind=AccountKind.CONTRIBUTION_INCOME)
    if through is not None:
        lines = lines.filter(posted_on__lte=through)
    rows = lines.values("county__code").annotate(total=Sum("amount")).order_by()
    return {row["county__code"]: -row["total"] for row in rows}


@transaction.atomic
def post_contribution_day(city: Region, day: date) -> dict:
    """Post, as of the end of `day`, what each county's contributions have come to since the
    ledger last saw them (RULES.md 7: collected by tax into the treasury): the day's payments,
    and any paid enrollment recorded late with an earlier payment date, less refunds. One entry
    for the city, a line pair per county: 国库 debited, 保险费收入 credited."""
    collected, posted = contributions_collected(city, day), contributions_posted(city)
    regions = CityRegions(city)
    treasury = ledger.account(Fund.RESIDENT_BASIC, AccountKind.TREASURY, city)
    income = ledger.account(Fund.RESIDENT_BASIC, AccountKind.CONTRIBUTION_INCOME, city)
    lines = []
    for code in sorted(set(collected) | set(posted)):
        change = collected.get(code, ZERO) - posted.get(code, ZERO)
        if change:
            county = regions.region(code)
            lines += [ledger.Line(treasury, change, county), ledger.Line(income, -change, county)]
    if not lines:
        return {"entries": 0, "amount": "0.00"}
    total = sum((line.amount for line in lines if line.account == treasury), ZERO)
    _entry, created = ledger.post(city=city, posted_on=day, source_kind=SourceKind.CONTRIBUTIONS, key=f"contributions:{city.code}:{day}",
                                  memo=f"{day:%Y-%m-%d} 居民医保个人缴费（含补记、退费）", lines=lines, source_ref=city.code)
    return {"entries": int(created), "amount": str(total)}


# ------------------------------------------------------------------------------ subsidised enrollment


def subsidies_paid(city: Region, through: date) -> dict[tuple[str, str], Decimal]:
    """(county code, payer) -> the subsidies (资助金额) of the city's paid enrollments with a
    payment date up to `through`, each by the payer of its identity (RULES.md 2.3:
    AssistanceClassRule.payer); a cancelled enrollment no longer counts."""
    from assistance.models import AssistanceClassRule, Payer
    from enrollment.models import Enrollment

    payers = dict(AssistanceClassRule.objects.values_list("identity_code", "payer"))
    rows = (Enrollment.objects.filter(region_path__startswith=city.path, status__in=Enrollment.PAID_STATUSES, payment_date__lte=through,
                                      subsidy__gt=0)
            .values("region_path", "subsidy_identity").annotate(total=Sum("subsidy")).order_by())
    regions = CityRegions(city)
    totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        payer = payers.get(row["subsidy_identity"], Payer.ASSISTANCE_FUND)
        totals[(regions.county_code(row["region_path"]), payer)] += row["total"] or ZERO
    return dict(totals)


def income_by_party(city: Region, kind: str, through: date | None = None) -> dict[tuple[str, str], Decimal]:
    """(county code, party) -> what an income account of the resident fund holds (up to a day;
    credits are negative: shown positive)."""
    lines = JournalLine.objects.filter(entry__city=city, fund=Fund.RESIDENT_BASIC, account__kind=kind)
    if through is not None:
        lines = lines.filter(posted_on__lte=through)
    rows = lines.values("county__code", "party").annotate(total=Sum("amount")).order_by()
    return {(row["county__code"], row["party"]): -row["total"] for row in rows}


def subsidies_posted(city: Region, through: date | None = None) -> dict[tuple[str, str], Decimal]:
    """(county code, payer) -> the 资助参保缴费收入 the ledger holds (up to a day)."""
    return income_by_party(city, AccountKind.SUBSIDISED_CONTRIBUTION, through)


@transaction.atomic
def post_subsidy_day(city: Region, day: date) -> dict:
    """Post, as of the end of `day`, the change in each county's subsidised contributions by payer
    (RULES.md 2.3, 7). The resident fund credits 资助参保缴费收入 against what the payer owes: the
    medical-assistance fund pays into the fiscal special account, so its own fund records the
    expenditure; a department or the county government owes it through the county's finance
    (县级财政). Each line names its payer (辅助核算)."""
    from assistance.models import Payer

    paid, posted = subsidies_paid(city, day), subsidies_posted(city)
    regions = CityRegions(city)
    income = ledger.account(Fund.RESIDENT_BASIC, AccountKind.SUBSIDISED_CONTRIBUTION, city)
    lines = []
    for key in sorted(set(paid) | set(posted)):
        change = paid.get(key, ZERO) - posted.get(key, ZERO)
        if not change:
            continue
        code, payer = key
        county = regions.region(code)
        if payer == Payer.ASSISTANCE_FUND:
            lines += [ledger.Line(ledger.account(Fund.RESIDENT_BASIC, AccountKind.FISCAL_SPECIAL, city), change, county, payer),
                      ledger.Line(ledger.account(Fund.ASSISTANCE, AccountKind.BENEFIT_EXPENSE, city), change, county, payer),
                      ledger.Line(ledger.account(Fund.ASSISTANCE, AccountKind.FISCAL_SPECIAL, city), -change, county, payer)]
        else:
            lines.append(ledger.Line(ledger.account(Fund.RESIDENT_BASIC, AccountKind.FISCAL_COUNTY, county), change, county, payer))
        lines.append(ledger.Line(income, -change, county, payer))
    if not lines:
        return {"entries": 0, "amount": "0.00"}
    total = -sum((line.amount for line in lines if line.account == income), ZERO)
    _entry, created = ledger.post(city=city, posted_on=day, source_kind=SourceKind.SUBSIDY_RUN, key=f"subsidies:{city.code}:{day}",
                                  memo=f"{day:%Y-%m-%d} 资助参保缴费（按资金来源）", lines=lines, source_ref=city.code)
    return {"entries": int(created), "amount": str(total)}


# ------------------------------------------------------------------------------ fiscal subsidies per head

FISCAL_LEVEL_ACCOUNTS = {"central": AccountKind.FISCAL_CENTRAL, "province": AccountKind.FISCAL_PROVINCE,
                         "county": AccountKind.FISCAL_COUNTY}
FISCAL_PARAMETERS = {"central": "fiscal_central_per_head", "poverty_county": "fiscal_province_share.poverty_county",
                     "other_county": "fiscal_province_share.other_county"}


def fiscal_shares(city: Region, scheme_id: int, year: int, poverty_county: bool, cache: dict):
    """The year's subsidy per head of a scheme split by level (funds.rules.fiscal), from the
    scheme's standard and the city's parameters in force on the year's first day; None when the
    year has no standard or no central amount."""
    from benefits.services.policy import parameter_in_force
    from enrollment.models import ContributionStandard
    from funds.rules.fiscal import per_head_shares

    key = (scheme_id, year, poverty_county)
    if key not in cache:
        standard = ContributionStandard.objects.filter(scheme_id=scheme_id, benefit_year=year).first()
        first = date(year, 1, 1)
        central = parameter_in_force(city, FISCAL_PARAMETERS["central"], first)
        share = parameter_in_force(city, FISCAL_PARAMETERS["poverty_county" if poverty_county else "other_county"], first)
        cache[key] = (None if standard is None or central is None or share is None
                      else per_head_shares(standard.fiscal_subsidy, Decimal(central.value), Decimal(share.value)))
    return cache[key]


def fiscal_subsidies_due(city: Region, through: date) -> tuple[dict[tuple[str, str], Decimal], list[str]]:
    """(county code, level) -> the fiscal subsidies per head the city's paid enrollments bring,
    for every benefit year begun by `through` (a year's subsidy counts from its first day, or from
    the payment date of a later enrollment), and the years left out for want of a standard or a
    parameter. A cancelled enrollment no longer counts."""
    from django.db.models import Count

    from enrollment.models import Enrollment
    from funds.rules.fiscal import by_level

    rows = (Enrollment.objects.filter(region_path__startswith=city.path, status__in=Enrollment.PAID_STATUSES, payment_date__lte=through,
                                      benefit_year__lte=through.year)
            .values("region_path", "scheme", "benefit_year").annotate(heads=Count("pk")).order_by())
    regions = CityRegions(city)
    totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    missing, cache = set(), {}
    for row in rows:
        code = regions.county_code(row["region_path"])
        shares = fiscal_shares(city, row["scheme"], row["benefit_year"], regions.region(code).poverty_alleviation_county, cache)
        if shares is None:
            missing.add(str(row["benefit_year"]))
            continue
        for level, amount in by_level(row["heads"], shares).items():
            totals[(code, level)] += amount
    return dict(totals), sorted(missing)


def fiscal_subsidies_posted(city: Region, through: date | None = None) -> dict[tuple[str, str], Decimal]:
    """(county code, level) -> the 财政补助收入 the ledger holds (up to a day)."""
    return income_by_party(city, AccountKind.SUBSIDY_INCOME, through)


@transaction.atomic
def post_fiscal_subsidy_day(city: Region, day: date) -> dict:
    """Post, as of the end of `day`, the change in each county's fiscal subsidies per head by level
    (N004 §一): 财政补助收入 credited against what the central, provincial and county finance owe
    (中央财政 and 省级财政 pay directly to the city, 县级财政 of each county pays up). Each line
    names its level (辅助核算)."""
    due, missing = fiscal_subsidies_due(city, day)
    posted = fiscal_subsidies_posted(city)
    regions = CityRegions(city)
    income = ledger.account(Fund.RESIDENT_BASIC, AccountKind.SUBSIDY_INCOME, city)
    lines = []
    for key in sorted(set(due) | set(posted)):
        change = due.get(key, ZERO) - posted.get(key, ZERO)
        if not change:
            continue
        code, level = key
        county = regions.region(code)
        holder = county if level == "county" else city
        lines += [ledger.Line(ledger.account(Fund.RESIDENT_BASIC, FISCAL_LEVEL_ACCOUNTS[level], holder), change, county, level),
                  ledger.Line(income, -change, county, level)]
    if not lines:
        return {"entries": 0, "amount": "0.00", "missing_years": missing}
    total = -sum((line.amount for line in lines if line.account == income), ZERO)
    _entry, created = ledger.post(city=city, posted_on=day, source_kind=SourceKind.FISCAL_SUBSIDY, key=f"fiscal_subsidies:{city.code}:{day}",
                                  memo=f"{day:%Y-%m-%d} 居民医保财政补助（按参保人数和级次）", lines=lines, source_ref=city.code)
    return {"entries": int(created), "amount": str(total), "missing_years": missing}

"""Loading the settlement policy in force for a region on a day, and the presets."""

from datetime import date, timedelta

from django.db import transaction

from assistance.models import AssistanceClassRule
from benefits import presets
from benefits.presets_claims import CLAIM_PRESETS
from benefits.models import PolicyParameter
from benefits.rules.policy import build_policy
from benefits.rules.settlement import SettlementError, SettlementPolicy
from core.models import Region
from enrollment.services.policy import NoSchemeError, scheme_for_region

PRESET_START = date(2021, 1, 1)
ONE_DAY = timedelta(days=1)
# Which presets each pooling region gets: 咸宁's resident scheme for 咸宁 and 十堰 (until 十堰's
# own are loaded), 吉林's for 吉林; the CI scheme and 十堰's medical assistance for all. A value
# taken from another region's document is loaded unconfirmed, its source saying so (preset_row).
PRESET_REGIONS = {"421200": presets.XIANNING_BASIC, "420300": presets.XIANNING_BASIC, "220000": presets.JILIN_BASIC}


def pooling_region(region: Region) -> Region | None:
    """The pooling region (统筹区) a region belongs to: its nearest ancestor with an interface
    code (Region.slug is set for pooling regions only: 咸宁市, 十堰市, 吉林省)."""
    return next((r for r in region.ancestors() if r.slug), None)


def parameter_in_force(region: Region, name: str, day: date) -> PolicyParameter | None:
    """One parameter of the region's pooling region in force on the day (RULES.md 5a: one set
    per pooling region, never per county), or None."""
    pooling = pooling_region(region)
    if pooling is None:
        return None
    return (PolicyParameter.objects.filter(region=pooling, name=name, valid_from__lte=day)
            .exclude(valid_to__lt=day).order_by("-valid_from").first())


def pooling_codes() -> frozenset[str]:
    """Codes of the pooling regions (the regions with an interface code), in one query."""
    return frozenset(Region.objects.exclude(slug__isnull=True).exclude(slug="").values_list("code", flat=True))


def policy_key(region_path: str, pooling: frozenset[str] | None = None) -> str | None:
    """The code of the pooling region whose parameters a region reads (RULES.md 5a): the deepest
    pooling-region code in its path. Every region with the same key settles under the same
    policy, so a batch may cache one policy per key (and per window of days)."""
    pooling = pooling_codes() if pooling is None else pooling
    return next((c for c in reversed([c for c in region_path.split("/") if c]) if c in pooling), None)


def settlement_policy(region: Region, day: date) -> SettlementPolicy:
    """The parameters of the region's pooling region in force on the day."""
    return settlement_policy_window(region, day)[0]


def settlement_policy_window(region: Region, day: date) -> tuple[SettlementPolicy, date, date | None]:
    """The policy in force on the day and the days it stays the same (first, last; last None
    when open-ended): no parameter of the pooling region starts or ends inside them. Batch
    callers reuse it for every visit in the window (keyed by policy_key). Rows of a county or
    any other region that is not a pooling region are never read: one standard for the whole
    pooling region (X000 art. 4 统一待遇标准; S001 市级统筹 §三(二); N004 §四)."""
    pooling = pooling_region(region)
    every = list(PolicyParameter.objects.filter(region=pooling)) if pooling else []
    rows = [r for r in every if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day)]
    if not rows:
        raise SettlementError("no_policy", f"{region.name} 在 {day} 没有生效的待遇政策参数，请联系市局", "region")
    first = max([r.valid_from for r in every if r.valid_from <= day] + [r.valid_to + ONE_DAY for r in every if r.valid_to and r.valid_to < day])
    ends = [r.valid_from - ONE_DAY for r in every if r.valid_from > day] + [r.valid_to for r in every if r.valid_to and r.valid_to >= day]
    chosen: dict[str, PolicyParameter] = {}
    for row in sorted(rows, key=lambda r: r.valid_from):
        chosen[row.name] = row  # the later start wins where two rows of a name overlap
    values = {name: row.value for name, row in chosen.items()}
    classes = dict(AssistanceClassRule.objects.exclude(assistance_class__isnull=True).values_list("identity_code", "assistance_class"))
    sources = {**citations(pooling), **{n: r.source for n, r in chosen.items()}}
    try:
        policy = build_policy(values, ma_class_of=classes, sources=sources,
                              versions={n: [r.pk, r.version] for n, r in chosen.items()})
    except KeyError as missing:
        raise SettlementError("incomplete_policy", f"{region.name} 的待遇政策参数不完整，缺少 {missing.args[0]}", "region") from None
    return policy, first, min(ends) if ends else None


# The documents each pooling region's own rules come from (shared/policy/README.md); a value
# or rule taken from another region's document says so in its source (RULES.md 5a).
OWN_DOCUMENTS = {"421200": ("X000", "N004"), "420300": ("S001",), "220000": ("J003",)}
DOCUMENT_REGION = {"X000": "咸宁", "N004": "咸宁", "S001": "十堰", "J003": "吉林"}
SHORT_NAMES = {"421200": "咸宁", "420300": "十堰", "220000": "吉林"}
# Explanation steps that cite a rule rather than a parameter, by the pooling region's own
# documents where it has one: the catalogue (X000 art. 25; J003 §二(四)13-14), unreferred care
# outside medical assistance (S001 §六(十一)), assistance on application (S001 §四(六)).
# The waiting period comes from the region's resident scheme (its mid-year article).
RULE_CITATIONS = {
    "catalogue": {"421200": "X000 art. 25", "420300": "X000 art. 25", "220000": "J003 §二(四)13-14"},
    "unreferred": {"421200": "S001 §六(十一)", "420300": "S001 §六(十一)", "220000": "S001 §六(十一)"},
    "application": {"421200": "S001 §四(六)", "420300": "S001 §四(六)", "220000": "S001 §四(六)"},
    "waiting_period": {"421200": "X000 art. 11", "420300": "X000 art. 11", "220000": "J003 §二(一)3"},
    # Chronic benefits on application (RULES.md 3.5): X000 art. 17 "达到规定标准的,可申报办理";
    # 吉林 J003 §二(三)10. 十堰 cites X000 as borrowed from 咸宁 (borrowed_source).
    "chronic_application": {"421200": "X000 art. 17", "420300": "X000 art. 17", "220000": "J003 §二(三)10"},
}


def borrowed_source(source: str, region_code: str) -> str:
    """The source as the region cites it: a source naming only other regions' documents gets
    "（十堰未规定，沿用咸宁办法）" (RULES.md 5a). Sources of regions without own documents, and
    sources that already say where they come from (未规定, 沿用, not from the sources), stay."""
    own = OWN_DOCUMENTS.get(region_code)
    cited = [doc for doc in DOCUMENT_REGION if doc in source]
    if not own or not cited or any(doc in own for doc in cited):
        return source
    if any(note in source for note in ("未规定", "沿用", "not from the sources")):
        return source
    return f"{source}（{SHORT_NAMES[region_code]}未规定，沿用{DOCUMENT_REGION[cited[0]]}办法）"


def citations(pooling: Region | None) -> dict[str, str]:
    """The sources of the explanation steps that no parameter carries, for the pooling region."""
    if pooling is None:
        return {}
    cited = {family: borrowed_source(by_region[pooling.code], pooling.code)
             for family, by_region in RULE_CITATIONS.items() if pooling.code in by_region}
    try:  # the waiting period is the region's resident scheme's (J003 §二(一)3 for 吉林)
        mid_year = scheme_for_region(pooling).articles.get("mid_year")
    except NoSchemeError:
        mid_year = None
    if mid_year:
        cited["waiting_period"] = borrowed_source(mid_year, pooling.code)
    return cited


def preset_row(region_code: str, row: tuple) -> tuple:
    """A preset row (name, value, unit, source, confirmed, ...) as the region loads it: a value
    copied from another region's document is unconfirmed and its source says so (RULES.md 5a)."""
    name, value, unit, source, confirmed, *rest = row
    marked = borrowed_source(source, region_code)
    return (name, value, unit, marked, confirmed and marked == source, *rest)


def _period(rest: tuple) -> tuple[date, date | None]:
    """A preset row's dates after its five fields: none (from PRESET_START, open-ended) or
    (valid_from, valid_to), valid_to None when open-ended."""
    dates = [d for d in rest if d is None or isinstance(d, date)]
    valid_from = dates[0] if dates and dates[0] else PRESET_START
    return valid_from, dates[1] if len(dates) > 1 else None


def preset_rows() -> list[tuple]:
    """Every preset parameter as (region code, scheme, name, value, unit, source, confirmed,
    valid_from, valid_to), as each pooling region loads it (see preset_row)."""
    rows = []
    for code, basic in PRESET_REGIONS.items():
        for scheme, preset in ((presets.BASIC, basic), (presets.CI, presets.CRITICAL_ILLNESS), (presets.MA, presets.MEDICAL_ASSISTANCE)):
            for row in preset:
                name, value, unit, source, confirmed, *rest = preset_row(code, row)
                rows.append((code, scheme, name, value, unit, source, confirmed, *_period(tuple(rest))))
        # Dated rows (benefits.presets.BASIC_PERIODS: the maternity cap 900 until 2022, then 1,000)
        for row in presets.BASIC_PERIODS.get(code, ()):
            name, value, unit, source, confirmed, *rest = preset_row(code, row)
            rows.append((code, presets.BASIC, name, value, unit, source, confirmed, *_period(tuple(rest))))
    for code, scheme, name, value, unit, source, confirmed, *rest in CLAIM_PRESETS:
        rows.append((code, scheme, name, value, unit, source, confirmed, *_period(tuple(rest))))
    return rows


@transaction.atomic
def load_settlement_presets() -> int:
    """Create the preset parameters a pooling region does not have yet (same region, scheme,
    name and start); rows officers edited are left as they are. Returns how many were created."""
    created = 0
    regions = {r.code: r for r in Region.objects.filter(code__in={row[0] for row in preset_rows()})}
    for code, scheme, name, value, unit, source, confirmed, valid_from, valid_to in preset_rows():
        if code not in regions:
            continue
        _, made = PolicyParameter.objects.get_or_create(
            region=regions[code], scheme=scheme, name=name, valid_from=valid_from,
            defaults={"value": str(value), "unit": unit, "source": source, "confirmed": confirmed, "valid_to": valid_to},
        )
        created += made
    return created + load_chronic_presets(regions.values())


def catalogue_source(source: str, region_code: str) -> str:
    """A preset's source for a region: the 十堰 employee measures name diseases for 十堰 only;
    elsewhere the region's documents are silent (not from the sources)."""
    if "S001" in source and region_code != "420300":
        return f"{source} (not from the sources)"
    return source


def load_chronic_presets(regions) -> int:
    """The 门诊慢特病 catalogue presets (benefits.presets_chronic) of each pooling region that
    lacks a code; diseases officers edited are left as they are. Returns how many were created."""
    from benefits.models import ChronicDisease
    from benefits.presets_chronic import CATALOGUE, VALIDITY_MONTHS

    created = 0
    for region in regions:
        for code, name, kind, min_level, max_level, evidence, source, confirmed in CATALOGUE:
            source = catalogue_source(source, region.code)
            _, made = ChronicDisease.objects.get_or_create(region=region, code=code, defaults={
                "name": name, "kind": kind, "min_level": min_level, "max_level": max_level, "evidence": evidence,
                "validity_months": VALIDITY_MONTHS, "source": source, "confirmed": confirmed})
            created += made
    return created

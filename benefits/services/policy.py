"""Loading the settlement policy in force for a region on a day, and the presets."""

from datetime import date, timedelta

from django.db import transaction

from assistance.models import AssistanceClassRule
from benefits import presets
from benefits.models import PolicyParameter
from benefits.rules.policy import build_policy
from benefits.rules.settlement import SettlementError, SettlementPolicy
from core.models import Region

PRESET_START = date(2021, 1, 1)
ONE_DAY = timedelta(days=1)
# Which presets each pooling region gets: 咸宁's resident scheme for 咸宁 and 十堰 (until 十堰's
# own are loaded), 吉林's for 吉林; the CI scheme and 十堰's medical assistance for all.
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


def settlement_policy(region: Region, day: date) -> SettlementPolicy:
    """The parameters in force on the day for the region's nearest ancestor that has them."""
    return settlement_policy_window(region, day)[0]


def settlement_policy_window(region: Region, day: date) -> tuple[SettlementPolicy, date, date | None]:
    """The policy in force on the day and the days it stays the same (first, last; last None
    when open-ended): no parameter of the region's chain starts or ends inside them. Batch
    callers reuse it for every visit in the window."""
    codes = [c for c in region.path.split("/") if c]
    every = list(PolicyParameter.objects.filter(region__code__in=codes).select_related("region"))
    rows = [r for r in every if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day)]
    if not rows:
        raise SettlementError("no_policy", f"{region.name} 在 {day} 没有生效的待遇政策参数，请联系市局", "region")
    first = max([r.valid_from for r in every if r.valid_from <= day] + [r.valid_to + ONE_DAY for r in every if r.valid_to and r.valid_to < day])
    ends = [r.valid_from - ONE_DAY for r in every if r.valid_from > day] + [r.valid_to for r in every if r.valid_to and r.valid_to >= day]
    depth = {code: i for i, code in enumerate(codes)}
    chosen: dict[str, PolicyParameter] = {}
    for row in sorted(rows, key=lambda r: (depth[r.region.code], r.valid_from)):
        chosen[row.name] = row  # deeper regions and later starts win
    values = {name: row.value for name, row in chosen.items()}
    classes = dict(AssistanceClassRule.objects.exclude(assistance_class__isnull=True).values_list("identity_code", "assistance_class"))
    try:
        policy = build_policy(values, ma_class_of=classes, sources={n: r.source for n, r in chosen.items()},
                              versions={n: [r.pk, r.version] for n, r in chosen.items()})
    except KeyError as missing:
        raise SettlementError("incomplete_policy", f"{region.name} 的待遇政策参数不完整，缺少 {missing.args[0]}", "region") from None
    return policy, first, min(ends) if ends else None


@transaction.atomic
def load_settlement_presets() -> int:
    created = 0
    for code, basic in PRESET_REGIONS.items():
        region = Region.objects.filter(code=code).first()
        if region is None:
            continue
        for scheme, rows in ((presets.BASIC, basic), (presets.CI, presets.CRITICAL_ILLNESS), (presets.MA, presets.MEDICAL_ASSISTANCE)):
            for name, value, unit, source, confirmed in rows:
                _, made = PolicyParameter.objects.get_or_create(
                    region=region, scheme=scheme, name=name, valid_from=PRESET_START,
                    defaults={"value": str(value), "unit": unit, "source": source, "confirmed": confirmed},
                )
                created += made
    return created

"""Resident-scheme parameters: loading presets, finding a region's scheme, and turning the
parameter rows into the pure ResidentPolicy the rules read."""

from django.db import transaction

from core.models import Region
from enrollment import presets
from enrollment.models import (
    CollectionWindow,
    ContributionStandard,
    ResidentScheme,
    SchemeAssignment,
    SubsidyRule,
    parse_month_day,
)
from enrollment.rules.terms import ResidentPolicy, SchemeRules, Standard, SubsidyRule as SubsidyValue, TermsError, Window


class NoSchemeError(TermsError):
    def __init__(self, region):
        super().__init__("no_scheme", f"{region} 未配置居民医保方案，请联系市局", "region")


def scheme_for_region(region: Region) -> ResidentScheme:
    """The scheme assigned to the region or its nearest ancestor."""
    codes = [c for c in region.path.split("/") if c]
    assignments = {a.region.code: a.scheme for a in SchemeAssignment.objects.filter(region__code__in=codes).select_related("region", "scheme")}
    for code in reversed(codes):
        if code in assignments:
            return assignments[code]
    raise NoSchemeError(region)


def resident_policy(scheme: ResidentScheme) -> ResidentPolicy:
    rules = SchemeRules(
        code=scheme.code,
        waiting_unit=scheme.waiting_unit,
        waiting_length=scheme.waiting_length,
        students_wait=scheme.students_wait,
        newborn_birth_year_free=scheme.newborn_birth_year_free,
        newborn_registration_years=scheme.newborn_registration_years,
        transfer_grace_months=scheme.transfer_grace_months,
        employee_continuous_years=scheme.employee_continuous_years,
        college_own_period=scheme.college_own_period,
        resident_window=(parse_month_day(scheme.resident_window_opens), parse_month_day(scheme.resident_window_closes)),
        college_window=(parse_month_day(scheme.college_window_opens), parse_month_day(scheme.college_window_closes)),
        articles=dict(scheme.articles or {}),
    )
    windows = tuple(
        Window(w.benefit_year, w.kind, w.opens_on, w.closes_on, w.source) for w in CollectionWindow.objects.filter(scheme=scheme)
    )
    standards = {
        s.benefit_year: Standard(s.benefit_year, s.individual, s.fiscal_subsidy, s.source)
        for s in ContributionStandard.objects.filter(scheme=scheme)
    }
    subsidies = tuple(
        SubsidyValue(r.identity_code, r.from_year, r.to_year, r.percent, r.fixed_amount, r.source)
        for r in SubsidyRule.objects.filter(scheme=scheme)
    )
    return ResidentPolicy(rules=rules, windows=windows, standards=standards, subsidies=subsidies)


def policy_for_region(region: Region) -> ResidentPolicy:
    return resident_policy(scheme_for_region(region))


class PolicyCache:
    """Policies for one import or request: the scheme assignments are read once, each
    scheme's parameters once, whatever the number of villages and rows."""

    def __init__(self):
        self._assignments = None
        self._by_scheme = {}

    def scheme(self, region: Region) -> ResidentScheme:
        if self._assignments is None:
            self._assignments = {a.region.code: a.scheme for a in SchemeAssignment.objects.select_related("region", "scheme")}
        for code in reversed([c for c in region.path.split("/") if c]):
            if code in self._assignments:
                return self._assignments[code]
        raise NoSchemeError(region)

    def policy(self, region: Region) -> ResidentPolicy:
        scheme = self.scheme(region)
        if scheme.pk not in self._by_scheme:
            self._by_scheme[scheme.pk] = resident_policy(scheme)
        return self._by_scheme[scheme.pk]


@transaction.atomic
def load_resident_presets() -> dict:
    """Create the preset regions, schemes (with their default collection windows), standards
    and subsidies that do not exist yet. Existing rows are left as officers edited them. Returns counts of created rows."""
    created = {"regions": 0, "schemes": 0, "standards": 0, "subsidies": 0, "assignments": 0}
    for code, name, level, parent_code, slug in presets.REGIONS:
        if not Region.objects.filter(code=code).exists():
            parent = Region.objects.get(code=parent_code) if parent_code else None
            Region.objects.create(code=code, name=name, level=level, parent=parent, slug=slug)
            created["regions"] += 1
    for code, values in presets.SCHEMES.items():
        scheme, made = ResidentScheme.objects.get_or_create(code=code, defaults=values)
        created["schemes"] += made
        for year, individual, fiscal, source, confirmed in presets.STANDARDS:
            _, made = ContributionStandard.objects.get_or_create(
                scheme=scheme, benefit_year=year,
                defaults={"individual": individual, "fiscal_subsidy": fiscal, "source": source, "confirmed": confirmed and scheme.confirmed},
            )
            created["standards"] += made
        if not scheme.subsidy_rules.exists():
            for identity, from_year, to_year, percent, fixed, source in presets.SUBSIDIES:
                SubsidyRule.objects.create(
                    scheme=scheme, identity_code=identity, from_year=from_year, to_year=to_year,
                    percent=percent, fixed_amount=fixed, source=source, confirmed=scheme.confirmed,
                )
                created["subsidies"] += 1
    for region_code, scheme_code in presets.ASSIGNMENTS:
        _, made = SchemeAssignment.objects.get_or_create(
            region=Region.objects.get(code=region_code), defaults={"scheme": ResidentScheme.objects.get(code=scheme_code)}
        )
        created["assignments"] += made
    return created

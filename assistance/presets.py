"""RULES.md section 1: the medical-assistance class of each identity (S001 §二)."""

CLASSES = {
    "extreme_poverty": 1, "orphan": 1,
    "subsistence_allowance": 2, "returned_to_poverty": 2,
    "low_income_edge": 3, "monitored_unstable": 3, "monitored_edge": 3, "monitored_sudden": 3,
    "illness_poverty": 4, "county_special": 4,
    "disabled_unable_to_work": None, "entitled_veteran": None, "severe_mental_illness": None,
    "family_planning_hardship": None, "low_income_elder_or_minor": None, "stable_out_of_poverty": None,
}


# RULES.md 2.3: the MA fund pays for MA classes, rural revitalisation for monitored people;
# the other subsidies fall to the certifying department or the county (X000 art. 9).
PAYERS = {
    "monitored_unstable": "rural_revitalisation", "monitored_edge": "rural_revitalisation", "monitored_sudden": "rural_revitalisation",
    "stable_out_of_poverty": "rural_revitalisation", "disabled_unable_to_work": "disabled_federation", "entitled_veteran": "veterans",
    "severe_mental_illness": "health", "family_planning_hardship": "health", "low_income_elder_or_minor": "county_government",
    "county_special": "county_government",
}


def load_assistance_presets() -> int:
    from assistance.models import AssistanceClassRule

    created = 0
    for code, cls in CLASSES.items():
        _, made = AssistanceClassRule.objects.get_or_create(identity_code=code, defaults={
            "assistance_class": cls, "payer": PAYERS.get(code, "assistance_fund"), "source": "S001 §二; RULES.md 2.3"})
        created += made
    return created

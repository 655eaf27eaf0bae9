"""RULES.md section 1: the medical-assistance class of each identity (S001 §二)."""

CLASSES = {
    "extreme_poverty": 1, "orphan": 1,
    "subsistence_allowance": 2, "returned_to_poverty": 2,
    "low_income_edge": 3, "monitored_unstable": 3, "monitored_edge": 3, "monitored_sudden": 3,
    "illness_poverty": 4, "county_special": 4,
    "disabled_unable_to_work": None, "entitled_veteran": None, "severe_mental_illness": None,
    "family_planning_hardship": None, "low_income_elder_or_minor": None, "stable_out_of_poverty": None,
}


def load_assistance_presets() -> int:
    from assistance.models import AssistanceClassRule

    created = 0
    for code, cls in CLASSES.items():
        _, made = AssistanceClassRule.objects.get_or_create(identity_code=code, defaults={"assistance_class": cls, "source": "S001 §二"})
        created += made
    return created

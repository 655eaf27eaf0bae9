"""Hardship identity codes (RULES.md section 1): stable codes used in the database, Excel
imports and the JSON interfaces. Which department certifies a code is fixed by X000 art. 41;
the amounts that follow from a code (subsidy, assistance class) are policy data kept in the
parameter tables, not here."""

from django.db import models

from core.models import Department


class IdentityCode(models.TextChoices):
    EXTREME_POVERTY = "extreme_poverty", "特困人员（特困供养人员）"
    ORPHAN = "orphan", "孤儿（含事实无人抚养儿童）"
    SUBSISTENCE_ALLOWANCE = "subsistence_allowance", "城乡最低生活保障对象（低保）"
    RETURNED_TO_POVERTY = "returned_to_poverty", "返贫致贫人口"
    LOW_INCOME_EDGE = "low_income_edge", "城乡低保边缘家庭成员"
    MONITORED_UNSTABLE = "monitored_unstable", "脱贫不稳定人口（监测对象）"
    MONITORED_EDGE = "monitored_edge", "边缘易致贫人口（监测对象）"
    MONITORED_SUDDEN = "monitored_sudden", "突发严重困难人口（监测对象）"
    ILLNESS_POVERTY = "illness_poverty", "因病致贫重病患者"
    COUNTY_SPECIAL = "county_special", "县级以上政府规定的其他特殊困难人员"
    DISABLED_UNABLE_TO_WORK = "disabled_unable_to_work", "丧失劳动能力的残疾人"
    ENTITLED_VETERAN = "entitled_veteran", "符合代缴条件的优抚对象"
    SEVERE_MENTAL_ILLNESS = "severe_mental_illness", "严重精神障碍患者"
    FAMILY_PLANNING_HARDSHIP = "family_planning_hardship", "计划生育特殊困难家庭中经核定的特困家庭夫妻及其伤残子女"
    LOW_INCOME_ELDER_OR_MINOR = "low_income_elder_or_minor", "低收入家庭中60周岁以上老人、未成年人"
    STABLE_OUT_OF_POVERTY = "stable_out_of_poverty", "未纳入监测的稳定脱贫人口"


# X000 art. 41: the department that certifies each identity.
CERTIFYING_DEPARTMENT = {
    IdentityCode.EXTREME_POVERTY: Department.CIVIL_AFFAIRS,
    IdentityCode.ORPHAN: Department.CIVIL_AFFAIRS,
    IdentityCode.SUBSISTENCE_ALLOWANCE: Department.CIVIL_AFFAIRS,
    IdentityCode.RETURNED_TO_POVERTY: Department.RURAL_REVITALISATION,
    IdentityCode.LOW_INCOME_EDGE: Department.CIVIL_AFFAIRS,
    IdentityCode.MONITORED_UNSTABLE: Department.RURAL_REVITALISATION,
    IdentityCode.MONITORED_EDGE: Department.RURAL_REVITALISATION,
    IdentityCode.MONITORED_SUDDEN: Department.RURAL_REVITALISATION,
    IdentityCode.ILLNESS_POVERTY: Department.CIVIL_AFFAIRS,
    IdentityCode.COUNTY_SPECIAL: Department.COUNTY_GOVERNMENT,
    IdentityCode.DISABLED_UNABLE_TO_WORK: Department.DISABLED_FEDERATION,
    IdentityCode.ENTITLED_VETERAN: Department.VETERANS,
    IdentityCode.SEVERE_MENTAL_ILLNESS: Department.HEALTH,
    IdentityCode.FAMILY_PLANNING_HARDSHIP: Department.HEALTH,
    IdentityCode.LOW_INCOME_ELDER_OR_MINOR: Department.CIVIL_AFFAIRS,
    IdentityCode.STABLE_OUT_OF_POVERTY: Department.RURAL_REVITALISATION,
}

CODES = frozenset(IdentityCode.values)
LABEL_TO_CODE = {label: code for code, label in IdentityCode.choices}


def parse_identity(value: str) -> str | None:
    """A code from an import cell: the code itself or its Chinese label."""
    value = (value or "").strip()
    if value in CODES:
        return value
    return LABEL_TO_CODE.get(value)

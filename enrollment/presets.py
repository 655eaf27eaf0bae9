"""Resident-insurance presets of RULES.md 2.1-2.3, loaded by `manage.py load_policies`.
Loading creates what is missing and never overwrites what officers have edited."""

from decimal import Decimal

XIANNING = "xianning"
JILIN = "jilin"

# Scheme names are what users read (a page title, a select option): the source key is kept in
# `source`, never in the name. Migration 0007 renamed the rows loaded with the former names.
SCHEMES = {
    XIANNING: {
        "name": "咸宁市城乡居民基本医疗保险",
        "waiting_unit": "days",
        "waiting_length": 90,  # X000 art. 11
        "students_wait": True,
        "newborn_birth_year_free": True,  # X000 art. 7
        "newborn_registration_years": 1,  # not from the sources
        "transfer_grace_months": 3,  # X000 arts. 13-15
        "employee_continuous_years": 2,  # X000 art. 12
        "college_own_period": True,  # X000 art. 7
        "resident_window_opens": "09-01",  # X000 art. 7: Sep 1 - Dec 31 before the benefit year
        "resident_window_closes": "12-31",
        "college_window_opens": "09-01",  # X000 art. 7: students Sep 1 - Nov 30
        "college_window_closes": "11-30",
        "articles": {
            "window": "X000 art. 7",
            "college_window": "X000 art. 7",
            "newborn": "X000 art. 7",
            "mid_year": "X000 art. 11",
            "students_no_wait": "",
            "employee_long": "X000 art. 12",
            "transfer_in": "X000 art. 13",
            "employee_end": "X000 art. 13",
            "unemployment": "X000 art. 14",
            "discharge": "X000 art. 15",
        },
        "source": "X000 arts. 7-16",
        "confirmed": True,
    },
    JILIN: {
        "name": "吉林省城乡居民基本医疗保险",
        "waiting_unit": "months",
        "waiting_length": 3,  # J003 §二(一)3
        "students_wait": False,
        "newborn_birth_year_free": False,  # J003 grants no free birth year
        "newborn_registration_years": 1,
        "transfer_grace_months": 3,  # J003 is silent: 咸宁's rule, unconfirmed
        "employee_continuous_years": 2,
        "college_own_period": False,
        "resident_window_opens": "08-01",  # J003 §二(一)3: Aug 1 - Dec 20
        "resident_window_closes": "12-20",
        "college_window_opens": "09-01",
        "college_window_closes": "11-30",
        "articles": {
            "window": "J003 §二(一)3",
            "college_window": "J003 §二(一)3",
            "newborn": "J003 §二(一)3",
            "mid_year": "J003 §二(一)3",
            "students_no_wait": "J003 §二(一)3",
            "employee_long": "X000 art. 12 (J003 未规定)",
            "transfer_in": "X000 art. 13 (J003 未规定)",
            "employee_end": "X000 art. 13 (J003 未规定)",
            "unemployment": "X000 art. 14 (J003 未规定)",
            "discharge": "X000 art. 15 (J003 未规定)",
        },
        "source": "J003 §二(一)",
        "confirmed": False,
    },
}

# RULES.md 2.1 (the same national standard for both presets).
STANDARDS = [
    (2021, Decimal("320"), Decimal("580"), "N004 §一 (2022 figures minus 30)", True),
    (2022, Decimal("350"), Decimal("610"), "N004 §一", True),
    (2023, Decimal("380"), Decimal("640"), "RULES 2.1: national 2023 standard, not from the sources", False),
]


# RULES.md section 1 and 2.3: (code, from year, to year, percent, fixed amount, source).
SUBSIDIES = [
    ("extreme_poverty", 2021, None, Decimal("100"), None, "N004 §三"),
    ("orphan", 2021, None, Decimal("100"), None, "N004 §三"),
    ("subsistence_allowance", 2021, None, Decimal("90"), None, "N004 §三"),
    ("returned_to_poverty", 2021, None, Decimal("90"), None, "N004 §三"),
    ("monitored_unstable", 2021, None, Decimal("50"), None, "N004 §三"),
    ("monitored_edge", 2021, None, Decimal("50"), None, "N004 §三"),
    ("monitored_sudden", 2021, None, Decimal("50"), None, "N004 §三"),
    ("county_special", 2021, None, Decimal("50"), None, "X000 art. 9"),
    ("disabled_unable_to_work", 2021, None, Decimal("100"), None, "X000 art. 9"),
    ("entitled_veteran", 2021, None, Decimal("100"), None, "X000 art. 9"),
    ("severe_mental_illness", 2021, None, Decimal("100"), None, "X000 art. 9"),
    ("family_planning_hardship", 2021, None, Decimal("100"), None, "X000 art. 9"),
    ("low_income_elder_or_minor", 2021, None, Decimal("50"), None, "X000 art. 9"),
    # S001 §三(二): phase-out for stable out-of-poverty people, from the 2021 amount of 160.
    ("stable_out_of_poverty", 2021, 2021, None, Decimal("160"), "S001 §三(二)"),
    ("stable_out_of_poverty", 2022, 2022, None, Decimal("128"), "S001 §三(二); N004 §三"),
    ("stable_out_of_poverty", 2023, 2023, None, Decimal("80"), "S001 §三(二)"),
    ("stable_out_of_poverty", 2024, 2024, None, Decimal("48"), "S001 §三(二)"),
    ("stable_out_of_poverty", 2025, None, None, Decimal("0"), "S001 §三(二)"),
]

# regions.csv of the policy folder, plus the provinces above them and 吉林省 (J003's region).
REGIONS = [
    ("420000", "湖北省", "province", None, None),
    ("421200", "咸宁市", "city", "420000", "xianning"),
    ("421202", "咸安区", "county", "421200", None),
    ("421221", "嘉鱼县", "county", "421200", None),
    ("421222", "通城县", "county", "421200", None),
    ("421223", "崇阳县", "county", "421200", None),
    ("421224", "通山县", "county", "421200", None),
    ("421281", "赤壁市", "county", "421200", None),
    ("420300", "十堰市", "city", "420000", "shiyan"),
    ("420302", "茅箭区", "county", "420300", None),
    ("420303", "张湾区", "county", "420300", None),
    ("420304", "郧阳区", "county", "420300", None),
    ("420322", "郧西县", "county", "420300", None),
    ("420323", "竹山县", "county", "420300", None),
    ("420324", "竹溪县", "county", "420300", None),
    ("420325", "房县", "county", "420300", None),
    ("420381", "丹江口市", "county", "420300", None),
    ("220000", "吉林省", "province", None, "jilin"),
]

# A region uses one resident preset; 十堰 uses 咸宁's until its own are loaded.
ASSIGNMENTS = [("421200", XIANNING), ("420300", XIANNING), ("220000", JILIN)]

"""RULES.md 5a: a preset value copied from another region's document is unconfirmed and its
source says where it came from. Installations loaded 十堰's resident values (咸宁's X000 rows)
and 咸宁's and 吉林's medical-assistance values (十堰's S001 rows) as confirmed, with the
lending region's bare source. Mark the rows still holding the preset's value and source (same
region, name and start); a row an officer has edited is left as it is. Each change is a new
version with a history record, like a change in the admin.

The marking rule and the preset rows are frozen here as they were when this migration was
written (the loader's copies are benefits.services.policy.borrowed_source and benefits.presets):
a later change of the presets must not change what this migration does."""

from datetime import date

from django.db import migrations
from django.utils import timezone

PRESET_START = date(2021, 1, 1)
OWN_DOCUMENTS = {"421200": ("X000", "N004"), "420300": ("S001",), "220000": ("J003",)}
DOCUMENT_REGION = {"X000": "咸宁", "N004": "咸宁", "S001": "十堰", "J003": "吉林"}
SHORT_NAMES = {"421200": "咸宁", "420300": "十堰", "220000": "吉林"}
REASON = "沿用其他统筹区文件的预设值，标为未确认（经办规则 第5a节）"

# The confirmed rows of benefits.presets as (name, value, source), as they were when this
# migration was written; only confirmed rows can be marked (the critical-illness presets have
# none: every one is unconfirmed).
BASIC, MA = "resident_basic", "medical_assistance"
_XIANNING_BASIC = [
    ("first_pay_rate.class_b_drug", "0.10", "X000 art. 26"),
    ("first_pay_rate.blood", "0.30", "X000 art. 26"),
    ("first_pay_rate.class_b_treatment", "0.10", "X000 art. 26"),
    ("first_pay_rate.material_general", "0.10", "X000 art. 26"),
    ("first_pay_rate.material_other_domestic", "0.15", "X000 art. 26"),
    ("first_pay_rate.material_other_imported", "0.30", "X000 art. 26"),
    ("location_rate.local", "0", "X000 art. 20"),
    ("location_rate.county_at_city", "0.05", "X000 art. 20(一)3"),
    ("location_rate.remote_filed", "0.10", "X000 art. 20(二)1"),
    ("location_rate.remote_unfiled", "0.20", "X000 art. 20(二)1"),
    ("location_rate.remote_emergency_nondesignated", "0.20", "X000 art. 20(二)1"),
    ("location_rate.remote_long_term", "0", "X000 art. 20(二)2"),
    ("inpatient_deductible.1", "200", "X000 art. 20(一)1"),
    ("inpatient_deductible.2", "600", "X000 art. 20(一)1"),
    ("inpatient_deductible.3", "1000", "X000 art. 20(一)1"),
    ("inpatient_rate.1", "0.85", "X000 art. 20(一)2"),
    ("inpatient_rate.2", "0.70", "X000 art. 20(一)2"),
    ("inpatient_rate.3", "0.60", "X000 art. 20(一)2"),
    ("annual_cap", "200000", "X000 art. 22"),
    ("outpatient_rate", "0.50", "X000 art. 17"),
    ("outpatient_daily_cap.secondary_plus", "50", "X000 art. 17; N004 §二"),
    ("outpatient_daily_cap.township", "25", "X000 art. 17"),
    ("outpatient_daily_cap.village", "15", "X000 art. 17"),
    ("outpatient_daily_cap.community_station", "15", "X000 art. 17"),
    ("outpatient_daily_cap.clinic", "15", "X000 art. 17"),
    ("outpatient_annual_cap", "350", "X000 art. 17; N004 §二"),
    ("two_diseases_extra_cap", "200", "X000 art. 17"),
    ("general_fee.township", "13", "X000 art. 18"),
    ("general_fee_fund.township", "9", "X000 art. 18"),
    ("general_fee.village", "8", "X000 art. 18"),
    ("general_fee_fund.village", "7", "X000 art. 18"),
    ("general_fee.community_station", "13", "X000 art. 18"),
    ("general_fee_fund.community_station", "9", "X000 art. 18"),
]
_JILIN_BASIC = [
    ("first_pay_rate.class_b_drug", "0.10", "J003 §二(三)9(2)"),
    ("first_pay_rate.blood", "0.10", "J003 §二(三)9(2)"),
    ("first_pay_rate.class_b_treatment", "0.10", "J003 §二(三)9(2)"),
    ("first_pay_rate.material_general", "0.10", "J003 §二(三)9(2)"),
    ("first_pay_rate.material_other_domestic", "0.10", "J003 §二(三)9(2)"),
    ("first_pay_rate.material_other_imported", "0.10", "J003 §二(三)9(2)"),
    ("chronic_rate", "0.60", "J003 §二(三)10(2)"),
    ("chronic_annual_cap", "6500", "J003 §二(三)10(2)"),
    ("outpatient_rate.community_station", "0.50", "J003 §二(三)10(1)"),
    ("outpatient_rate.village", "0.50", "J003 §二(三)10(1)"),
    ("outpatient_rate.township", "0.60", "J003 §二(三)10(1)"),
    ("referral_rate_cut.referred_outside_list", "0.20", "J003 §二(三)9(2)"),
    ("unreferred_rate", "0.20", "J003 §二(三)9(2)"),
    ("referral_deductible_credit", "1", "J003 §二(三)9(1)"),
    ("downward_referral_deductible", "0", "J003 §二(三)9(1)"),
]
_MEDICAL_ASSISTANCE = [
    ("ma_deductible.1", "0", "S001 §三(四)2"),
    ("ma_deductible.2", "0", "S001 §三(四)2"),
    ("ma_deductible.3", "1500", "S001 §三(四)2"),
    ("ma_deductible.4", "5000", "S001 §三(四)2"),
    ("ma_inpatient_rate.1", "1.00", "S001 §三(四)2"),
    ("ma_inpatient_rate.2", "0.70", "S001 §三(四)2"),
    ("ma_inpatient_rate.3", "0.65", "S001 §三(四)2"),
    ("ma_inpatient_rate.4", "0.50", "S001 §三(四)2"),
    ("ma_chronic_rate", "0.50", "S001 §三(四)1"),
    ("ma_cap", "50000", "S001 §三(四)"),
    ("tilted_threshold", "5000", "S001 §三(四)4"),
    ("tilted_rate", "0.50", "S001 §三(四)4"),
    ("tilted_cap", "100000", "S001 §三(四)4"),
    ("backstop_codes", "returned_to_poverty,monitored_unstable,monitored_edge,monitored_sudden", "S001 §三(四)"),
    ("backstop_threshold", "5000", "S001 §三(四)"),
    ("backstop_personal_rate", "0.05", "S001 §三(四)"),
]
PRESET_BASIC = {"421200": _XIANNING_BASIC, "420300": _XIANNING_BASIC, "220000": _JILIN_BASIC}



def borrowed_source(source, region_code):
    own = OWN_DOCUMENTS.get(region_code)
    cited = [doc for doc in DOCUMENT_REGION if doc in source]
    if not own or not cited or any(doc in own for doc in cited):
        return source
    if any(note in source for note in ("未规定", "沿用", "not from the sources")):
        return source
    return f"{source}（{SHORT_NAMES[region_code]}未规定，沿用{DOCUMENT_REGION[cited[0]]}办法）"


def preset_sources():
    """(region code, scheme, name, value, source as first loaded) of every confirmed preset row."""
    for code, basic in PRESET_BASIC.items():
        for scheme, rows in ((BASIC, basic), (MA, _MEDICAL_ASSISTANCE)):
            for name, value, source in rows:
                yield code, scheme, name, value, source


def mark(apps, forwards):
    PolicyParameter = apps.get_model("benefits", "PolicyParameter")
    History = apps.get_model("benefits", "HistoricalPolicyParameter")
    now = timezone.now()
    for code, scheme, name, value, source in preset_sources():
        marked = borrowed_source(source, code)
        if marked == source:
            continue
        before, after = (source, marked) if forwards else (marked, source)
        rows = PolicyParameter.objects.filter(region__code=code, scheme=scheme, name=name, valid_from=PRESET_START,
                                              value=value, source=before, confirmed=forwards)
        for row in rows:
            row.source, row.confirmed, row.version = after, not forwards, row.version + 1
            # update(), not save(): the history record below is the only one, whichever models run this
            PolicyParameter.objects.filter(pk=row.pk).update(source=row.source, confirmed=row.confirmed, version=row.version)
            History.objects.create(
                id=row.pk, region_id=row.region_id, scheme=row.scheme, name=row.name, value=row.value, unit=row.unit,
                valid_from=row.valid_from, valid_to=row.valid_to, source=row.source, confirmed=row.confirmed,
                version=row.version, history_date=now, history_type="~", history_change_reason=REASON,
            )


def forwards(apps, schema_editor):
    mark(apps, forwards=True)


def backwards(apps, schema_editor):
    mark(apps, forwards=False)


class Migration(migrations.Migration):

    dependencies = [
        ("benefits", "0007_outside_hospitals"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

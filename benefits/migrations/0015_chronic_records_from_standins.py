"""The catalogue presets of each pooling region, and the stand-in fields of Person turned into
records (issue 11): each code of `chronic_diseases` an approval (approved, valid from the
person's registration date for the catalogue's 24 months counted from today, no facility: the
stand-in named none, so it pays nothing until one is chosen), `two_diseases_registered` a 两病
registration without a disease (the flag did not say which). The fields go in enrollment 0009."""

import calendar
from datetime import timedelta

from django.db import migrations
from django.utils import timezone

# Frozen copy of benefits.presets_chronic.CATALOGUE as of this migration.
DIAGNOSIS = "二级及以上医院出具的诊断证明、病历资料"
CATALOGUE = [
    ("hypertension", "高血压", "two_diseases", None, None, "诊断证明或门诊病历", "N004 §八; X000 art. 17", True),
    ("diabetes", "糖尿病", "two_diseases", None, None, "诊断证明或门诊病历", "N004 §八; X000 art. 17", True),
    ("malignant_tumour", "恶性肿瘤门诊放化疗", "special", 2, None, f"{DIAGNOSIS}、病理报告、放化疗方案", "N004 §八; J003 §二(三)10", False),
    ("uraemia_dialysis", "尿毒症透析", "special", 2, None, f"{DIAGNOSIS}、肾功能检查报告", "N004 §八; J003 §二(三)10", False),
    ("transplant_anti_rejection", "器官移植抗排异治疗", "special", 2, None, f"{DIAGNOSIS}、移植手术记录", "N004 §八; J003 §二(三)10", False),
    ("severe_mental_illness", "重性精神病维持治疗", "chronic", None, 2, f"{DIAGNOSIS}、精神专科诊断", "S001 art. 8 (employee measures); J003 §二(三)10", False),
    ("diabetes_insulin", "糖尿病胰岛素治疗", "chronic", None, 2, f"{DIAGNOSIS}、血糖检查报告", "S001 art. 8 (employee measures); J003 §二(三)10", False),
    ("tuberculosis", "结核病", "chronic", None, 2, f"{DIAGNOSIS}、痰检或影像报告", "S001 art. 8 (employee measures); J003 §二(三)10", False),
]
VALIDITY_MONTHS = 24
CARRIED = "由原“已认定门诊慢特病”字段转入，未记录定点机构，请补选定点机构"


def _months_later(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def forward(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    Person = apps.get_model("enrollment", "Person")
    ChronicDisease = apps.get_model("benefits", "ChronicDisease")
    ChronicApproval = apps.get_model("benefits", "ChronicApproval")
    ChronicStep = apps.get_model("benefits", "ChronicStep")
    Registration = apps.get_model("benefits", "TwoDiseasesRegistration")
    pooling = {r.code: r for r in Region.objects.exclude(slug__isnull=True).exclude(slug="")}
    for region in pooling.values():
        for code, name, kind, min_level, max_level, evidence, source, confirmed in CATALOGUE:
            if "S001" in source and region.code != "420300":  # 十堰's employee measures: elsewhere not from the sources
                source = f"{source} (not from the sources)"
            ChronicDisease.objects.get_or_create(region=region, code=code, defaults={
                "name": name, "kind": kind, "min_level": min_level, "max_level": max_level, "evidence": evidence,
                "validity_months": VALIDITY_MONTHS, "source": source, "confirmed": confirmed})
    today = timezone.localdate()
    people = Person.objects.exclude(chronic_diseases="", two_diseases_registered=False).order_by("pk")
    for person in people.iterator(chunk_size=2000):
        code = next((c for c in reversed([c for c in person.region_path.split("/") if c]) if c in pooling), None)
        if code is None:
            continue
        since = timezone.localdate(person.created_at)
        for said in {c.strip() for c in person.chronic_diseases.split(",") if c.strip()}:
            disease = (ChronicDisease.objects.filter(region=pooling[code], code=said).first()
                       or ChronicDisease.objects.filter(region=pooling[code], name=said).first())
            if disease is None or disease.kind == "two_diseases":
                continue
            approval = ChronicApproval.objects.create(
                person=person, disease=disease, diagnosing_hospital="（原系统未记录）", diagnosed_on=since, facility=None,
                status="approved", valid_from=since, valid_to=_months_later(today, VALIDITY_MONTHS) - timedelta(days=1),
                submitted_by_id=None, decision_reason=CARRIED, region_path=person.region_path)
            ChronicStep.objects.create(approval=approval, action="转入", user=None, comment=CARRIED)
        if person.two_diseases_registered:
            Registration.objects.create(person=person, disease=None, registered_on=since, facility=None,
                                        note="由原“已登记两病”标记转入，病种未记录", region_path=person.region_path)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0014_chronic_approvals"), ("enrollment", "0008_scheme_names_without_source_keys")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

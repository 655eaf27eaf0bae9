"""RULES.md 5a: a preset value copied from another region's document is unconfirmed and its
source says where it came from. Installations loaded 十堰's resident values (咸宁's X000 rows)
and 咸宁's and 吉林's medical-assistance values (十堰's S001 rows) as confirmed, with the
lending region's bare source. Mark the rows still holding the preset's value and source (same
region, name and start); a row an officer has edited is left as it is. Each change is a new
version with a history record, like a change in the admin.

The marking rule is frozen here as it was when this migration was written (the loader's copy
is benefits.services.policy.borrowed_source)."""

from datetime import date

from django.db import migrations
from django.utils import timezone

PRESET_START = date(2021, 1, 1)
OWN_DOCUMENTS = {"421200": ("X000", "N004"), "420300": ("S001",), "220000": ("J003",)}
DOCUMENT_REGION = {"X000": "咸宁", "N004": "咸宁", "S001": "十堰", "J003": "吉林"}
SHORT_NAMES = {"421200": "咸宁", "420300": "十堰", "220000": "吉林"}
REASON = "沿用其他统筹区文件的预设值，标为未确认（经办规则 第5a节）"


def borrowed_source(source, region_code):
    own = OWN_DOCUMENTS.get(region_code)
    cited = [doc for doc in DOCUMENT_REGION if doc in source]
    if not own or not cited or any(doc in own for doc in cited):
        return source
    if any(note in source for note in ("未规定", "沿用", "not from the sources")):
        return source
    return f"{source}（{SHORT_NAMES[region_code]}未规定，沿用{DOCUMENT_REGION[cited[0]]}办法）"


def preset_sources():
    """(region code, scheme, name, value, source as first loaded) of every preset row."""
    from benefits import presets

    regions = {"421200": presets.XIANNING_BASIC, "420300": presets.XIANNING_BASIC, "220000": presets.JILIN_BASIC}
    for code, basic in regions.items():
        for scheme, rows in ((presets.BASIC, basic), (presets.CI, presets.CRITICAL_ILLNESS), (presets.MA, presets.MEDICAL_ASSISTANCE)):
            for name, value, _unit, source, confirmed, *_rest in rows:
                if confirmed:
                    yield code, scheme, name, str(value), source


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

"""The preset schemes were loaded with their source key in the name (咸宁市城乡居民基本医疗保险（X000）),
which every page and select shows. Rename the rows that still hold a preset's former name; a
name an officer has changed is left as it is."""

from django.db import migrations

RENAMED = [
    ("咸宁市城乡居民基本医疗保险（X000）", "咸宁市城乡居民基本医疗保险"),
    ("吉林省城乡居民基本医疗保险（J003）", "吉林省城乡居民基本医疗保险"),
]


def rename(apps, schema_editor, pairs):
    ResidentScheme = apps.get_model("enrollment", "ResidentScheme")
    for old, new in pairs:
        ResidentScheme.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, schema_editor, RENAMED)


def backwards(apps, schema_editor):
    rename(apps, schema_editor, [(new, old) for old, new in RENAMED])


class Migration(migrations.Migration):

    dependencies = [
        ("enrollment", "0007_plain_chinese_help_texts"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

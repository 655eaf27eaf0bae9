"""A settlement's parameter versions move from each row (a 2 KB JSON document, the same on
every row computed under the same policy) to ParameterSet, one row per distinct set, named by
the digest of its content (benefits.services.settlements.parameter_set_digest)."""

import hashlib
import json

from django.db import migrations, models
from django.db.models.deletion import PROTECT


def _digest(versions) -> str:
    # as parameter_set_digest computes it (a migration keeps its own copy of what it runs)
    text = json.dumps(versions, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def to_sets(apps, schema_editor):
    Settlement = apps.get_model("benefits", "Settlement")
    ParameterSet = apps.get_model("benefits", "ParameterSet")
    distinct = list(Settlement.objects.order_by().values_list("parameter_versions", flat=True).distinct())
    if not distinct:
        return
    sets = {}
    for versions in distinct:
        sets.setdefault(_digest(versions or {}), versions or {})
    ParameterSet.objects.bulk_create([ParameterSet(digest=d, versions=v) for d, v in sets.items()], ignore_conflicts=True)
    if schema_editor.connection.vendor == "postgresql":
        # one pass over the table, whatever its size: a hash join on the distinct documents
        pairs = [(json.dumps(v), d) for d, v in sets.items()]
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE benefits_settlement AS s SET parameter_set_id = m.digest "
                "FROM (VALUES " + ", ".join(["(%s::jsonb, %s)"] * len(pairs)) + ") AS m(versions, digest) "
                "WHERE s.parameter_versions = m.versions",
                [x for pair in pairs for x in pair])
    else:
        for versions in distinct:
            Settlement.objects.filter(parameter_versions=versions).update(parameter_set_id=_digest(versions or {}))


class Migration(migrations.Migration):
    dependencies = [("benefits", "0011_personyear_revision")]

    operations = [
        migrations.CreateModel(
            name="ParameterSet",
            fields=[
                ("digest", models.CharField(max_length=32, primary_key=True, serialize=False, verbose_name="摘要")),
                ("versions", models.JSONField(default=dict, verbose_name="参数版本")),
            ],
            options={"verbose_name": "参数版本组", "verbose_name_plural": "参数版本组"},
        ),
        migrations.AddField(
            model_name="settlement",
            name="parameter_set",
            field=models.ForeignKey(null=True, db_index=False, on_delete=PROTECT, related_name="+",
                                    to="benefits.parameterset", verbose_name="参数版本"),
        ),
        migrations.RunPython(to_sets, migrations.RunPython.noop),
    ]

"""A reversal (冲正) keeps the number of the bill it reverses instead of taking "<n>-R", which a
facility may itself issue: the one-settlement-per-bill constraint now holds for the records that
reverse nothing. Existing reversals get their bill's number back."""

from django.db import migrations, models


def reversals_keep_the_bill_number(apps, schema_editor):
    Settlement = apps.get_model("benefits", "Settlement")
    table = schema_editor.quote_name(Settlement._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET bill_number = (SELECT o.bill_number FROM {table} o WHERE o.id = {table}.reverses_id) "
            f"WHERE reverses_id IS NOT NULL"
        )


def reversals_take_numbers_of_their_own(apps, schema_editor):
    Settlement = apps.get_model("benefits", "Settlement")
    for reversal in Settlement.objects.filter(reverses__isnull=False).only("bill_number"):
        reversal.bill_number = f"{reversal.bill_number}-R"
        reversal.save(update_fields=["bill_number"])


class Migration(migrations.Migration):

    dependencies = [
        ("benefits", "0004_settlement_location_choices"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="settlement", name="one_settlement_per_bill"),
        migrations.RunPython(reversals_keep_the_bill_number, reversals_take_numbers_of_their_own),
        migrations.AddConstraint(
            model_name="settlement",
            constraint=models.UniqueConstraint(condition=models.Q(reverses__isnull=True), fields=("facility", "bill_number"),
                                               name="one_settlement_per_bill"),
        ),
    ]
